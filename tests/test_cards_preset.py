"""The deck-options preset a deck carries (flashdigest/cards/preset.py), applied by the real Anki
importer with "Import any deck presets", and the first day's queue it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flashdigest.cards import build_deck
from flashdigest.cards.preset import NEW_SORT_ORDER_GATHERED, PRESET_NAME, deck_preset
from flashdigest.parse import ParseOptions, read_digests
from tests.anki_helpers import MCQ, PAPER, family, import_with
from tests.test_cards_learner import written_deck


def first_day(collection: Any, deck_name: str) -> list[Any]:
    collection.decks.select(collection.decks.id_for_name(deck_name))
    queued = collection.sched.get_queued_cards(fetch_limit=500)
    return [collection.get_card(entry.card.id) for entry in queued.cards]


@pytest.mark.parametrize("scheduling", [False, True])
@pytest.mark.parametrize(("page", "lang"), [("2025-04-14", "en"), ("2026-04-10", "zh"), ("2026-08-21", "en")])
def test_the_first_day_has_no_siblings_and_no_quiz_before_its_papers_point_card(
    shared_digests: Path, tmp_path: Path, collection: Any, page: str, lang: str, scheduling: bool
) -> None:
    (digest,) = read_digests(shared_digests / "html" / f"{page}.html", ParseOptions(lang=lang))
    build = build_deck(digest)
    import_with(
        collection, written_deck(build, tmp_path, now=1_746_000_000), presets=True, scheduling=scheduling
    )
    config = collection.decks.config_dict_for_deck_id(collection.decks.id_for_name(build.deck_name))
    assert config["name"] == PRESET_NAME and config["newSortOrder"] == NEW_SORT_ORDER_GATHERED
    assert config["new"]["bury"] and config["rev"]["bury"] and config["new"]["perDay"] >= build.choice.shown
    cards = first_day(collection, build.deck_name)
    notes = [card.nid for card in cards]
    assert cards and len(notes) == len(set(notes))  # no two cards of one note
    seen_point: set[str] = set()
    for card in cards:
        paper = card.note().tags[0] if card.note().tags else ""
        kind = family(card.note_type()["name"])
        if kind == PAPER:
            seen_point.add(paper)
            # the card shown is one the budget chose (not Topic), suspension kept or not: the
            # cards left for later come after every chosen card
            assert card.ord != 0
        if kind == MCQ:
            assert paper in seen_point, "a quiz card before its paper's point card"


def test_the_learners_edits_of_the_preset_are_kept_on_reimport(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    build = build_deck(digest)
    deck = written_deck(build, tmp_path, now=1_746_000_000)
    import_with(collection, deck, presets=True, scheduling=False)
    deck_id = collection.decks.id_for_name(build.deck_name)
    ours = collection.decks.config_dict_for_deck_id(deck_id)
    ours["new"]["perDay"] = 7  # the learner edits the preset: newer than the package's
    collection.decks.update_config(ours)
    import_with(collection, deck, presets=True, scheduling=False)
    assert collection.decks.config_dict_for_deck_id(deck_id)["new"]["perDay"] == 7
    mine = collection.decks.add_config_returning_id("Mine")  # and gives the deck a preset of their own
    deck_dict = collection.decks.get(deck_id)
    deck_dict["conf"] = mine
    collection.decks.save(deck_dict)
    import_with(collection, deck, presets=False, scheduling=False)  # a re-import without presets
    assert collection.decks.config_dict_for_deck_id(deck_id)["name"] == "Mine"
    # (with "Import any deck presets" ticked, Anki's importer gives the deck the package's preset
    # again: docs/cards.md#what-a-deck-shows-as-new says to leave it unticked then)
    import_with(collection, deck, presets=True, scheduling=False)
    assert collection.decks.config_dict_for_deck_id(deck_id)["name"] == PRESET_NAME


def test_a_deck_with_more_new_cards_gets_room_for_them(shared_digests: Path) -> None:
    assert deck_preset(12)["new"]["perDay"] == 20 and deck_preset(28)["new"]["perDay"] == 28
    assert deck_preset(28)["id"] != deck_preset(12)["id"]  # another preset, so the default one stays


def test_a_bundle_keeps_each_decks_preset(shared_digests: Path, tmp_path: Path, collection: Any) -> None:
    from flashdigest.cards import DeckOptions
    from flashdigest.export.bundle import write_bundle

    (first,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    (second,) = read_digests(shared_digests / "html" / "2026-08-21.html")
    builds = [build_deck(first, DeckOptions(cards=("all",))), build_deck(second)]
    decks = [written_deck(build, tmp_path / str(n), now=1_746_000_000) for n, build in enumerate(builds)]
    import_with(collection, write_bundle(decks, tmp_path / "all.apkg"), presets=True, scheduling=False)
    per_day = {
        build.deck_name: collection.decks.config_dict_for_deck_id(
            collection.decks.id_for_name(build.deck_name)
        )
        for build in builds
    }
    assert [per_day[build.deck_name]["new"]["perDay"] for build in builds] == [28, 20]
    assert [per_day[build.deck_name]["name"] for build in builds] == [
        f"{PRESET_NAME} (28 new a day)",
        PRESET_NAME,
    ]
