"""Digest -> genanki notes: field text, GUIDs, tags, card order, and the notices of what was left out."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import genanki

from ..model import Digest, Paper, PointKind, Question
from ..options import DECK_ROOT, DeckOptions
from .fields import field_text, math_delimiters, safe_link
from .figures import cloze_field, cloze_sentences
from .flowchart import SvgRejected, flowchart_image
from .mcq import choices_field, option_key, option_letter
from .notetypes import cloze_model, mcq_model, paper_model
from .wording import paper_language, point_label, short_name, text_flowchart_summary

__all__ = [
    "DECK_ROOT",
    "DeckBuild",
    "DeckOptions",
    "MediaFile",
    "StableNote",
    "build_deck",
    "choices_field",
    "deck_id_for",
    "deck_name_for",
    "field_text",
    "math_delimiters",
    "option_key",
    "option_letter",
    "safe_link",
]


@dataclass(frozen=True)
class MediaFile:
    """A file shipped in the package's media, named by its content hash."""

    name: str
    data: bytes


class _PlacedCard(genanki.Card):  # type: ignore[misc]
    """A card with its own place in the new-card queue (genanki gives a note's cards one)."""

    def __init__(self, ordinal: int, due: int) -> None:
        super().__init__(ordinal)
        self.due = due

    def write_to_db(
        self, cursor: Any, timestamp: float, deck_id: int, note_id: int, id_gen: Any, due: int = 0
    ) -> None:
        super().write_to_db(cursor, timestamp, deck_id, note_id, id_gen, self.due)


class StableNote(genanki.Note):  # type: ignore[misc]
    """A genanki note whose note and card ids come from its GUID, not from the clock, whose
    modification time is its own (``mod``, set by the exporter) rather than the package's, and
    whose cards are due at ``due + ord``, so that a digest's new cards come in order."""

    mod: int | None = None

    @property
    def cards(self) -> list[genanki.Card]:
        cards = sorted(super().cards, key=lambda card: card.ord)
        return [_PlacedCard(card.ord, self.due + card.ord) for card in cards]

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


def deck_name_for(date: dt.date, root: str = DECK_ROOT) -> str:
    """``ROOT::YYYY-MM-DD``; a root of only spaces and colons is the default one."""
    root = root.strip().strip(":").strip() or DECK_ROOT
    return f"{root}::{date.isoformat()}"


def deck_id_for(date: dt.date, root: str = DECK_ROOT) -> int:
    return stable_int("deck:" + deck_name_for(date, root))


_TAG_SPACE_RE = re.compile(r"\s+")


def clean_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """Tags as Anki keeps them: no spaces (runs become ``_``), no empty ones, each once."""
    cleaned = (_TAG_SPACE_RE.sub("_", tag.strip()) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))


@dataclass(frozen=True)
class _PaperContext:
    """What every note of one paper shares."""

    paper: Paper
    date: dt.date
    short: str
    lang: str
    tags: tuple[str, ...]


@dataclass
class _Collected:
    notes: list[genanki.Note]
    media: dict[str, MediaFile]
    notices: list[str]
    position: int = 0

    def add(self, note: StableNote, slots: int) -> None:
        """Add ``note``, its cards due at the next ``slots`` places of the new-card queue."""
        note.due = self.position
        self.position += slots
        self.notes.append(note)


def build_deck(digest: Digest, options: DeckOptions | None = None) -> DeckBuild:
    """The notes of ``digest``'s deck: per paper (in the digest's order) its paper note, its cloze
    notes, then an MCQ note per answered question; new cards come in that order. Unanswered
    questions and repeated papers are left out, with a notice."""
    options = options or DeckOptions()
    collected = _Collected([], {}, list(digest.notices))
    seen: set[str] = set()
    unanswered = 0
    for paper in digest.papers:
        if paper.identity in seen:
            collected.notices.append(
                f"{digest.source}: paper {paper.number} repeats an earlier paper; kept once"
            )
            continue
        seen.add(paper.identity)
        tags = clean_tags((*_own_tags(paper, digest.date), *options.extra_tags))
        context = _PaperContext(paper, digest.date, short_name(paper.title), paper_language(paper), tags)
        if paper.points:
            flowchart = _flowchart_field(context, digest.source, collected)
            collected.add(_paper_note(context, flowchart), len(PointKind))
            for note in _cloze_notes(context):
                collected.add(note, len(note.cards))
        for question in paper.questions:
            if question.answer is None:
                unanswered += 1
            else:
                collected.add(_mcq_note(context, question), 1)
    if unanswered:
        collected.notices.append(_unanswered_notice(digest, unanswered))
    return DeckBuild(
        digest.date,
        deck_name_for(digest.date, options.deck_root),
        deck_id_for(digest.date, options.deck_root),
        tuple(collected.notes),
        tuple(collected.media.values()),
        digest.source,
        tuple(collected.notices),
    )


