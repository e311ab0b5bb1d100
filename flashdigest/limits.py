"""The size and depth limits that keep a hostile input from costing unbounded time or memory.

Every limit is checked before the work it bounds (a file's size before it is read, a markup's
nesting before it is parsed, a YAML stream's depth before it is composed), so an input over a
limit is refused quickly with one line naming the limit. Each can be changed with an environment
variable of the same name in capitals, prefixed ``FLASHDIGEST_`` (``FLASHDIGEST_MAX_INPUT_BYTES=
200000000 flashdigest export ...``); a value that is not a positive integer is ignored, with a
notice in the export report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ParseError
from .frozen import frozen

ENV_PREFIX = "FLASHDIGEST_"
MIB = 1024 * 1024


def _limit(default: int, what: str, unit: str) -> Any:
    """A field of :class:`Limits`: its default, and its row of the limits table in docs/reference.md."""
    return field(default=default, metadata={"what": what, "unit": unit})


@frozen
class Limits:
    """Every limit, meaning the same in every format that has what it bounds (docs/reference.md's table
    is :func:`limits_table`, and a test keeps it so)."""

    #: a digest file read whole (text, HTML, YAML) over this many bytes is refused unread
    max_input_bytes: int = _limit(64 * MIB, "input file (text, HTML, YAML; the archive is streamed)", "bytes")
    #: real pages are some 100 KB; checking and parsing a page's tags takes about a second per 3 MB
    max_page_bytes: int = _limit(16 * MIB, "HTML page", "bytes")
    max_text_lines: int = _limit(100_000, "text digest lines (some 20 a paper)", "")
    max_field_chars: int = _limit(
        20_000,
        "one field (title, point, question, option, flowchart text); an archive row's `content` holds five",
        "characters",
    )
    #: digests (dates, decks) in one YAML file or archive
    max_digests: int = _limit(10_000, "digests (dates) per file", "")
    max_papers: int = _limit(
        200, "papers per digest, in every format (an archive: rows per date, the rest are bad lines)", ""
    )
    max_questions: int = _limit(20, "questions per paper", "")
    max_options: int = _limit(10, "options per question (and at least 2)", "")
    max_flowchart_chars: int = _limit(
        1_000_000, "flowchart SVG of YAML (`flowchart_svg`) and the archive (`flow_chart`)", "characters"
    )
    #: estimated before parsing
    max_markup_depth: int = _limit(2_000, "tag nesting (pages, SVGs)", "")
    #: a digest needs 6; checked before composing
    max_yaml_depth: int = _limit(64, "YAML nesting", "")
    #: scalars and collections, keys too; 200 papers take some 70,000
    max_yaml_nodes: int = _limit(200_000, "YAML values per document", "")
    max_jsonl_line_bytes: int = _limit(4 * MIB, "archive line", "bytes")
    #: after so many bad lines beyond its good rows an archive is read no further
    max_jsonl_bad_lines: int = _limit(1_000, "archive bad lines beyond its good rows", "")

    @property
    def max_content_chars(self) -> int:
        """An archive row's ``content``: all five points."""
        return 5 * self.max_field_chars

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> tuple[Limits, tuple[str, ...]]:
        """The limits with ``FLASHDIGEST_MAX_...`` overrides, and a notice per ignored value."""
        environ = os.environ if environ is None else environ
        limits = cls()
        problems: list[str] = []
        for spec in fields(cls):
            name = env_name(spec.name)
            raw = environ.get(name)
            if raw is None:
                continue
            value = _positive_int(raw)
            if value is None:
                problems.append(f"{name}={raw!r} is not a positive integer; the default is used")
            else:
                limits = replace(limits, **{spec.name: value})
        return limits, tuple(problems)


def env_name(field_name: str) -> str:
    """``max_input_bytes`` -> ``FLASHDIGEST_MAX_INPUT_BYTES``."""
    return ENV_PREFIX + field_name.upper()


def _positive_int(raw: str) -> int | None:
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def limits_table() -> str:
    """The limits table of docs/reference.md (defaults and variables), one row per limit."""
    rows = ["| limit | default | variable |", "| --- | --- | --- |"]
    for spec in fields(Limits):
        value = spec.default
        assert isinstance(value, int)
        unit = spec.metadata["unit"]
        if unit == "bytes" and value % MIB == 0:
            shown = f"{value // MIB} MiB"
        else:
            shown = f"{value:,}" + (f" {unit}" if unit else "")
        rows.append(f"| {spec.metadata['what']} | {shown} | `{env_name(spec.name)}` |")
    return "\n".join(rows) + "\n"


#: the limits in force, read once from the environment when flashdigest is imported
LIMITS, LIMIT_PROBLEMS = Limits.from_environment()


def check_markup_depth(markup: str, path: Path) -> None:
    """ParseError when ``markup``'s tags nest over the limit (parsing it would take minutes)."""
    if markup_depth(markup, stop_above=LIMITS.max_markup_depth) > LIMITS.max_markup_depth:
        raise ParseError(
            f"tags nest over {LIMITS.max_markup_depth} deep ({env_name('max_markup_depth')}): "
            "not a digest page",
            path,
        )


def markup_depth(markup: str, stop_above: int | None = None) -> int:
    """An upper estimate of how deep ``markup``'s tags nest, in one linear scan, without parsing
    (stopped as soon as it is over ``stop_above``).

    Void tags, self-closed SVG shapes and tags whose end a parser implies (``p``, ``li``, ``td``...)
    are not counted (they nest only between counted tags: the true depth is at most a few times
    the estimate); an end tag closes only an open tag of its own name; a ``<`` inside a tag (before
    its first ``>``) starts no tag, so ``'<a' * 40000`` is one tag, as a browser reads it.
    """
    tags_at_most = markup.count("<")
    if stop_above is not None and tags_at_most <= stop_above:
        return tags_at_most  # fewer tags than the limit: no need to scan (real pages have ~1,400)
    open_counts: dict[str, int] = {}
    depth = deepest = 0
    tag_end = -1
    for match in _TAG_START_RE.finditer(markup):
        if match.start() < tag_end:
            continue
        tag_end = markup.find(">", match.end())
        tag_end = len(markup) if tag_end < 0 else tag_end
        name = match["name"].lower()
        if name in _NOT_NESTING:
            continue
        if match["end"]:
            if open_counts.get(name, 0) > 0:
                open_counts[name] -= 1
                depth -= 1
        elif not (name in _SELF_CLOSABLE and markup[tag_end - 1] == "/"):
            open_counts[name] = open_counts.get(name, 0) + 1
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
    return deepest


_TAG_START_RE = re.compile(r"<(?P<end>/?)(?P<name>[A-Za-z][^\s/<>]*)")
_NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",  # void
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",  # implied ends
})  # fmt: skip
#: SVG elements written ``<path .../>``: self-closed only in SVG, where a parser honours ``/>``
_SELF_CLOSABLE = frozenset({
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "use", "stop", "image",
    "text", "tspan", "g", "fegaussianblur", "feoffset", "feblend", "feflood", "fecomposite",
    "femergenode", "fecolormatrix",
})  # fmt: skip
