"""Digest -> Anki notes: field text, GUIDs, tags, card order, and the notices of what was left out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SvgRejected
from ..frozen import frozen
from ..model import Digest, Paper, PointKind, Question
from ..options import DECK_ROOT, DeckOptions
from .anki_notes import guid_for
from .budget import BEST_QUESTION_RANK, HEADLINE_RANK, OTHER_RANK, POINT_CARD_KIND, POINT_RANK, budget_for
from .fields import field_text, math_delimiters, safe_link
from .figures import cloze_field, cloze_sentences
from .flowchart import flowchart_image
from .mcq import StatedAnswer, answer_field, choices_field, option_key, option_letter, stated_answer
from .notes import StableNote, stable_int
from .notetypes import cloze_model, mcq_model, paper_model
from .selection import CardChoice, Item, apply_budget
from .wording import paper_language, paper_short_name, point_label, text_flowchart_summary

__all__ = [
    "DECK_ROOT",
    "CardChoice",
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


@frozen
class MediaFile:
    """A file shipped in the package's media, named by its content hash."""

    name: str
    data: bytes


@frozen
class DeckBuild:
    """Everything the exporter needs to write one deck."""

    date: dt.date
    deck_name: str
    deck_id: int
    notes: tuple[StableNote, ...]
    media: tuple[MediaFile, ...]
    source: Path
    notices: tuple[str, ...]
    choice: CardChoice = field(default_factory=lambda: CardChoice(0, 0, 0, 0, 0))


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


@frozen
class _PaperContext:
    """What every note of one paper shares, its fields made once: the title, link, date and short
    name as the notes' fields hold them."""

    paper: Paper
    lang: str
    tags: tuple[str, ...]
    title: str
    link: str
    day: str
    short: str


def _paper_context(paper: Paper, date: dt.date, tags: tuple[str, ...]) -> _PaperContext:
    return _PaperContext(
        paper,
        paper_language(paper),
        tags,
        field_text(paper.title),
        safe_link(paper.link),
        date.isoformat(),
        field_text(paper_short_name(paper)),
    )


@dataclass
class _Collected:
    """A paper's notes, media and notices, as the builder collects them."""

    notes: list[StableNote]
    media: dict[str, MediaFile]
    notices: list[str]
    items: list[Item] = field(default_factory=list)
    position: int = 0

    def add(self, note: StableNote, slots: int) -> None:
        """Add ``note``, its cards due at the next ``slots`` places of the new-card queue."""
        note.due = self.position
        self.position += slots - len(note.suspended)
        self.notes.append(note)

    def place_waiting_cards(self) -> None:
        """The suspended cards' places: after every chosen card of the deck, in note order."""
        for note in self.notes:
            if note.suspended:
                note.late = self.position
                self.position += len(note.suspended)


def build_deck(digest: Digest, options: DeckOptions | None = None) -> DeckBuild:
    """The notes of ``digest``'s deck: per paper (in the digest's order) its paper note, its cloze
    notes, then an MCQ note per answered question; new cards come in that order. The daily budget
    (:mod:`.budget`) chooses the cards shown as new: the paper cards it leaves are suspended, the
    cloze and MCQ notes it leaves are left out. Unanswered questions and repeated papers are left
    out, with a notice."""
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
        context = _paper_context(paper, digest.date, tags)
        unanswered += sum(question.answer is None for question in paper.questions)
        _collect_paper(context, digest.source, collected, len(seen) - 1)
    if unanswered:
        collected.notices.append(_unanswered_notice(digest, unanswered))
    choice = apply_budget(collected.items, budget_for(options), collected.add)
    collected.place_waiting_cards()
    return DeckBuild(
        digest.date,
        deck_name_for(digest.date, options.deck_root),
        deck_id_for(digest.date, options.deck_root),
        tuple(collected.notes),
        tuple(collected.media.values()),
        digest.source,
        tuple(collected.notices),
        choice,
    )


