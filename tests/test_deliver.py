"""The collection route: decks into the learner's own collection.anki2 with the real Anki backend,
keeping everything the learner did to their notes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.errors import DBError

from flashdigest.cards import MCQ_FIELDS
from flashdigest.deliver import CollectionTarget, deliver_decks
from flashdigest.errors import CollectionBusy, CollectionUnavailable, DeliveryError
from tests.anki_helpers import import_deck
from tests.deliver_helpers import (
    CHANGED,
    CORRECTED,
    DAY,
    NOTES,
    NOW,
    ORIGINAL,
    annotate,
    assert_annotation_kept,
    correct_source,
    export_decks,
    new_collection,
    note_mods,
    sample_source,
)

PAPER_MODEL_ID = 1744601234511
MCQ_MODEL_ID = 1744601234512


def open_collection(path: Path) -> Any:
    return Collection(str(path))


HOLD_OPEN = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
print("open", flush=True)
sys.stdin.read()
col.close()
"""


def test_deliver_annotate_correct_deliver_keeps_the_learners_work(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    decks = export_decks(source, tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    target = CollectionTarget(path)
    first = deliver_decks(decks, target)
    assert (first.added, first.updated, first.unchanged) == (NOTES, 0, 0)
    assert first.backup is not None and len(list(first.backup.parent.glob("*.colpkg"))) == 1
    kept = annotate(path)  # the learner's edit makes the note newer than any later export of it
    correct_source(source)
    decks = export_decks(source, tmp_path / "out", now=NOW + DAY)
    second = deliver_decks(decks, target)
    assert (second.added, second.updated, second.unchanged) == (0, CHANGED, NOTES - CHANGED)
    assert_annotation_kept(path, kept)
    third = deliver_decks(decks, target)
    assert (third.added, third.updated, third.unchanged) == (0, 0, NOTES)


def test_new_notes_get_the_packages_guids_note_types_and_decks(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    deliver_decks(decks, CollectionTarget(path))
    col = open_collection(path)
    try:
        assert col.models.get(PAPER_MODEL_ID)["name"] == "FlashDigest Paper v2"
        assert [f["name"] for f in col.models.get(MCQ_MODEL_ID)["flds"]] == list(MCQ_FIELDS)
        card_decks = {col.decks.name(did) for did in col.db.list("select distinct did from cards")}
        assert card_decks == {"Paper Digests::2026-01-15"}
        guids = set(col.db.list("select guid from notes"))
    finally:
        col.close()
    other = new_collection(tmp_path / "apkg-route")
    col = open_collection(other)
    try:
        import_deck(col, decks[0])
        assert set(col.db.list("select guid from notes")) == guids
    finally:
        col.close()


def test_a_deck_imported_by_hand_then_delivered_gives_no_duplicates(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    decks = export_decks(source, tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    col = open_collection(path)
    try:
        assert import_deck(col, decks[0]).new == NOTES
    finally:
        col.close()
    report = deliver_decks(decks, CollectionTarget(path))
    assert (report.added, report.updated, report.unchanged) == (0, 0, NOTES)
    correct_source(source)
    report = deliver_decks(export_decks(source, tmp_path / "out", now=NOW + DAY), CollectionTarget(path))
    assert (report.added, report.updated) == (0, CHANGED)
    col = open_collection(path)
    try:
        assert col.note_count() == NOTES
    finally:
        col.close()


def test_a_stale_tag_is_removed_only_in_flashdigests_namespaces(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    deliver_decks(decks, CollectionTarget(path))
    col = open_collection(path)
    try:
        note = col.get_note(col.find_notes("")[0])
        note.tags = [*note.tags, "digest::2025-01-01", "arxiv::1234.5678", "digest-notes", "exam"]
        col.update_note(note)
    finally:
        col.close()
    report = deliver_decks(decks, CollectionTarget(path))
    assert (report.updated, report.unchanged) == (1, NOTES - 1)
    col = open_collection(path)
    try:
        tags = set(col.get_note(note.id).tags)
    finally:
        col.close()
    assert "digest::2026-01-15" in tags and {"digest-notes", "exam"} <= tags
    assert not {"digest::2025-01-01", "arxiv::1234.5678"} & tags


def test_a_collection_open_elsewhere_is_busy_and_delivery_works_once_closed(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(CollectionBusy) as busy:
            deliver_decks(decks, CollectionTarget(path))
        assert busy.value.file == path and "open in another program" in str(busy.value)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
        assert holder.stdout is not None
        holder.stdout.close()
    assert not (tmp_path / "profile" / "backups").exists()
    report = deliver_decks(decks, CollectionTarget(path))
    assert report.added == NOTES


def test_a_missing_or_foreign_collection_is_unavailable_and_nothing_is_created(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    missing = tmp_path / "no-profile" / "collection.anki2"
    with pytest.raises(CollectionUnavailable) as error:
        deliver_decks(decks, CollectionTarget(missing))
    assert error.value.file == missing and "nothing was created" in str(error.value)
    assert not missing.parent.exists()
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a collection\n")
    with pytest.raises(CollectionUnavailable):
        deliver_decks(decks, CollectionTarget(foreign))
    assert foreign.read_text() == "not a collection\n"


def test_a_run_is_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    col = open_collection(path)
    try:  # one note of the deck is already there (so the run both adds and updates)
        import_deck(col, export_decks(source, tmp_path / "old")[0])
        keep = col.find_notes(f'"Results:*{ORIGINAL}*"')
        col.remove_notes([nid for nid in col.find_notes("") if nid not in keep])
        before = note_mods(col)
    finally:
        col.close()
    correct_source(source)
    decks = export_decks(source, tmp_path / "out", now=NOW + DAY)

    def refuse(self: object, notes: object, skip_undo_entry: bool = False) -> None:
        raise DBError("disk full", None, None, None)

    monkeypatch.setattr(Collection, "update_notes", refuse)
    with pytest.raises(DeliveryError) as error:
        deliver_decks(decks, CollectionTarget(path))
    monkeypatch.undo()
    assert error.value.file == path and "nothing was changed: disk full" in error.value.reason
    col = open_collection(path)
    try:
        assert note_mods(col) == before  # the notes imported before the failure were rolled back
    finally:
        col.close()


def test_a_file_that_is_not_a_deck_is_reported_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "broken.apkg"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DeliveryError) as error:
        deliver_decks([bad], CollectionTarget(new_collection(tmp_path / "profile")))
    assert error.value.file == bad


def test_a_learners_edit_makes_the_apkg_route_skip_a_correction_but_not_delivery(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    decks = export_decks(source, tmp_path / "out")
    by_import = new_collection(tmp_path / "imported")
    by_delivery = new_collection(tmp_path / "delivered")
    col = open_collection(by_import)
    try:
        import_deck(col, decks[0])
    finally:
        col.close()
    deliver_decks(decks, CollectionTarget(by_delivery))
    correct_source(source)
    corrected = export_decks(source, tmp_path / "out", now=NOW + DAY)
    annotate(by_import)  # edited after the corrected export was written, before it is imported
    annotate(by_delivery)
    col = open_collection(by_import)
    try:
        counts = import_deck(col, corrected[0])
        # the edited paper note is newer in the collection: skipped (its figures' cloze note is not)
        assert (counts.new, counts.updated) == (0, CHANGED - 1)
        assert not col.find_notes(f'"Results:*{CORRECTED}*"')
    finally:
        col.close()
    assert deliver_decks(corrected, CollectionTarget(by_delivery)).updated == CHANGED
    col = open_collection(by_delivery)
    try:
        assert len(col.find_notes(f'"Results:*{CORRECTED}*"')) == 1
    finally:
        col.close()
