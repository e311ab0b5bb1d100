"""Stage 1, the parser: a digest file -> typed :class:`~flashdigest.model.Digest` objects.

Public entry point: :func:`read_digests`. The format is detected from the content (the suffix
only breaks ties) unless the caller names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, overload

from ..errors import ParseError
from ..limits import LIMITS, env_name
from ..model import Digest
from ..options import (
    FORMATS,
    SUPPORTED_SUFFIXES,
    ParseOptions,
    answer_key_path,
    is_answer_key,
    is_candidate_input,
)
from .common import HEADING_RE
from .source import decode_source, read_source

if TYPE_CHECKING:
    from .jsonl_memory import ArchiveMemory, KnownDate

# Each format's parser is imported when a file of that format is read, not before: a run over
# HTML pages never loads YAML or the JSONL reader (start-up is most of a daily run's time).

__all__ = [
    "FORMATS",
    "SUPPORTED_SUFFIXES",
    "ParseOptions",
    "detect_format",
    "is_candidate_input",
    "load_parsers",
    "read_digests",
]


@overload
def read_digests(path: Path, options: ParseOptions | None = None) -> Iterator[Digest]: ...
@overload
def read_digests(
    path: Path, options: ParseOptions | None, archive: Callable[[], ArchiveMemory | None]
) -> Iterator[Digest | KnownDate]: ...
def read_digests(
    path: Path, options: ParseOptions | None = None, archive: Callable[[], ArchiveMemory | None] | None = None
) -> Iterator[Digest | KnownDate]:
    """The digests in ``path`` (one for most formats; one per date for an archive). An archive is
    read with the memory ``archive()`` gives, when given: a date whose rows it knows unchanged
    comes as a KnownDate (see :mod:`.jsonl_memory`)."""
    options = options or ParseOptions()
    if is_answer_key(path):
        raise ParseError("an answer key, not a digest", path)
    fmt = options.format or detect_format(read_head(path), path)
    if fmt == "jsonl":  # streamed line by line, never read whole
        from .jsonl import parse_jsonl

        yield from parse_jsonl(path, archive() if archive is not None else None)
        return
    if fmt == "yaml":
        from .yaml_digest import parse_yaml

        yield from parse_yaml(read_source(path))
        return
    source = read_source(path, LIMITS.max_page_bytes if fmt == "html" else LIMITS.max_input_bytes)
    if fmt == "text":
        from .text import parse_text

        yield _with_answer_key(parse_text(source), path)
        return
    if fmt == "html":
        from .html import parse_html

        yield check_field_lengths(parse_html(source, options.lang))
        return
    raise ParseError(f"{fmt} digests are not supported yet", path)


#: the module of each format's parser
_PARSERS = {"html": "html", "text": "text", "yaml": "yaml_digest", "jsonl": "jsonl"}


def load_parsers(inputs: Iterable[tuple[str, Path]]) -> None:
    """Import the parsers that ``inputs`` (each a format and a path) will need now, an answer key's
    reader among them when a text has one: a run does before its worker processes fork, so that
    they share the modules' memory and none imports them again (a page's parser, some 15 ms, and
    PyYAML for the keys were imported by the run and by its worker each, after the fork)."""
    import importlib

    modules = set()
    for fmt, path in inputs:
        if fmt in _PARSERS:
            modules.add(_PARSERS[fmt])
        if fmt == "text" and "answers" not in modules and answer_key_path(path).exists():
            modules.add("answers")
    for module in sorted(modules):
        importlib.import_module(f".{module}", __name__)


def _with_answer_key(digest: Digest, path: Path) -> Digest:
    """``digest`` with the answers of the key beside ``path``, when there is one."""
    key = answer_key_path(path)
    if not key.exists():
        return digest
    from .answers import apply_answer_key  # YAML is loaded only for a key

    return apply_answer_key(digest, key)


def check_field_lengths(digest: Digest) -> Digest:
    """``digest``, or ParseError naming the first text over the field limit (a page's own caps)."""
    for paper in digest.papers:
        texts = {"title": paper.title, "flowchart text": paper.flowchart_text}
        texts |= {f"point {kind.field_name}": text for kind, text in paper.points.items()}
        for question in paper.questions:
            texts[f"Q{question.number}"] = question.text
            texts |= {f"Q{question.number} option {i}": o for i, o in enumerate(question.options, 1)}
        for what, text in texts.items():
            if len(text) > LIMITS.max_field_chars:
                raise ParseError(
                    f"paper {paper.number}: {what} is {len(text)} characters, over the "
                    f"{LIMITS.max_field_chars} a field takes ({env_name('max_field_chars')})",
                    digest.source,
                )
    return digest


#: how much of a file format detection looks at
HEAD_BYTES = 8192
_YAML_DIGEST_RE = re.compile(r"^(?:---|%YAML|date\s*:|papers\s*:)", re.MULTILINE)


def read_head(path: Path) -> str:
    """The decoded first HEAD_BYTES of ``path``, for format detection."""
    try:
        with path.open("rb") as handle:
            data = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}", path) from None
    return decode_source(data, path).text


def detect_format(text: str, path: Path) -> str:
    """Which of FORMATS ``text`` is, judged by its content (HTML markup, one JSON object per
    line, a ``YYYY-MM-DD Papers`` heading, a YAML ``date:``/``papers:`` mapping), then by the suffix."""
    head = text.lstrip()[:2048].lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<div", "<meta", "<!--")):
        return "html"
    if head.startswith("{"):
        return "jsonl"
    if any(HEADING_RE.match(line.strip()) for line in text[:HEAD_BYTES].splitlines()):
        return "text"
    if _YAML_DIGEST_RE.search(text[:HEAD_BYTES]):
        return "yaml"
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".jsonl":
        return "jsonl"
    return "text"
