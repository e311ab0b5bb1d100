"""The AnkiConnect route, against a local server that follows AnkiConnect's published protocol for
exactly the actions flashdigest uses and performs them with the real Anki backend
(tests/ankiconnect_server.py): the same rules as the collection route."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from flashdigest.deliver import AnkiConnectTarget, CollectionTarget, deliver_decks
from flashdigest.errors import AnkiConnectKeyRefused, CollectionBusy, DeliveryError
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import import_deck
from tests.ankiconnect_server import AnkiConnectServer
from tests.deliver_helpers import (
    CHANGED,
    DAY,
    NOTES,
    NOW,
    annotate_in,
    assert_kept_in,
    correct_source,
    export_decks,
    new_collection,
    sample_source,
)

pytestmark = pytest.mark.network


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[AnkiConnectServer]:
    """Anki desktop with AnkiConnect, holding a fresh profile's collection open."""
    server = AnkiConnectServer(new_collection(tmp_path / "profile"))
    try:
        yield server
    finally:
        server.close()


def test_deliver_annotate_correct_deliver_keeps_the_learners_work(
    tmp_path: Path, anki: AnkiConnectServer
) -> None:
    source = sample_source(tmp_path)
    decks = export_decks(source, tmp_path / "out")
    target = AnkiConnectTarget(anki.url)
    first = deliver_decks(decks, target)
    assert (first.added, first.updated, first.unchanged) == (NOTES, 0, 0)
    assert anki.col.models.get(1744601234511)["name"] == "FlashDigest Paper v2"  # the deck's note type id
    kept = annotate_in(anki.col)
    correct_source(source)
    decks = export_decks(source, tmp_path / "out", now=NOW + DAY)
    second = deliver_decks(decks, target)
    assert (second.added, second.updated, second.unchanged) == (0, CHANGED, NOTES - CHANGED)
    assert_kept_in(anki.col, kept)
    third = deliver_decks(decks, target)
    assert (third.added, third.updated, third.unchanged) == (0, 0, NOTES)
    assert not list(Path(anki.col.media.dir()).glob("_flashdigest-*"))  # exchange files deleted


def test_an_unchanged_run_writes_nothing(tmp_path: Path, anki: AnkiConnectServer) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    deliver_decks(decks, AnkiConnectTarget(anki.url))
    anki.calls.clear()
    report = deliver_decks(decks, AnkiConnectTarget(anki.url))
    assert (report.added, report.updated, report.unchanged) == (0, 0, NOTES)
    writes = {"importPackage", "updateNoteFields", "addTags", "removeTags", "storeMediaFile"}
    assert not writes & set(anki.calls)


def test_routes_mix_without_duplicates(tmp_path: Path, anki: AnkiConnectServer) -> None:
    source = sample_source(tmp_path)
    decks = export_decks(source, tmp_path / "out")
    assert import_deck(anki.col, decks[0]).new == NOTES  # the .apkg route first
    report = deliver_decks(decks, AnkiConnectTarget(anki.url))
    assert (report.added, report.updated, report.unchanged) == (0, 0, NOTES)
    correct_source(source)
    report = deliver_decks(export_decks(source, tmp_path / "out", now=NOW + DAY), AnkiConnectTarget(anki.url))
    assert (report.added, report.updated) == (0, CHANGED)
    assert anki.col.note_count() == NOTES


def test_a_collection_held_by_anki_is_busy_for_the_collection_route(
    tmp_path: Path, anki: AnkiConnectServer
) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    with pytest.raises(CollectionBusy):
        deliver_decks(decks, CollectionTarget(Path(anki.col.path)))


