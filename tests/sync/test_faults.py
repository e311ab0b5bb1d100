"""`export --sync` when the sync is cut: a server that stops answering, a run killed (SIGKILL)
in the middle of a sync, two runs at once. Nothing is lost and the next run completes it."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from flashdigest.deliver import account
from flashdigest.deliver.account import load_account
from tests.deliver_helpers import NOTES, sample_source
from tests.sync.helpers import (
    export_sync,
    flowchart_source,
    login_at,
    notes_of_phone,
    start_export,
    svgs_in_deck,
)
from tests.sync.server import (
    SyncServer,
    new_phone,
    phone_sync,
    stalling_proxy,
)

#: a hung server or client fails the test instead of holding CI
pytestmark = pytest.mark.timeout(300)


#: seconds a test waits for a run to reach the stalled request
REACH_SECONDS = 120.0


def test_a_server_that_stops_answering_exits_75(
    server: SyncServer, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with stalling_proxy(server, b"/sync/meta") as proxy:
        login_at(proxy.endpoint)
        monkeypatch.setattr(account, "IO_TIMEOUT_SECS", 2)
        code, _, err = export_sync(sample_source(tmp_path), tmp_path / "out")
    assert code == 75 and len(err.splitlines()) == 1, err
    assert proxy.stalled.is_set()


@pytest.mark.parametrize(
    ("stall_on", "when"),
    [(b"/sync/download", "the first download"), (b"/sync/sanityCheck2", "the sync after the delivery")],
)
def test_a_run_killed_during_a_sync_loses_nothing_and_the_next_completes(
    server: SyncServer, data_home: Path, tmp_path: Path, stall_on: bytes, when: str
) -> None:
    phone = new_phone(tmp_path / "first-phone")  # the account holds a collection already
    note = phone.new_note(phone.models.by_name("Basic"))
    note["Front"] = "the phone's own"
    phone.add_note(note, phone.decks.id("Default"))
    phone_sync(phone, server, upload=True)
    phone.close()
    source = flowchart_source(tmp_path)
    with stalling_proxy(server, stall_on) as proxy:
        login_at(proxy.endpoint)
        killed = start_export(source, tmp_path / "out", data_home)
        try:
            assert proxy.stalled.wait(REACH_SECONDS), f"the run did not reach {when}"
            # meanwhile a second run into another folder finds the collection taken: 75 at once
            second = export_sync(source, tmp_path / "other-out")
            assert second[0] == 75 and "another flashdigest run is syncing" in second[2], second
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.communicate(timeout=30)  # closes its stderr pipe too
        proxy.release()
        code, _, err = export_sync(source, tmp_path / "out")
    assert killed.returncode == -signal.SIGKILL
    assert code == 0, err
    own = load_account().own_collection()
    col: Any = Collection(str(own))
    try:
        assert col.db.scalar("pragma integrity_check") == "ok"
        added = col.note_count() - 1
    finally:
        col.close()
    assert added > 0
    assert not list(own.parent.parent.glob(".partial-*"))
    assert notes_of_phone(tmp_path, server) == (1 + added, svgs_in_deck(tmp_path / "out"))


def test_two_runs_into_one_folder_the_second_exits_75(
    server: SyncServer, data_home: Path, tmp_path: Path
) -> None:
    source = sample_source(tmp_path)
    with stalling_proxy(server, b"/sync/meta") as proxy:
        login_at(proxy.endpoint)
        first = start_export(source, tmp_path / "out", data_home)
        try:
            assert proxy.stalled.wait(REACH_SECONDS)
            code, _, err = export_sync(source, tmp_path / "out")
        finally:
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=30)
        proxy.release()
        assert code == 75 and "another flashdigest run" in err, err
        again = export_sync(source, tmp_path / "out")
        assert again[0] == 0, again
    assert notes_of_phone(tmp_path, server)[0] == NOTES
