"""The collection route never puts the collection at risk: a collection another program has open
(even one whose lock Anki's backup dropped) is refused, the lock is held through the whole
delivery, and only a real, undamaged collection of the backend's schema is ever opened for writing.
Real backend, real second processes, real files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from flashdigest.deliver import CollectionTarget, backup, collection, deliver_decks, guard
from flashdigest.errors import CollectionBusy, CollectionUnavailable
from tests.deliver_helpers import NOTES, export_decks, new_collection, sample_source
from tests.test_cli_deliver import notes_in, run
from tests.test_failures import run_without_root_powers, tmpfs

#: Anki desktop's way of holding its collection: opened by the backend, then backed up (which
#: reads the file and so drops the process's POSIX locks), then left open
HOLD_AFTER_BACKUP = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
col.create_backup(backup_folder=sys.argv[2], force=True, wait_for_completion=True)
print("open", flush=True)
sys.stdin.read()
col.close()
"""

#: a second program opening the collection and adding a note: "refused ..." or "wrote"
SECOND_OPENER = """
import sys
from anki.collection import Collection
try:
    col = Collection(sys.argv[1])
except Exception as error:
    print("refused", error)
    sys.exit(0)
note = col.new_note(col.models.by_name("Basic"))
note["Front"] = "second opener"
col.add_note(note, col.decks.id("Default"))
col.close()
print("wrote")
"""


