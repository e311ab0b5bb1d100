"""`export --sync` and full syncs: never a full upload; a full download only where nothing is lost."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.sync import SyncOutput

from flashdigest.deliver.account import load_account
from tests.conftest import SAMPLES
from tests.deliver_helpers import NOTES, NOW, correct_source, sample_source
from tests.sync.helpers import (
    FLOWCHART_PAGE,
    export_sync,
    force_full_upload_from,
    login,
    svgs_in,
)
from tests.sync.server import (
    FULL,
    SyncServer,
    new_phone,
    phone_sync,
)

#: a hung server or client fails the test instead of holding CI
pytestmark = pytest.mark.timeout(300)


def test_a_full_upload_is_never_made(server: SyncServer, data_home: Path, tmp_path: Path) -> None:
    """The learner's own collection with notes, and an empty account: only a full upload would
    join them, which --sync refuses (75), changing neither side."""
    assert login(server)[0] == 0
    path = tmp_path / "profile" / "collection.anki2"
    path.parent.mkdir()
    col: Any = Collection(str(path))
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = "the learner's own"
    col.add_note(note, 1)
    col.close()
    code, _, err = export_sync(sample_source(tmp_path), tmp_path / "out", "--collection", str(path))
    assert code == 75 and "full upload" in err and len(err.splitlines()) == 1, err
    col = Collection(str(path))
    try:
        assert col.note_count() == 1
    finally:
        col.close()
    empty = new_phone(tmp_path / "phone2")
    try:
        assert phone_sync(empty, server) == SyncOutput.NO_CHANGES and empty.note_count() == 0
    finally:
        empty.close()


def test_after_the_phone_uploaded_the_own_collection_downloads_again(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    phone_sync(phone, server)
    force_full_upload_from(phone, server)
    correct_source(source)
    code, stdout, err = export_sync(source, tmp_path / "out")
    assert code == 0, err  # the own collection had nothing the server lacked: downloaded again
    assert "2 updated" in stdout
    assert phone_sync(phone, server) not in FULL
    assert phone.find_notes('"Results:*outdoing heuristic eviction*"')


def test_a_full_sync_that_would_lose_local_changes_is_refused(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    own = load_account().own_collection()
    col: Any = Collection(str(own))
    try:  # a change the server has not had
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"] = "only in the own collection"
        col.add_note(note, 1)
    finally:
        col.close()
    force_full_upload_from(phone, server)
    correct_source(source)
    code, _, err = export_sync(source, tmp_path / "out")
    assert code == 75 and "not syncing" in err and f"remove {own.parent}" in err, err
    assert len(err.splitlines()) == 1
    col = Collection(str(own))
    try:
        assert col.find_notes('"Front:only in the own collection"')
        assert not col.find_notes('"Results:*outdoing heuristic eviction*"')  # not delivered either
    finally:
        col.close()


def test_a_full_sync_of_the_learners_collection_is_left_to_anki(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    """A collection given with --collection that only a full sync joins with the account (here:
    one synced with it before the phone's full upload) is never replaced: 75, nothing changed."""
    desktop = new_phone(tmp_path / "desktop")
    try:
        phone_sync(desktop, server)
    finally:
        desktop.close()
    force_full_upload_from(phone, server)
    assert login(server)[0] == 0
    path = tmp_path / "desktop" / "collection.anki2"
    before = path.read_bytes()
    code, _, err = export_sync(sample_source(tmp_path), tmp_path / "out", "--collection", str(path))
    assert code == 75 and "open the collection in Anki desktop" in err and len(err.splitlines()) == 1, err
    assert path.read_bytes() == before


def test_notes_a_phones_full_upload_wiped_from_the_account_are_delivered_again(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source.parent, tmp_path / "out")[0] == 0
    force_full_upload_from(phone, server)  # the phone never synced the notes: the account loses them
    shutil.copy(SAMPLES / FLOWCHART_PAGE, source.parent / FLOWCHART_PAGE)  # the next day's digest
    code, stdout, err = export_sync(source.parent, tmp_path / "out")
    assert code == 0, err  # the own collection downloaded the account again, then got the new deck
    code, stdout, err = export_sync(source.parent, tmp_path / "out")  # nothing changed
    assert code == 0, err
    assert f"{NOTES} notes added" in stdout  # what the account lost comes back
    phone_sync(phone, server)
    assert phone.find_notes('"Results:*beating heuristic eviction*"')
    assert len(svgs_in(phone)) == 2
