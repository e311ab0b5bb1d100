"""Shared by the delivery tests: decks from the sample digest, a learner's collection, and what a
learner does to a note (their own text in Extra, a tag, a card moved, a review answered)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anki.collection import Collection

from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import FULL_SET
from tests.conftest import SAMPLES

DAY = 86_400
NOW = 1_700_000_000
#: a sentence of the sample's paper 1 "Results" point, and its correction
ORIGINAL = "beating heuristic eviction"
#: the notes the sample digest gives (2 paper, 5 cloze, 6 MCQ)
NOTES = 13
#: the notes the correction changes: the paper note and the cloze note of its Results sentence
CHANGED = 2
CORRECTED = "outdoing heuristic eviction"
LEARNER_TEXT = "my own mnemonic: <b>KV</b> = keys and values"


def sample_source(tmp_path: Path) -> Path:
    """A copy of the sample text digest (NOTES notes) and its answer key, to be corrected."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("2026-01-15.txt", "2026-01-15.answers.yaml"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder / "2026-01-15.txt"


def export_decks(source: Path, out: Path, now: float = NOW) -> list[Path]:
    report = export_inputs([source], ExportOptions(out_dir=out, now=now, deck=FULL_SET))
    assert not report.failures, report.failures
    return sorted(out.glob("*.apkg"))


def correct_source(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert ORIGINAL in text
    source.write_text(text.replace(ORIGINAL, CORRECTED), encoding="utf-8")


def new_collection(folder: Path) -> Path:
    """An empty collection of the real backend, as a new Anki profile has it (closed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "collection.anki2"
    Collection(str(path)).close()
    return path


@dataclass(frozen=True)
class Annotation:
    note_id: int
    moved_card: int
    reviewed_card: int
    review_state: tuple[int, int, int, int]
    reviews: int
    note_mods: dict[int, int]


def annotate(path: Path) -> Annotation:
    col = Collection(str(path))
    try:
        return annotate_in(col)
    finally:
        col.close()


def annotate_in(col: Any) -> Annotation:
    """Do to the corrected paper's note what a learner does; return what must survive."""
    (note_id,) = col.find_notes(f'"Results:*{ORIGINAL}*"')
    note = col.get_note(note_id)
    note["Extra"] = LEARNER_TEXT
    note.add_tag("my::favourite")
    col.update_note(note)
    cards = note.cards()
    col.set_deck([cards[0].id], col.decks.id("My own deck"))
    reviewed = cards[1]
    reviewed.start_timer()
    col.sched.answerCard(reviewed, 3)
    return Annotation(
        note_id, cards[0].id, reviewed.id, card_state(col, reviewed.id), review_count(col),
        note_mods(col),
    )  # fmt: skip


def card_state(col: Any, card_id: int) -> tuple[int, int, int, int]:
    card = col.get_card(card_id)
    return (card.type, card.queue, card.due, card.ivl)


def review_count(col: Any) -> int:
    return int(col.db.scalar("select count() from revlog"))


def note_mods(col: Any) -> dict[int, int]:
    return dict(col.db.all("select id, mod from notes"))


def assert_annotation_kept(path: Path, kept: Annotation) -> None:
    col = Collection(str(path))
    try:
        assert_kept_in(col, kept)
    finally:
        col.close()


def assert_kept_in(col: Any, kept: Annotation) -> None:
    """The correction arrived, and every one of the learner's changes is still there."""
    note = col.get_note(kept.note_id)
    assert CORRECTED in note["Results"] and ORIGINAL not in note["Results"]
    assert note["Extra"] == LEARNER_TEXT
    assert "my::favourite" in note.tags and "digest::2026-01-15" in note.tags
    assert col.decks.name(col.get_card(kept.moved_card).did) == "My own deck"
    assert card_state(col, kept.reviewed_card) == kept.review_state
    assert review_count(col) == kept.reviews
    mods = note_mods(col)
    assert len(mods) == NOTES  # no duplicates
    written = {nid for nid, mod in mods.items() if kept.note_mods.get(nid) != mod}
    assert len(written - {kept.note_id}) == CHANGED - 1, written  # only what the correction changed


BIT_WIDTH_QUESTION = "What average bit width does the method reach?"
#: the sentence of the sample's Results point that states that question's answer ("3.1 bits")
BIT_WIDTH_SENTENCE = "At an average of 3.1 bits the method matches 4-bit uniform accuracy"


def review_mcq(col: Any) -> tuple[int, tuple[int, int, int, int]]:
    """The learner's Extra and tag on the bit-width MCQ note, and a review of its card."""
    (note_id,) = col.find_notes(f'"Question:{BIT_WIDTH_QUESTION}"')
    note = col.get_note(note_id)
    note["Extra"] = LEARNER_TEXT
    note.add_tag("my::quiz")
    col.update_note(note)
    (card,) = note.cards()
    card.start_timer()
    col.sched.answerCard(card, 3)
    return note_id, card_state(col, card.id)