def export_into(tmp_path: Path, source: Path, path: Path, *more: str) -> tuple[int, str, str]:
    """``flashdigest export SOURCE --out TMP/out --collection PATH MORE...`` through the CLI."""
    out = str(tmp_path / "out")
    return run("export", str(source), "--out", out, "--collection", str(path), "--cards", "all", *more)


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    connection.create_collation("unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))
    try:
        return str(connection.execute("pragma integrity_check").fetchone()[0])
    finally:
        connection.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def held_after_backup(path: Path, backups: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AFTER_BACKUP, str(path), str(backups)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        yield holder
    finally:
        holder.communicate(timeout=60)  # closes its stdin (it ends) and its stdout
        assert holder.returncode == 0


def test_a_collection_open_after_its_backup_is_refused_and_its_wal_kept(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    backups = tmp_path / "holder-backups"
    backups.mkdir()
    with held_after_backup(path, backups):
        wal = Path(f"{path}-wal")
        assert wal.exists()  # the holder's write-ahead log
        code, _stdout, err = export_into(tmp_path, source, path, "-q")
        assert code == 75, err
        assert "open in another program" in err and len(err.splitlines()) == 1
        assert wal.exists()  # never deleted under the holder
    assert notes_in(path) == 0  # nothing written
    assert not (tmp_path / "profile" / "backups").exists()
    code, stdout, err = export_into(tmp_path, source, path)
    assert code == 0, err
    assert f"{NOTES} notes added" in stdout  # not marked delivered: the next run delivers
    assert integrity(path) == "ok"


def second_opener(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SECOND_OPENER, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def at(monkeypatch: pytest.MonkeyPatch, name: str, hook: Callable[[], None], after: bool = False) -> None:
    """Call ``hook`` before (or after) ``collection.<name>`` (or ``backup.<name>``) each time it runs."""
    module = collection if hasattr(collection, name) else backup
    original = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not after:
            hook()
        result = original(*args, **kwargs)
        if after:
            hook()
        return result

    monkeypatch.setattr(module, name, wrapped)


@pytest.mark.parametrize(
    ("moment", "after"),
    [("make_plan", False), ("backup_of_copy", True), ("_apply", False), ("_apply", True)],
    ids=["after-open", "after-backup", "before-writing", "before-commit"],
)
def test_a_second_opener_at_any_moment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str, after: bool
) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    seen: list[str] = []
    at(monkeypatch, moment, lambda: seen.append(second_opener(path)), after)
    report = deliver_decks(decks, CollectionTarget(path))
    assert report.added == NOTES
    assert len(seen) == 1 and seen[0].startswith("refused"), seen
    assert integrity(path) == "ok"
    assert notes_in(path) == NOTES


def test_two_deliveries_at_once_the_second_exits_75(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    codes: list[tuple[int, str]] = []

    def second_delivery() -> None:
        command = [sys.executable, "-m", "flashdigest", "export", str(source), "--collection", str(path)]
        done = subprocess.run(
            [*command, "--out", str(tmp_path / "out2"), "-q"], capture_output=True, text=True
        )
        codes.append((done.returncode, done.stderr))

    at(monkeypatch, "_apply", second_delivery)
    code, _stdout, err = export_into(tmp_path, source, path, "-q")
    assert code == 0, err
    assert [c for c, _err in codes] == [75], codes
    assert "open in another program" in codes[0][1]
    assert integrity(path) == "ok" and notes_in(path) == NOTES


def test_the_lock_check_sees_a_lock_that_is_gone(tmp_path: Path) -> None:
    """The check itself can fail: after the backend's own backup the lock is gone, and it says so."""
    path = new_collection(tmp_path / "profile")
    with guard.FileHold(path) as hold:
        col = Collection(str(path))
        try:
            hold.verify_locked()
            col.create_backup(backup_folder=str(tmp_path), force=True, wait_for_completion=True)
            if not hasattr(__import__("fcntl"), "F_OFD_GETLK"):
                pytest.skip("the lock is checked on Linux only")
            with pytest.raises(CollectionBusy):
                hold.verify_locked()
        finally:
            col.close()


def test_a_symlinked_collection_puts_media_and_backup_into_the_real_profile(tmp_path: Path) -> None:
    source = tmp_path / "html"
    source.mkdir()
    shared = Path(__file__).resolve().parents[2] / "shared" / "digests" / "html" / "2025-04-14.html"
    if not shared.is_file():
        if os.environ.get("FLASHDIGEST_REQUIRE_SHARED") == "1":
            pytest.fail(f"{shared} is missing")
        pytest.skip("../shared is absent")
    (source / shared.name).write_bytes(shared.read_bytes())
    real = new_collection(tmp_path / "profile")
    link_folder = tmp_path / "elsewhere"
    link_folder.mkdir()
    link = link_folder / "collection.anki2"
    link.symlink_to(real)
    code, _stdout, err = export_into(tmp_path, source, link, "-q")
    assert code == 0, err
    assert sorted(p.name for p in link_folder.iterdir()) == ["collection.anki2"]  # nothing beside the link
    assert len(list((real.parent / "backups").glob("*.colpkg"))) == 1
    col = Collection(str(real))
    try:
        missing = col.media.check().missing
        assert not missing, missing
        assert len(os.listdir(col.media.dir())) > 0
    finally:
        col.close()


def test_an_sqlite_file_that_is_not_a_collection_is_never_opened_for_writing(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    prefs = tmp_path / "prefs21.db"
    connection = sqlite3.connect(prefs)
    connection.execute("create table profiles (name text primary key, data blob not null)")
    connection.commit()
    connection.close()
    before = sha(prefs)
    code, _stdout, err = export_into(tmp_path, source, prefs)
    assert code == 73, err
    assert err.splitlines() == [
        f"flashdigest: error: {prefs}: not an Anki collection (an SQLite file without Anki's tables)"
    ]
    assert sha(prefs) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out", "prefs21.db"]


def test_a_damaged_collection_exits_65_naming_check_database(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), page):  # every page but the first: b-tree headers gone
        data[start : start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    before = sha(path)
    code, _stdout, err = export_into(tmp_path, source, path)
    assert code == 65, err
    assert len(err.splitlines()) == 1 and "Check Database" in err and "nothing was changed" in err
    assert sha(path) == before


def set_schema(path: Path, version: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("update col set ver = ?", (version,))
    connection.commit()
    connection.close()


def test_a_newer_ankis_collection_exits_73_in_words(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    set_schema(path, 19)
    before = sha(path)
    code, _stdout, err = export_into(tmp_path, source, path)
    assert code == 73, err
    assert "made by a newer Anki" in err and "DbError" not in err and len(err.splitlines()) == 1
    assert sha(path) == before


def test_an_older_ankis_collection_is_upgraded_only_when_asked(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    col = Collection(str(path))
    col.close(downgrade=True)  # schema 11, as Anki 2.1.27 and older write it
    before = sha(path)
    code, _stdout, err = export_into(tmp_path, source, path)
    assert code == 73, err
    assert "made by an older Anki (collection schema 11)" in err and "--upgrade-collection" in err
    assert sha(path) == before
    code, stdout, err = export_into(tmp_path, source, path, "--upgrade-collection")
    assert code == 0, err
    assert f"{NOTES} notes added" in stdout


def test_a_full_disk_during_the_backup_exits_73_and_leaves_no_backup(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    made = new_collection(tmp_path / "made")
    with tmpfs(tmp_path / "disk", "size=1m") as disk:
        profile = disk / "profile"
        profile.mkdir()
        path = profile / "collection.anki2"
        path.write_bytes(made.read_bytes())
        filler = disk / "filler"
        with filler.open("wb") as handle:  # the disk full but for 16 KiB
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            handle.write(b"\0" * max(0, free - 16 * 1024))
        before = sha(path)
        code, _stdout, err = export_into(tmp_path, source, path)
        assert code == 73, err
        assert "cannot write Anki's backup" in err and len(err.splitlines()) == 1, err
        assert sha(path) == before
        backups = profile / "backups"
        assert list(backups.iterdir()) == []  # no truncated backup, no temporary folder
        filler.unlink()
        code, stdout, err = export_into(tmp_path, source, path)
        assert code == 0, err
        assert f"{NOTES} notes added" in stdout
        assert len(list(backups.glob("*.colpkg"))) == 1


def test_unwritable_backups_exit_73_and_nothing_changes(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    backups = path.parent / "backups"
    backups.mkdir()
    backups.chmod(0o555)
    before = sha(path)
    try:
        done = run_without_root_powers(
            "export", str(source), "--out", str(tmp_path / "out"), "--collection", str(path)
        )
    finally:
        backups.chmod(0o755)
    assert done.returncode == 73, done.stderr
    assert "cannot write Anki's backup" in done.stderr.decode() and len(done.stderr.splitlines()) == 1
    assert sha(path) == before and list(backups.iterdir()) == []


#: a learner's session that adds a card and is killed: its change is only in the -wal
KILLED_WRITER = """
import os, sys
from anki.collection import Collection
col = Collection(sys.argv[1])
note = col.new_note(col.models.by_name("Basic"))
note["Front"] = "the learner's own card"
col.add_note(note, col.decks.id("Default"))
os.kill(os.getpid(), 9)
"""


def test_the_backup_is_whole_and_restores_in_anki(tmp_path: Path) -> None:
    from anki._backend import RustBackend

    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    path = new_collection(tmp_path / "profile")
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], check=False, timeout=120)
    assert Path(f"{path}-wal").stat().st_size > 0  # the learner's card is only in the log
    report = deliver_decks(decks, CollectionTarget(path))
    assert report.backup is not None and report.backup.parent == path.parent / "backups"
    restored = tmp_path / "restored" / "collection.anki2"
    restored.parent.mkdir()
    RustBackend().import_collection_package(
        col_path=str(restored), backup_path=str(report.backup),
        media_folder=str(tmp_path / "restored" / "media"), media_db=str(tmp_path / "restored" / "media.db"),
    )  # fmt: skip
    col = Collection(str(restored))
    try:
        assert len(col.find_notes('"the learner\'s own card"')) == 1  # in the backup, from the log
        assert not col.find_notes("mid:1744601234511")  # made before the delivery
    finally:
        col.close()


def test_a_full_disk_during_the_transaction_exits_73_and_changes_nothing(tmp_path: Path) -> None:
    decks = export_decks(sample_source(tmp_path), tmp_path / "out")
    made = new_collection(tmp_path / "made")
    with tmpfs(tmp_path / "disk", "size=1m") as disk:
        path = disk / "collection.anki2"
        path.write_bytes(made.read_bytes())
        with (disk / "filler").open("wb") as handle:  # room for the open, not for the new notes
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            handle.write(b"\0" * max(0, free - 8 * 1024))
        with pytest.raises(CollectionUnavailable) as error:
            deliver_decks(decks, CollectionTarget(path, backup_dir=tmp_path / "backups"))
        assert "the disk is full" in str(error.value) and "nothing was changed" in str(error.value)
        (disk / "filler").unlink()
        assert integrity(path) == "ok" and notes_in(path) == 0
