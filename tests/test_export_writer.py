"""The deck writer without genanki: the same bytes genanki writes for the same notes.

flashdigest writes its collections from a copy of an empty one made once per process
(:mod:`flashdigest.export.anki_schema`) with its own note classes (:mod:`flashdigest.cards.anki_notes`);
the reference here is genanki itself, driven as the exporter drove it before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import genanki
import pytest

from flashdigest.cards import DeckBuild, all_models, build_deck
from flashdigest.cards.anki_notes import Model, guid_for
from flashdigest.cards.notes import stable_ids
from flashdigest.export import _add_preset, _collection_bytes, stamp_deck
from flashdigest.export.anki_schema import empty_collection
from flashdigest.parse import read_digests

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "digests"


def genanki_collection(build: DeckBuild, note_mods: dict[str, int], notetype_mods: dict[int, int]) -> bytes:
    """What genanki's Package.write_to_db makes of ``build`` (ids from the GUIDs, cards due in
    order, the budget's suspended cards, the note types' mods and the deck preset set afterwards),
    as flashdigest wrote it with genanki."""
    import json
    import sqlite3

    models = {model.model_id: _genanki_model(model) for model in all_models()}

    class Placed(genanki.Card):  # type: ignore[misc]
        def __init__(self, ordinal: int, due: int, suspend: bool = False) -> None:
            super().__init__(ordinal, suspend=suspend)
            self.due = due

        def write_to_db(
            self, cursor: Any, stamp: float, deck_id: int, nid: int, ids: Any, due: int = 0
        ) -> None:
            super().write_to_db(cursor, stamp, deck_id, nid, ids, self.due)

    class Stable(genanki.Note):  # type: ignore[misc]
        suspended: frozenset[int] = frozenset()
        late: int | None = None

        @property
        def cards(self) -> list[genanki.Card]:
            cards = sorted(super().cards, key=lambda card: card.ord)
            chosen = [card for card in cards if card.ord not in self.suspended]
            waiting = [card for card in cards if card.ord in self.suspended]
            late = self.due + len(chosen) if self.late is None else self.late
            return [Placed(card.ord, self.due + place) for place, card in enumerate(chosen)] + [
                Placed(card.ord, late + place, True) for place, card in enumerate(waiting)
            ]

        def write_to_db(self, cursor: Any, stamp: float, deck_id: int, ids: Any) -> None:
            super().write_to_db(cursor, note_mods[self.guid], deck_id, stable_ids(self.guid))

    deck = genanki.Deck(build.deck_id, build.deck_name)
    for note in build.notes:
        theirs = Stable(models[note.model.model_id], list(note.fields), tags=list(note.tags), guid=note.guid)
        theirs.due, theirs.suspended, theirs.late = note.due, note.suspended, note.late
        deck.add_note(theirs)
    connection = sqlite3.connect(":memory:")
    cursor = connection.cursor()
    genanki.Package(deck).write_to_db(
        cursor, max(notetype_mods.values(), default=0), id_gen=itertools.count()
    )
    (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
    written = json.loads(models_json)
    for key, model in written.items():
        model["mod"] = notetype_mods.get(int(key), model["mod"])
    cursor.execute("UPDATE col SET models = ?", (json.dumps(written, sort_keys=True),))
    dconf_json, decks_json = cursor.execute("SELECT dconf, decks FROM col").fetchone()
    # flashdigest's own deck options, not genanki's
    _add_preset(cursor, build, json.loads(decks_json), json.loads(dconf_json))
    connection.commit()
    return connection.serialize()


def _genanki_model(model: Model) -> genanki.Model:
    return genanki.Model(**model.genanki_args())


def builds() -> Iterator[DeckBuild]:
    """Every deck of the samples (HTML with flowcharts and figure clozes, text, YAML, JSONL)."""
    for path in sorted((ROOT / "samples").iterdir()):
        if not path.name.endswith(".answers.yaml"):
            for digest in read_digests(path):
                yield build_deck(digest)


def test_every_sample_deck_is_byte_identical_to_genankis() -> None:
    compared = 0
    for build in builds():
        stamps = stamp_deck(build, None, now=1_700_000_000 + compared)
        ours = _collection_bytes(build, stamps)
        assert ours == genanki_collection(build, stamps.note_mods, stamps.notetype_mods), build.date
        compared += 1
    assert compared >= 5


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared")
def test_the_real_pages_decks_are_byte_identical_to_genankis() -> None:
    for page in sorted((SHARED / "html").glob("*.html")):
        for digest in read_digests(page):
            build = build_deck(digest)
            stamps = stamp_deck(build, None, now=1_700_000_000)
            assert _collection_bytes(build, stamps) == genanki_collection(
                build, stamps.note_mods, stamps.notetype_mods
            ), page


def test_the_empty_collection_is_genankis_and_each_deck_gets_its_own_copy() -> None:
    import sqlite3

    reference = sqlite3.connect(":memory:")
    reference.executescript(genanki.package.APKG_SCHEMA)
    reference.executescript(genanki.package.APKG_COL)
    reference.commit()
    first, second = empty_collection(), empty_collection()
    assert first.serialize() == reference.serialize()
    first.execute("DELETE FROM col")
    first.commit()
    assert second.serialize() == reference.serialize()


def test_guids_and_note_types_are_genankis() -> None:
    for values in [("arxiv:2504.08685", "paper"), ("x", "mcq1"), ("", ""), ("数", 3)]:
        assert guid_for(*values) == genanki.guid_for(*values)
    for model in all_models():
        assert model.to_json(5, 7) == _genanki_model(model).to_json(5, 7)


def test_each_note_type_states_the_req_genanki_computes() -> None:
    """flashdigest's note types state which fields make each card (computing it renders every
    front a dozen times); what they state must be what rendering gives."""
    for model in all_models():
        assert model.given_req is not None, model.name
        assert model.req == model.computed_req(), model.name