def _collect_paper(context: _PaperContext, source: Path, collected: _Collected, place: int) -> None:
    """The items of one paper, each card with its worth rank (see :mod:`.budget`)."""
    paper = context.paper
    clozes = list(_cloze_notes(context)) if paper.points else []
    headline = next((note for kind, note in clozes if kind is PointKind.RESULTS), None)
    if paper.points:
        flowchart = _flowchart_field(context, source, collected)
        ranks = {kind: POINT_RANK[POINT_CARD_KIND[kind]] for kind in PointKind}
        if headline is None:
            ranks[PointKind.RESULTS] = HEADLINE_RANK
        cards = [
            (ordinal, POINT_CARD_KIND[kind], ranks[kind], POINT_CARD_KIND[kind])
            for ordinal, kind in enumerate(PointKind)
            if paper.points.get(kind, "").strip()
        ]
        collected.items.append(Item(_paper_note(context, flowchart), len(PointKind), place, cards, False))
    for kind, note in clozes:
        rank = HEADLINE_RANK if note is headline else OTHER_RANK
        label = f"{POINT_CARD_KIND[kind]} figure"
        collected.items.append(Item(note, len(note.cards), place, [(0, "figures", rank, label)], True))
    answered = [question for question in paper.questions if question.answer is not None]
    stated = [stated_answer(paper, question) for question in answered]  # (once: the best and the back)
    best = _best_question(answered, stated)
    for question, its_point in zip(answered, stated, strict=True):
        rank = BEST_QUESTION_RANK if question is best else OTHER_RANK
        label = f"Q{question.number}" + (" (give-away)" if question.gives_itself_away else "")
        item = Item(_mcq_note(context, question, its_point), 1, place, [(0, "quiz", rank, label)], True)
        item.giveaway = question.gives_itself_away
        collected.items.append(item)


def _best_question(answered: list[Question], stated: list[StatedAnswer | None]) -> Question | None:
    """The first fair question whose answer a summary point states (``stated``: each one's), else
    the first fair one."""
    fair = [
        (question, point)
        for question, point in zip(answered, stated, strict=True)
        if not question.gives_itself_away
    ]
    with_point = [question for question, point in fair if point is not None]
    return next(iter(with_point or [question for question, _point in fair]), None)


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
        context.title,
        context.link,
        paper.published.isoformat() if paper.published else "",
        context.day,
        *(field_text(paper.points.get(kind, "")) for kind in PointKind),
        flowchart,
        "",
        context.short,
        context.lang,
    ]
    return StableNote(
        model=paper_model(),
        fields=fields,
        tags=list(context.tags),
        guid=guid_for(paper.identity, "paper"),
    )


def _cloze_notes(context: _PaperContext) -> Iterator[tuple[PointKind, StableNote]]:
    """A cloze note per sentence of a point that holds figures (one card: see :mod:`.figures`)."""
    paper = context.paper
    for kind in PointKind:
        for sentence in cloze_sentences(paper.points.get(kind, ""), paper.title):
            fields = [
                cloze_field(sentence),
                context.title,
                context.short,
                context.link,
                context.day,
                point_label(kind, context.lang),
                context.lang,
                "",
            ]
            # a Chinese sentence's figures are not the English one's: its own GUID, so that
            # switching --lang never moves a card's reviews to another question
            role = f"cloze:{kind.field_name}:{sentence.index}" + (":zh" if context.lang == "zh" else "")
            guid = guid_for(paper.identity, role)
            yield kind, StableNote(model=cloze_model(), fields=fields, tags=list(context.tags), guid=guid)


def _flowchart_field(context: _PaperContext, source: Path, collected: _Collected) -> str:
    """The flowchart of the paper's cards: its SVG, sanitized, as a media image (added to
    ``media``); else, or when the SVG cannot be made safe (with a notice), its text, collapsed."""
    paper = context.paper
    if paper.flowchart_svg:
        try:
            image = flowchart_image(paper.flowchart_svg, paper.title, paper.flowchart_sanitized)
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


def _mcq_note(context: _PaperContext, question: Question, stated: StatedAnswer | None) -> StableNote:
    guid = guid_for(context.paper.identity, f"mcq{question.number}")
    seed = f"{stable_int('choices:' + guid):08x}"[-8:]
    fields = [
        field_text(question.text),
        choices_field(question, guid, seed),
        answer_field(question, stated, context.lang),
        context.title,
        context.link,
        context.day,
        "",
        context.short,
        context.lang,
    ]
    return StableNote(model=mcq_model(), fields=fields, tags=list(context.tags), guid=guid)
