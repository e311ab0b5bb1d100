"""What several parsers know alike: the digest's line vocabulary, dates and answers.

Not a parser: every parser may import this module, and it imports no parser. The summary points'
vocabulary is in :mod:`flashdigest.parse.points`; text cleaning in :mod:`flashdigest.textutil`.
"""

from __future__ import annotations

import datetime as dt
import re

# The digest's own line vocabulary, which its page shows too (the HTML parser matches its
# paragraphs and headings with the same patterns as the text parser its lines).
HEADING_RE = re.compile(r"^(?P<date>\d{4}-\d{1,2}-\d{1,2})\s+Papers?$", re.IGNORECASE)
PAPER_LINE_RE = re.compile(r"^Paper\s*:?\s*(?P<number>\d+)$", re.IGNORECASE)
PUBLISHED_LINE_RE = re.compile(r"^Published\s*:\s*(?P<value>.*)$", re.IGNORECASE)
LINK_LINE_RE = re.compile(r"^Link\s*:\s*(?P<value>.*)$", re.IGNORECASE)
#: a numbered question, ``1. What ...?``
NUMBERED_RE = re.compile(r"^(?P<number>\d+)[.)]\s*(?P<body>.*)$", re.DOTALL)


def parse_iso_date(value: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (leading zeros optional), or None."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", value)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def published_date(value: str, paper: int) -> tuple[dt.date | None, str | None]:
    """The date of a ``Published:`` line, or None and what is wrong with it (for a notice)."""
    date = parse_iso_date(value)
    if date is None and value.strip():
        return None, f"paper {paper}: published date {value.strip()!r} is not YYYY-MM-DD; left blank"
    return date, None


def question_text(text: str, number: int) -> str:
    """``1. What ...?`` of question 1 -> ``What ...?`` (a number that is not its own stays)."""
    match = NUMBERED_RE.match(text)
    return match["body"] if match and int(match["number"]) == number else text


def resolve_answer(value: object, options: tuple[str, ...]) -> int | None:
    """The 0-based option index that ``value`` names (letter, 1-based number or option text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value - 1 if 1 <= value <= len(options) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) == 1 and text.isalpha():
        index = ord(text.upper()) - ord("A")
        return index if 0 <= index < len(options) else None
    if text.isdigit():
        return resolve_answer(int(text), options)
    folded = [" ".join(option.split()).casefold() for option in options]
    wanted = " ".join(text.split()).casefold()
    return folded.index(wanted) if wanted in folded else None
