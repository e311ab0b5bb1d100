"""Is a fetched body a digest page? Checked before it is saved, so an error page answered with
``200`` (``<h1>429 Too Many Requests</h1>``), a maintenance page or a binary file is never kept
as ``YYYY-MM-DD.html``.

The check is the site's own shape, as far as the fetch stage may know it without importing the
parser (a later stage): HTML text (no NUL byte, UTF-8), served as HTML when a type is given,
whose ``<h1>`` or ``<title>`` reads ``YYYY-MM-DD Papers`` with the date the index linked it under.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborHTMLParser

from ..limits import LIMITS, markup_depth
from ..textutil import collapse_space

HTML_TYPES = ("text/html", "application/xhtml+xml")
HEADING_RE = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})\s+Papers?\b", re.IGNORECASE)
#: bytes looked at for a NUL (a binary body)
SNIFF_BYTES = 8192


def page_problem(body: bytes, date: dt.date, content_type: str = "") -> str | None:
    """Why ``body`` is not the digest page of ``date`` (None when it is one)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media not in HTML_TYPES:
        return f"served as {media}, not as an HTML page"
    if b"\x00" in body[:SNIFF_BYTES]:
        return "a binary body, not an HTML page"
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8 text, not the site's HTML"
    if markup_depth(text, stop_above=LIMITS.max_markup_depth) > LIMITS.max_markup_depth:
        return f"tags nest over {LIMITS.max_markup_depth} deep"
    tree = LexborHTMLParser(text)
    headings = [collapse_space(node.text()) for node in tree.css("h1, title")]
    dates = [match["date"] for text in headings if (match := HEADING_RE.search(text))]
    if not dates:
        said = next((heading for heading in headings if heading), "")
        shown = f" (it says {said[:60]!r})" if said else ""
        return f"no 'YYYY-MM-DD Papers' heading{shown}: not a digest page"
    if date.isoformat() not in [_iso(found) for found in dates]:
        return f"its heading is for {dates[0]}, not {date.isoformat()}"
    return None


def _iso(text: str) -> str:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return text
