"""Digest -> genanki notes: field text, GUIDs, tags, and the notices of what was left out."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import genanki

from ..model import Digest, Paper, PointKind, Question
from ..textutil import clean_text
from .flowchart import SvgRejected, flowchart_image
from .notetypes import mcq_model, paper_model

DECK_ROOT = "Paper Digests"


@dataclass(frozen=True)
class MediaFile:
    """A file shipped in the package's media, named by its content hash."""

    name: str
    data: bytes


class StableNote(genanki.Note):  # type: ignore[misc]
    """A genanki note whose note and card ids come from its GUID, not from the clock, and whose
    modification time is its own (``mod``, set by the exporter) rather than the package's."""

    mod: int | None = None

    def write_to_db(self, cursor: object, timestamp: float, deck_id: int, id_gen: object) -> None:
        stamp = timestamp if self.mod is None else self.mod
        super().write_to_db(cursor, stamp, deck_id, stable_ids(self.guid))


def stable_ids(guid: str) -> Iterator[int]:
    """Note id, then card ids, derived from ``guid``: the same on every machine and every run."""
    ordinal = 0
    while True:
        yield stable_int(f"{guid}/{ordinal}")
        ordinal += 1


def stable_int(text: str) -> int:
    """A positive id below 2**53 (exact in JavaScript, like Anki's own ids) from ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (1 << 40) + int.from_bytes(digest[:8], "big") % ((1 << 53) - (1 << 40))


@dataclass(frozen=True)
class DeckBuild:
    """Everything the exporter needs to write one deck."""

    date: dt.date
    deck_name: str
    deck_id: int
    notes: tuple[genanki.Note, ...]
    media: tuple[MediaFile, ...]
    source: Path
    notices: tuple[str, ...]


def deck_name_for(date: dt.date) -> str:
    return f"{DECK_ROOT}::{date.isoformat()}"


def deck_id_for(date: dt.date) -> int:
    return stable_int("deck:" + deck_name_for(date))


def build_deck(digest: Digest) -> DeckBuild:
    """The notes of ``digest``'s deck: a paper note per paper with points, an MCQ note per
    answered question. Unanswered questions and repeated papers are left out, with a notice."""
    notes: list[genanki.Note] = []
    notices = list(digest.notices)
    seen: set[str] = set()
    media: dict[str, MediaFile] = {}
    unanswered = 0
    for paper in digest.papers:
        if paper.identity in seen:
            notices.append(f"{digest.source}: paper {paper.number} repeats an earlier paper; kept once")
            continue
        seen.add(paper.identity)
        if paper.points:
            flowchart = _flowchart_field(paper, digest.source, media, notices)
            notes.append(_paper_note(paper, digest.date, flowchart))
        for question in paper.questions:
            if question.answer is None:
                unanswered += 1
            else:
                notes.append(_mcq_note(paper, question, digest.date))
    if unanswered:
        notices.append(_unanswered_notice(digest, unanswered))
    return DeckBuild(
        digest.date,
        deck_name_for(digest.date),
        deck_id_for(digest.date),
        tuple(notes),
        tuple(media.values()),
        digest.source,
        tuple(notices),
    )


def _unanswered_notice(digest: Digest, count: int) -> str:
    total = sum(len(paper.questions) for paper in digest.papers)
    why = "no answer known"
    if digest.format == "text":
        why += f" (text digests carry none; give them in {digest.source.stem}.answers.yaml)"
    return f"{digest.source}: {digest.date}: {count} of {total} questions left out: {why}"


def field_text(text: str) -> str:
    """Plain text as Anki field HTML: control characters removed, markup shown literally,
    ``$...$`` math turned into the ``\\(...\\)`` that Anki's MathJax renders."""
    text = clean_text(text).strip().replace("\r\n", "\n").replace("\r", "\n")  # a lone CR is a break too
    return math_delimiters(html.escape(text)).replace("\n", "<br>")


