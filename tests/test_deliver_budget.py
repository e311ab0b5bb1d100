"""The daily budget reaches the collection too: `--collection` keeps the cards the deck leaves for
later suspended, gives a new deck its preset, and never puts the preset over one a learner chose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anki.collection import Collection

from flashdigest.cards.preset import PRESET_NAME
from flashdigest.deliver import CollectionTarget, deliver_decks
from flashdigest.options import DeckOptions
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.deliver_helpers import NOW, new_collection, sample_source

DECK = "Paper Digests::2026-01-15"


def export_default(source: Path, out: Path, now: float = NOW) -> list[Path]:
    """The decks with the default options: the daily budget."""
    report = export_inputs([source], ExportOptions(out_dir=out, now=now))
    assert not report.failures
    return report.decks()


def cards_of(path: Path) -> tuple[int, int, str]:
    """(cards, suspended cards, the deck's preset name) in the collection at ``path``."""
    col: Any = Collection(str(path))
    try:
        deck = col.decks.by_name(DECK)
        suspended = len(col.find_cards(f'"deck:{DECK}" is:suspended'))
        return (
            len(col.find_cards(f'"deck:{DECK}"')),
            suspended,
            col.decks.config_dict_for_deck_id(deck["id"])["name"],
        )
    finally:
        col.close()


def test_a_new_deck_keeps_its_suspended_cards_and_gets_its_preset(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    decks = export_default(source, tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    deliver_decks(decks, CollectionTarget(path))
    cards, suspended, preset = cards_of(path)
    assert suspended > 0, "the cards the budget leaves for later arrive suspended"
    assert cards - suspended <= 20
    assert preset.startswith(PRESET_NAME)


def test_a_preset_the_learner_chose_is_kept(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    few = ExportOptions(out_dir=tmp_path / "few", now=NOW, deck=DeckOptions(cards=("problem",)))
    deliver_decks(export_inputs([source], few).decks(), CollectionTarget(path))
    col: Any = Collection(str(path))
    try:
        before = len(col.find_notes(""))
        deck = col.decks.by_name(DECK)
        deck["conf"] = 1  # the learner puts the deck on Anki's Default preset
        col.decks.save(deck)
    finally:
        col.close()
    report = deliver_decks(export_default(source, tmp_path / "out"), CollectionTarget(path))
    assert report.added > 0 and before > 0, "new notes came into the learner's existing deck"
    assert cards_of(path)[2] == "Default"