def test_no_ankiconnect_listening_is_busy(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(CollectionBusy) as error:
        deliver_decks(decks, AnkiConnectTarget(url))
    assert error.value.file is None and f"AnkiConnect at {url} does not answer" in str(error.value)


def test_an_ankiconnect_error_is_reported_and_the_api_key_is_sent(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    server = AnkiConnectServer(new_collection(tmp_path / "profile"), key="s3cret")
    try:
        with pytest.raises(AnkiConnectKeyRefused) as error:
            deliver_decks(decks, AnkiConnectTarget(server.url))
        assert "--anki-connect-key (config key anki-connect-key)" in error.value.reason
        assert server.col.note_count() == 0
        assert deliver_decks(decks, AnkiConnectTarget(server.url, key="s3cret")).added == NOTES
    finally:
        server.close()


def test_a_note_whose_cards_all_moved_to_the_learners_deck_is_still_found(
    tmp_path: Path, anki: AnkiConnectServer
) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    deliver_decks(decks, AnkiConnectTarget(anki.url))
    (mcq, *_) = anki.col.find_notes('"note:FlashDigest MCQ v2"')
    anki.col.set_deck(anki.col.card_ids_of_note(mcq), anki.col.decks.id("Exam prep"))
    report = deliver_decks(decks, AnkiConnectTarget(anki.url))
    assert (report.added, report.unchanged) == (0, NOTES)
    assert anki.col.note_count() == NOTES
    assert {anki.col.decks.name(card.did) for card in anki.col.get_note(mcq).cards()} == {"Exam prep"}


def test_the_real_digests_arrive_alike_by_both_routes(
    tmp_path: Path, shared_digests: Path, anki: AnkiConnectServer
) -> None:
    report = export_inputs([shared_digests], ExportOptions(out_dir=tmp_path / "out", now=NOW))
    assert not report.failures, report.failures
    decks = sorted((tmp_path / "out").glob("*.apkg"))
    path = new_collection(tmp_path / "direct")
    by_collection = deliver_decks(decks, CollectionTarget(path))
    by_ankiconnect = deliver_decks(decks, AnkiConnectTarget(anki.url))
    assert by_collection.added == by_ankiconnect.added > 0
    assert deliver_decks(decks, CollectionTarget(path)).unchanged == by_collection.added
    assert deliver_decks(decks, AnkiConnectTarget(anki.url)).unchanged == by_ankiconnect.added
    direct: Any = Collection(str(path))
    try:
        expected = {tuple(row) for row in direct.db.all("select guid, mid, flds, tags from notes")}
    finally:
        direct.close()
    assert {tuple(row) for row in anki.col.db.all("select guid, mid, flds, tags from notes")} == expected


def test_a_lost_note_map_costs_one_lookup_not_a_duplicate(tmp_path: Path, anki: AnkiConnectServer) -> None:
    source = sample_source(tmp_path)
    out = tmp_path / "out"
    deliver_decks(export_decks(source, out), AnkiConnectTarget(anki.url))
    (out / ".flashdigest-state" / "anki-connect-notes.json").write_text("{not json", encoding="utf-8")
    correct_source(source)
    anki.calls.clear()
    report = deliver_decks(export_decks(source, out, now=NOW + DAY), AnkiConnectTarget(anki.url))
    assert (report.added, report.updated, report.unchanged) == (0, CHANGED, NOTES - CHANGED)
    assert anki.col.note_count() == NOTES
    assert anki.calls.count("exportPackage") == 1  # the notes looked up again, once
    anki.calls.clear()
    deliver_decks(export_decks(source, out, now=NOW + DAY), AnkiConnectTarget(anki.url))
    assert "exportPackage" not in anki.calls  # and remembered


def test_an_anki_that_cannot_reach_the_temporary_folder_is_said_so(
    tmp_path: Path, anki: AnkiConnectServer
) -> None:
    def elsewhere(path: str) -> bool:  # the real add-on's answer when the file is not on its machine
        raise FileNotFoundError(f"Failed to open '{path}': No such file or directory (os error 2)")

    anki.actions["importPackage"] = elsewhere
    with pytest.raises(DeliveryError) as error:
        deliver_decks(export_decks(sample_source(tmp_path), tmp_path / "out"), AnkiConnectTarget(anki.url))
    assert "AnkiConnect must run on this machine" in error.value.reason
    assert anki.col.note_count() == 0
