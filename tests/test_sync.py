"""`flashdigest login` and `export --sync` against the real Anki sync server, with a second
collection of the same account as the learner's phone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.sync import SyncOutput
from click.testing import CliRunner

from flashdigest.cli import main
from flashdigest.deliver.account import account_path, load_account
from tests.conftest import SAMPLES
from tests.deliver_helpers import NOTES, NOW, annotate_in, assert_kept_in, correct_source, sample_source
from tests.sync_server import FULL, PASSWORD, USER, SyncServer, new_phone, phone_sync, running_server

#: a hung server or client fails the test instead of holding CI
pytestmark = pytest.mark.timeout(300)
#: the sample page with flowcharts: its deck ships two SVGs
FLOWCHART_PAGE = "2026-05-06.html"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SyncServer]:
    with running_server(tmp_path / "server") as started:
        yield started


@pytest.fixture
def phone(tmp_path: Path, server: SyncServer) -> Iterator[Any]:
    """The learner's phone: its own note and a picture, uploaded as the account's collection."""
    col = new_phone(tmp_path / "phone")
    picture = col.media.write_data("phone-photo.jpg", b"\xff\xd8 a photo of the phone's own")
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = f"the phone's own question <img src='{picture}'>"
    note["Back"] = "its answer"
    col.add_note(note, col.decks.id("Phone deck"))
    phone_sync(col, server, upload=True)
    try:
        yield col
    finally:
        col.close()


def login(server: SyncServer, password: str = PASSWORD) -> tuple[int, str, str]:
    return run(
        "login", "--endpoint", server.endpoint, "--username", USER, "--password-stdin", stdin=password + "\n"
    )


def export_sync(source: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("export", str(source), "--out", str(out), "--sync", *extra)


def flowchart_source(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(SAMPLES / FLOWCHART_PAGE, folder / FLOWCHART_PAGE)
    return folder


def svgs_in(col: Any) -> set[str]:
    return {path.name for path in Path(col.media.dir()).glob("fd-*.svg")}


def test_login_keeps_the_key_in_a_private_file_and_never_the_password(
    server: SyncServer, data_home: Path, tmp_path: Path
) -> None:
    without_slash = server.endpoint.rstrip("/")
    args = ("login", "--endpoint", without_slash, "--username", USER, "--password-stdin")
    code, stdout, err = run(*args, stdin=PASSWORD + "\n")
    assert code == 0 and "logged in as" in stdout, err
    assert account_path().stat().st_mode & 0o777 == 0o600
    account = load_account()
    assert (account.username, account.endpoint) == (USER, server.endpoint) and account.hkey
    written = [
        path for path in tmp_path.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()
    ]
    assert written == []
    code, stdout, _ = run("logout")
    assert code == 0 and "logged out" in stdout and not account_path().exists()


def test_a_wrong_password_exits_77_in_one_line_and_writes_nothing(
    server: SyncServer, data_home: Path
) -> None:
    code, _, err = login(server, "not the password")
    assert code == 77
    assert len(err.splitlines()) == 1 and "refused" in err
    assert not account_path().exists()


def test_an_unreachable_server_exits_75(server: SyncServer, data_home: Path) -> None:
    server.stop()
    code, _, err = login(server)
    assert code == 75 and len(err.splitlines()) == 1, err


def test_export_sync_without_a_login_exits_77_naming_login(data_home: Path, tmp_path: Path) -> None:
    code, _, err = export_sync(sample_source(tmp_path), tmp_path / "out")
    assert code == 77 and "flashdigest login" in err and len(err.splitlines()) == 1


def test_the_phone_gets_notes_and_flowcharts_from_one_run_and_keeps_its_own(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    code, stdout, err = export_sync(flowchart_source(tmp_path), tmp_path / "out")
    assert code == 0, err
    added = int(stdout.split("notes added")[0].rsplit(": ", 1)[1])
    assert added > 0
    assert phone_sync(phone, server) not in FULL  # no full sync forced on the phone
    assert phone.note_count() == 1 + added
    assert len(svgs_in(phone)) == 2
    assert phone.find_notes('"Front:the phone\'s own question*"')
    assert (Path(phone.media.dir()) / "phone-photo.jpg").exists()
    # the first run's media sync fetched the account's media too (Anki's media sync checks that
    # both sides hold as many files; docs/sync.md has the figures)
    own = load_account().own_collection()
    assert (own.parent / "collection.media" / "phone-photo.jpg").exists()
    assert len(list((own.parent / "collection.media").glob("fd-*.svg"))) == 2


def test_the_phones_work_survives_a_correction(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))  # the decks' notes are older than any edit
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    phone_sync(phone, server)
    phone.remove_notes(phone.find_notes('"Front:the phone\'s own question*"'))  # only the digest's notes
    kept = annotate_in(phone)
    assert phone_sync(phone, server) not in FULL
    correct_source(source)
    code, stdout, err = export_sync(source, tmp_path / "out")
    assert code == 0, err
    assert "0 notes added, 2 updated" in stdout
    assert phone_sync(phone, server) not in FULL
    assert_kept_in(phone, kept)
    assert phone.note_count() == NOTES


def test_server_down_then_up_the_next_run_syncs_what_was_held_back(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    correct_source(source)
    server.stop()
    code, _, err = export_sync(source, tmp_path / "out")
    assert code == 75 and "cannot reach the sync server" in err and len(err.splitlines()) == 1
    server.start()
    code, _, err = export_sync(source, tmp_path / "out")  # no input changed since
    assert code == 0, err
    phone_sync(phone, server)
    (note_id,) = phone.find_notes('"Results:*outdoing heuristic eviction*"')
    assert note_id


def test_a_refused_sync_key_exits_77_naming_login(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    server.stop()
    changed = SyncServer(server.port, server.base, password="a new password")
    changed.start()
    try:
        code, _, err = export_sync(sample_source(tmp_path), tmp_path / "out")
    finally:
        changed.stop()
    assert code == 77 and "flashdigest login" in err and len(err.splitlines()) == 1, err


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


def test_sync_with_the_learners_own_collection(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    """--collection with --sync: Anki desktop's profile (synced with the account before) is the
    collection delivered into and synced; no own collection is made."""
    desktop = new_phone(tmp_path / "desktop")
    try:
        assert phone_sync(desktop, server) in FULL  # a new device's first sync downloads
    finally:
        desktop.close()
    assert login(server)[0] == 0
    path = tmp_path / "desktop" / "collection.anki2"
    code, stdout, err = export_sync(sample_source(tmp_path), tmp_path / "out", "--collection", str(path))
    assert code == 0, err
    assert "13 notes added" in stdout
    assert not list((data_home / "flashdigest").glob("collection-*"))
    assert phone_sync(phone, server) not in FULL
    assert phone.note_count() == 1 + NOTES


def test_starting_over_makes_a_new_own_collection_that_gets_every_deck(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    own = load_account().own_collection()
    shutil.rmtree(own.parent)
    code, stdout, err = export_sync(source, tmp_path / "out")  # no input changed
    assert code == 0, err
    assert "0 notes added, 0 updated, 13 unchanged" in stdout  # the account had them already
    assert own.exists()
    code, stdout, _ = export_sync(source, tmp_path / "out")
    assert code == 0 and "delivered 0 deck(s)" in stdout  # that collection had them already


def force_full_upload_from(phone: Any, server: SyncServer) -> None:
    """The learner adds a field to a note type on the phone (a schema change: only a full sync
    can carry it) and chooses "upload" there."""
    basic = phone.models.by_name("Basic")
    phone.models.add_field(basic, phone.models.new_field("Phone's own field"))
    phone.models.update_dict(basic)
    assert phone_sync(phone, server, upload=True) in FULL


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


def test_login_prompts_for_the_password_without_password_stdin(server: SyncServer, data_home: Path) -> None:
    code, stdout, err = run("login", "--endpoint", server.endpoint, "--username", USER, stdin=PASSWORD + "\n")
    assert code == 0, err
    assert PASSWORD not in stdout and load_account().username == USER
    assert run("logout")[0] == 0
    assert run("logout")[1] == "not logged in\n"


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
