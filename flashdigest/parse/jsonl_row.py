"""One row of the generator's JSON-lines archive -> a typed :class:`~flashdigest.model.Paper`.

A row is one JSON object: ``title``, ``published_at``, ``url``, ``content`` (the five points in
Markdown), ``date`` (the digest date; missing on the oldest rows), ``questions`` (``question1``..
each ``{question, option1.., answer: "optionN"}``) and ``flow_chart`` (an SVG string). A row
that breaks this shape raises ParseError naming its line; unknown keys are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..errors import ParseError
from ..frozen import frozen
from ..limits import LIMITS
from ..model import Paper, PointKind, Question
from .common import parse_iso_date, resolve_answer
from .points import collect_points, point_head

_NUMBERED_KEY_RE = re.compile(r"^(?P<stem>question|option)(?P<number>[1-9]\d{0,2})$")
_DATE_PREFIX_RE = re.compile(r"^\s*(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[T ].*)?$")


@frozen
class ArchiveRow:
    """A row read and checked: the deck date it belongs to, and its paper (number 0)."""

    line: int
    deck_date: dt.date
    dated: bool  # False when the row had no ``date`` and is filed under ``published_at``
    paper: Paper


def read_row(value: object, path: Path, line: int) -> ArchiveRow:
    """Check one decoded JSON value and turn it into an ArchiveRow, or raise ParseError."""
    if not isinstance(value, dict):
        raise ParseError(f"expected a JSON object (one paper), found {_json_type(value)}", path, line)
    fields = _RowFields(value, path, line)
    title = fields.text("title", required=True).strip()
    if not title:
        raise ParseError("field 'title' is empty", path, line)
    published = fields.date("published_at")
    digest_date = fields.date("date")
    deck_date = digest_date or published
    if deck_date is None:
        raise ParseError(
            "no 'date' and no 'published_at': cannot tell which digest it belongs to", path, line
        )
    paper = Paper(
        number=0,
        title=title,
        published=published,
        link=fields.text("url").strip(),
        points=markdown_points(fields.text("content", limit=LIMITS.max_content_chars)),
        flowchart_svg=fields.text("flow_chart", limit=LIMITS.max_flowchart_chars),
        questions=_questions(fields.mapping("questions"), path, line),
    )
    return ArchiveRow(line, deck_date, digest_date is not None, paper)


def markdown_points(content: str) -> dict[PointKind, str]:
    """The five points of ``1. **📘 Topic and Domain:** ...`` Markdown (numbers optional).

    A point is its first line (numbered or labelled, see :mod:`.points`) plus the non-blank lines
    right after it; text before point 1 (the old rows' preamble) and after a blank line that
    ends point 5 is not a point.
    """
    blocks: list[tuple[int, list[str]]] = []
    in_point = False
    for line in content.split("\n"):
        head = point_head(line)
        position = head.position if head else 0
        last = blocks[-1][0] if blocks else 0
        if last < position <= len(PointKind):
            blocks.append((position, [line.strip()]))
            in_point = True
        elif in_point and line.strip():
            blocks[-1][1].append(line.strip())
        else:
            in_point = False
    return collect_points((position, " ".join(parts)) for position, parts in blocks)


class _RowFields:
    """Typed access to a row's fields; a wrong type raises ParseError naming the field."""

    def __init__(self, row: dict[str, object], path: Path, line: int) -> None:
        self.row = row
        self.path = path
        self.line = line

    def _get(self, name: str, wanted: type, what: str, required: bool) -> object:
        value = self.row.get(name)
        if value is None:
            if required:
                raise ParseError(f"field '{name}' is missing; expected {what}", self.path, self.line)
            return None
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise ParseError(
                f"field '{name}' must be {what}, found {_json_type(value)}", self.path, self.line
            )
        return value

    def text(self, name: str, required: bool = False, limit: int | None = None) -> str:
        """The string field ``name`` ("" when absent); the same caps as the YAML format, so that
        what ``inspect`` prints of a row can be read back."""
        value = self._get(name, str, "a string", required)
        limit = LIMITS.max_field_chars if limit is None else limit
        if isinstance(value, str) and len(value) > limit:
            raise ParseError(
                f"field '{name}' has {len(value)} characters; at most {limit} are allowed",
                self.path,
                self.line,
            )
        return value if isinstance(value, str) else ""

    def mapping(self, name: str) -> dict[str, object]:
        value = self._get(name, dict, "an object", False)
        return value if isinstance(value, dict) else {}

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        if not value.strip():
            return None
        match = _DATE_PREFIX_RE.match(value)
        date = parse_iso_date(match["date"]) if match else None
        if date is None:
            raise ParseError(f"field '{name}' is {value[:40]!r}, not a date YYYY-MM-DD", self.path, self.line)
        return date


def _numbered(mapping: dict[str, object], stem: str) -> list[tuple[str, object]]:
    """The ``<stem>N`` entries of ``mapping`` in the order of N."""
    found = []
    for key, value in mapping.items():
        match = _NUMBERED_KEY_RE.match(key)
        if match and match["stem"] == stem:
            found.append((int(match["number"]), key, value))
    return [(key, value) for _, key, value in sorted(found)]


def _questions(questions: dict[str, object], path: Path, line: int) -> tuple[Question, ...]:
    """The row's questions, numbered 1.. in the order of their ``questionN`` keys."""
    result: list[Question] = []
    numbered = _numbered(questions, "question")
    if len(numbered) > LIMITS.max_questions:
        raise ParseError(f"{len(numbered)} questions; at most {LIMITS.max_questions} are allowed", path, line)
    for key, value in numbered:
        if not isinstance(value, dict):
            raise ParseError(f"questions.{key} must be an object, found {_json_type(value)}", path, line)
        result.append(_question(len(result) + 1, key, _RowFields(value, path, line)))
    return tuple(result)


def _question(number: int, key: str, fields: _RowFields) -> Question:
    text = fields.text("question", required=True)
    if not text.strip():
        raise ParseError(f"questions.{key}.question is empty", fields.path, fields.line)
    options = []
    for option_key, option in _numbered(fields.row, "option"):
        options.append(_option_text(option, f"questions.{key}.{option_key}", fields))
    if not 2 <= len(options) <= LIMITS.max_options:
        raise ParseError(
            f"questions.{key} has {len(options)} option(s); a question needs 2 to {LIMITS.max_options}",
            fields.path,
            fields.line,
        )
    answer = fields.row.get("answer")
    index = None if answer is None else _answer_index(answer, tuple(options))
    if answer is not None and index is None:
        raise ParseError(
            f"questions.{key}.answer {answer!r} is not one of its {len(options)} options "
            f"(expected 'option1'..'option{len(options)}')",
            fields.path,
            fields.line,
        )
    return Question(number, text, tuple(options), index)


def _option_text(option: object, where: str, fields: _RowFields) -> str:
    if not isinstance(option, str):
        problem = f"must be a string, found {_json_type(option)}"
    elif not option.strip():
        problem = "is empty"
    elif len(option) > LIMITS.max_field_chars:
        problem = f"has {len(option)} characters; at most {LIMITS.max_field_chars} are allowed"
    else:
        return option
    raise ParseError(f"{where} {problem}", fields.path, fields.line)


def _answer_index(answer: object, options: tuple[str, ...]) -> int | None:
    """``"option2"`` -> 1; a letter, number or option text as an answer key would give it."""
    if isinstance(answer, str):
        match = _NUMBERED_KEY_RE.match(answer.strip().lower())
        if match and match["stem"] == "option":
            return resolve_answer(int(match["number"]), options)
    return resolve_answer(answer, options)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