def _unanswered_notice(digest: Digest, count: int) -> str:
    total = sum(len(paper.questions) for paper in digest.papers)
    why = "no answer known"
    if digest.format == "text":
        why += f" (text digests carry none; give them in {digest.source.stem}.answers.yaml)"
    return f"{digest.source}: {digest.date}: {count} of {total} questions left out: {why}"


def _own_tags(paper: Paper, date: dt.date) -> list[str]:
    tags = [f"digest::{date.isoformat()}"]
    if paper.arxiv_id:
        tags.append(f"arxiv::{paper.arxiv_id}")
    return tags


def _paper_note(context: _PaperContext, flowchart: str) -> StableNote:
    paper = context.paper
    fields = [
        field_text(paper.title),
        safe_link(paper.link),
        paper.published.isoformat() if paper.published else "",
        context.date.isoformat(),
        *(field_text(paper.points.get(kind, "")) for kind in PointKind),
        flowchart,
        "",
        field_text(context.short),
        context.lang,
    ]
    return StableNote(
        model=paper_model(),
        fields=fields,
        tags=list(context.tags),
        guid=genanki.guid_for(paper.identity, "paper"),
    )


def _cloze_notes(context: _PaperContext) -> Iterator[StableNote]:
    """A cloze note per sentence of a point that holds figures (one card per figure)."""
    paper = context.paper
    for kind in PointKind:
        for sentence in cloze_sentences(paper.points.get(kind, ""), paper.title):
            fields = [
                cloze_field(sentence),
                field_text(paper.title),
                field_text(context.short),
                safe_link(paper.link),
                context.date.isoformat(),
                point_label(kind, context.lang),
                context.lang,
                "",
            ]
            # a Chinese sentence's figures are not the English one's: its own GUID, so that
            # switching --lang never moves a card's reviews to another question
            role = f"cloze:{kind.field_name}:{sentence.index}" + (":zh" if context.lang == "zh" else "")
            guid = genanki.guid_for(paper.identity, role)
            yield StableNote(model=cloze_model(), fields=fields, tags=list(context.tags), guid=guid)


def _flowchart_field(context: _PaperContext, source: Path, collected: _Collected) -> str:
    """The flowchart of the paper's cards: its SVG, sanitized, as a media image (added to
    ``media``); else, or when the SVG cannot be made safe (with a notice), its text, collapsed."""
    paper = context.paper
    if paper.flowchart_svg:
        try:
            image = flowchart_image(paper.flowchart_svg, paper.title)
        except SvgRejected as rejected:
            collected.notices.append(
                f"{source}: paper {paper.number}: flowchart image left out: {rejected.reason}"
            )
        else:
            collected.media.setdefault(image.name, MediaFile(image.name, image.data))
            return image.field
    if paper.flowchart_text:
        summary = text_flowchart_summary(context.lang)
        return (
            f'<details class="fd-flowchart-details"><summary>{summary}</summary>'
            f'<div class="fd-flowchart-text">{field_text(paper.flowchart_text)}</div></details>'
        )
    return ""


def _mcq_note(context: _PaperContext, question: Question) -> StableNote:
    paper = context.paper
    guid = genanki.guid_for(paper.identity, f"mcq{question.number}")
    seed = f"{stable_int('choices:' + guid):08x}"[-8:]
    fields = [
        field_text(question.text),
        choices_field(question, guid, seed),
        field_text(question.answer_text or ""),
        field_text(paper.title),
        safe_link(paper.link),
        context.date.isoformat(),
        "",
        field_text(context.short),
        context.lang,
    ]
    return StableNote(model=mcq_model(), fields=fields, tags=list(context.tags), guid=guid)
