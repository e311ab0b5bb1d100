"""The site's index page -> the digest pages it links, newest first.

Only links to ``dailies/pages/YYYY-MM-DD.html`` below the site's own address count: other pages,
scripts, styles and links that leave the site (another host, port or scheme, ``mailto:``,
``javascript:``) are ignored. The index is parsed as a browser parses it (lexbor, the tree builder
the page parser uses).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..errors import FetchError
from ..frozen import frozen
from ..limits import LIMITS, env_name, markup_depth

INDEX_NAME = "index.html"
PAGE_PATH_RE = re.compile(r"dailies/pages/(?P<date>\d{4}-\d{2}-\d{2})\.html")
SCHEMES = ("http", "https")


@frozen
class PageLink:
    """One digest page the index links."""

    date: dt.date
    url: str


def index_url(site: str) -> str:
    """The index page's address: ``site`` itself when it names an ``.html`` page, else its
    ``index.html``. FetchError for anything but an absolute http(s) address."""
    parts = urlsplit(site.strip())
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise FetchError(f"{site!r} is not an http(s) address; --site needs one like https://host/path/")
    url = urldefrag(site.strip()).url
    if parts.path.lower().endswith((".html", ".htm")):
        return url
    return (url if url.endswith("/") else url + "/") + INDEX_NAME


def site_base(index: str) -> str:
    """The folder the index lives in: every digest page must be below it."""
    return urljoin(index, ".")


def page_links(markup: bytes, index: str) -> list[PageLink]:
    """The digest pages ``markup`` (the index at address ``index``) links, in its order, each date once.

    FetchError for markup nested deeper than the markup limit (a tree builder would take minutes)."""
    base = site_base(index)
    text = markup.decode("utf-8", errors="replace")
    if markup_depth(text, stop_above=LIMITS.max_markup_depth) > LIMITS.max_markup_depth:
        raise FetchError(
            f"{index}: tags nest over {LIMITS.max_markup_depth} deep ({env_name('max_markup_depth')}): "
            "not a digest site's index"
        )
    tree = LexborHTMLParser(text)
    found: dict[dt.date, str] = {}
    for anchor in tree.css("a[href]"):
        link = _digest_link(anchor.attributes.get("href") or "", index, base)
        if link is not None and link.date not in found:
            found[link.date] = link.url
    return [PageLink(date, url) for date, url in found.items()]


def _digest_link(href: str, index: str, base: str) -> PageLink | None:
    url = urldefrag(urljoin(index, href.strip())).url
    if not url.startswith(base) or urlsplit(url).query:
        return None  # another scheme, host, port or folder; or a page with parameters
    match = PAGE_PATH_RE.fullmatch(url[len(base) :])
    if match is None:
        return None
    try:
        return PageLink(dt.date.fromisoformat(match["date"]), url)
    except ValueError:  # 2026-02-30
        return None
