"""Stage 1, the parser: a digest file -> typed :class:`~flashdigest.model.Digest` objects.

Public entry point: :func:`read_digests`. The format is detected from the content (the suffix
only breaks ties) unless the caller names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError
from ..model import Digest
from .answers import answer_key_path, apply_answer_key, is_answer_key
from .html import parse_html
from .source import read_source
from .text import parse_text

FORMATS = ("text", "html", "jsonl", "yaml")
SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".jsonl", ".yaml", ".yml")


@dataclass(frozen=True)
class ParseOptions:
    """What the user chose about reading inputs."""

    format: str | None = None  # one of FORMATS, or None to detect
    lang: str = "en"


def read_digests(path: Path, options: ParseOptions | None = None) -> Iterator[Digest]:
    """The digests in ``path`` (one for most formats; one per date for an archive)."""
    options = options or ParseOptions()
    if is_answer_key(path):
        raise ParseError("an answer key, not a digest", path)
    source = read_source(path)
    fmt = options.format or detect_format(source.text, path)
    if fmt == "text":
        digest = parse_text(source)
        key = answer_key_path(path)
        if key.exists():
            digest = apply_answer_key(digest, key)
        yield digest
        return
    if fmt == "html":
        yield parse_html(source, options.lang)
        return
    raise ParseError(f"{fmt} digests are not supported yet", path)


def detect_format(text: str, path: Path) -> str:
    """Which of FORMATS ``text`` is, judged by its first characters, then by the suffix."""
    head = text.lstrip()[:2048].lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<div", "<meta", "<!--")):
        return "html"
    if head.startswith("{"):
        return "jsonl"
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".jsonl":
        return "jsonl"
    return "text"


def is_candidate_input(path: Path) -> bool:
    """Whether a file found in an input directory is worth trying as a digest."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not is_answer_key(path) and not path.name.startswith(".")