# Pandoc's rule for TeX math between dollars: the opening $ has a non-space on its right, the
# closing $ a non-space on its left and no digit after it, so "$20 and $30" stay prices; \$ is a dollar.
_DISPLAY_MATH_RE = re.compile(r"(?<![\\$])\$\$(?=[^\s$])((?:\\.|[^$\\\n])+?)(?<=[^\s\\])\$\$")
_INLINE_MATH_RE = re.compile(r"(?<![\\$])\$(?=[^\s$])((?:\\.|[^$\\\n])*?)(?<=[^\s\\])\$(?![\d$])")


def math_delimiters(text: str) -> str:
    """``$$x$$`` -> ``\\[x\\]`` and ``$x$`` -> ``\\(x\\)``; dollars that are not math stay as they are."""
    if "$" not in text:  # nearly every field: no regex work
        return text
    text = _DISPLAY_MATH_RE.sub(r"\\[\1\\]", text)
    return _INLINE_MATH_RE.sub(r"\\(\1\\)", text)


def safe_link(link: str) -> str:
    """The link if it is an http(s) URL, else nothing (no ``javascript:`` in a card)."""
    link = clean_text(link).strip()
    return html.escape(link) if link.lower().startswith(("http://", "https://")) else ""


def _tags(paper: Paper, date: dt.date) -> list[str]:
    tags = [f"digest::{date.isoformat()}"]
    if paper.arxiv_id:
        tags.append(f"arxiv::{paper.arxiv_id}")
    return tags


def _paper_note(paper: Paper, date: dt.date, flowchart: str) -> genanki.Note:
    fields = [
        field_text(paper.title),
        safe_link(paper.link),
        paper.published.isoformat() if paper.published else "",
        date.isoformat(),
        *(field_text(paper.points.get(kind, "")) for kind in PointKind),
        flowchart,
        "",
    ]
    return StableNote(
        model=paper_model(),
        fields=fields,
        tags=_tags(paper, date),
        guid=genanki.guid_for(paper.identity, "paper"),
    )


def _flowchart_field(paper: Paper, source: Path, media: dict[str, MediaFile], notices: list[str]) -> str:
    """The back of the paper's cards: its flowchart SVG, sanitized, as a media image (added to
    ``media``); else, or when the SVG cannot be made safe (with a notice), its flowchart text."""
    if paper.flowchart_svg:
        try:
            image = flowchart_image(paper.flowchart_svg, paper.title)
        except SvgRejected as rejected:
            notices.append(f"{source}: paper {paper.number}: flowchart image left out: {rejected.reason}")
        else:
            media.setdefault(image.name, MediaFile(image.name, image.data))
            return image.field
    if paper.flowchart_text:
        return f'<div class="fd-flowchart-text">{field_text(paper.flowchart_text)}</div>'
    return ""


def _mcq_note(paper: Paper, question: Question, date: dt.date) -> genanki.Note:
    guid = genanki.guid_for(paper.identity, f"mcq{question.number}")
    fields = [
        field_text(question.text),
        choices_field(question, guid),
        field_text(question.answer_text or ""),
        field_text(paper.title),
        safe_link(paper.link),
        date.isoformat(),
        "",
    ]
    return StableNote(
        model=mcq_model(),
        fields=fields,
        tags=_tags(paper, date),
        guid=guid,
    )


def choices_field(question: Question, guid: str) -> str:
    """The options as a list the MCQ template's script shuffles and checks. Which option is right
    shows only to someone who computes :func:`option_key`, not to a reader of the front's HTML."""
    seed = f"{stable_int('choices:' + guid):08x}"[-8:]
    items = "".join(
        f'<li class="fd-option" data-fd-key="{option_key(seed, index, index == question.answer)}">'
        f'<span class="fd-letter">{option_letter(index)}</span> '
        f'<span class="fd-option-text">{field_text(option)}</span></li>'
        for index, option in enumerate(question.options)
    )
    return f'<ol class="fd-options" data-fd-seed="{seed}">{items}</ol>'


def option_letter(index: int) -> str:
    """A, B, C ... for the option at 0-based ``index`` (numbers past Z)."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def option_key(seed: str, index: int, correct: bool) -> str:
    """FNV-1a (32 bits, hex) of ``seed:index:right`` or ``...:wrong``, as the MCQ script computes it."""
    value = 0x811C9DC5
    for byte in f"{seed}:{index}:{'right' if correct else 'wrong'}".encode("ascii"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"
