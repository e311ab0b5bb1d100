"""The collection route against the real Anki desktop (``aqt``) under Xvfb: a collection Anki holds
open, after Anki's own backup (File > Create Backup, through the menu's handler), is refused with
75, Anki's files are left alone, nothing is written, and the run after Anki closed delivers.

It runs when ``aqt`` is importable and ``xvfb-run`` exists, skips with the reason otherwise, and
fails instead of skipping when ``FLASHDIGEST_REQUIRE_ANKI_DESKTOP=1`` (as CI sets it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deliver_helpers import NOTES, sample_source
from tests.test_cli_deliver import notes_in, run

#: a base folder with one profile, "User 1", made without Anki's first-run dialogs
MAKE_BASE = """
import sys
from aqt.profiles import ProfileManager
pm = ProfileManager(ProfileManager.get_created_base_folder(sys.argv[1]))
pm.setupMeta()
pm.meta["firstRun"] = False
pm.meta["defaultLang"] = "en_US"
pm.create("User 1")
pm.load("User 1")
pm.save()
"""

#: a test add-on: once the profile is open, say so (with Anki's pid), then File > Create Backup
ADDON = """
import os
from pathlib import Path
from aqt import gui_hooks, mw

def _opened() -> None:
    Path(os.environ["FLASHDIGEST_TEST_MARKS"], "open").write_text(str(os.getpid()))
    mw.progress.single_shot(500, mw.on_create_backup_now)

gui_hooks.profile_did_open.append(_opened)
"""

START_SECONDS = 180.0


def desktop_or_skip() -> None:
    missing = [
        why
        for why, absent in (
            ("aqt (Anki desktop) is not installed", importlib.util.find_spec("aqt") is None),
            ("xvfb-run is not installed", shutil.which("xvfb-run") is None),
        )
        if absent
    ]
    if missing:
        if os.environ.get("FLASHDIGEST_REQUIRE_ANKI_DESKTOP") == "1":
            pytest.fail("; ".join(missing))
        pytest.skip("; ".join(missing))


@dataclass
class Desktop:
    process: subprocess.Popen[bytes]
    pid: int
    collection: Path

    def close(self) -> None:
        """Close Anki as the learner does (SIGTERM: Anki's own handler closes the window)."""
        os.kill(self.pid, signal.SIGTERM)
        self.process.wait(timeout=120)


def wait_for(path: Path, pattern: str, process: subprocess.Popen[bytes], log: Path) -> Path:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        found = sorted(path.glob(pattern))
        if found:
            return found[0]
        if process.poll() is not None:
            pytest.fail(f"Anki exited ({process.returncode}): {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    pytest.fail(f"Anki did not make {path / pattern}: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    desktop_or_skip()
    base = tmp_path / "anki-base"
    subprocess.run([sys.executable, "-c", MAKE_BASE, str(base)], check=True, capture_output=True, timeout=120)
    (base / "gldriver6").write_text("software")
    addon = base / "addons21" / "flashdigest_test_backup"
    addon.mkdir(parents=True)
    (addon / "__init__.py").write_text(ADDON)
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {
        **os.environ,
        "FLASHDIGEST_TEST_MARKS": str(marks),
        "ANKI_SINGLE_INSTANCE_KEY": f"flashdigest-test-{os.getpid()}-{tmp_path.name}",
        "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu",
    }
    log = tmp_path / "anki.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["xvfb-run", "-a", sys.executable, "-c", "import aqt; aqt.run()", "-b", str(base)],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        opened = wait_for(marks, "open", process, log)
        profile = base / "User 1"
        wait_for(profile / "backups", "*.colpkg", process, log)
        time.sleep(1.0)  # the backup thread has written the file; Anki is idle again
        yield Desktop(process, int(opened.read_text()), profile / "collection.anki2")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)


def open_files(pid: int) -> set[str]:
    folder = Path(f"/proc/{pid}/fd")
    return {os.readlink(fd) for fd in folder.iterdir()} if folder.is_dir() else set()


def sqlite_locked(path: Path) -> bool:
    """Whether any process holds SQLite's exclusive lock on ``path`` (Linux's OFD lock query)."""
    import fcntl
    import struct

    query = getattr(fcntl, "F_OFD_GETLK", None)
    if query is None:
        pytest.skip("the lock query is Linux's")
    descriptor = os.open(path, os.O_RDONLY)
    try:
        request = struct.pack("hhqqixxxx", fcntl.F_WRLCK, os.SEEK_SET, 0x40000002, 510, 0)
        kind = struct.unpack("hhqqixxxx", fcntl.fcntl(descriptor, query, request))[0]
    finally:
        os.close(descriptor)
    return bool(kind != fcntl.F_UNLCK)


def notes_on_disk(path: Path) -> int:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return int(connection.execute("select count() from notes").fetchone()[0])
    finally:
        connection.close()


def test_a_collection_anki_desktop_holds_after_its_backup_is_refused(
    tmp_path: Path, desktop: Desktop
) -> None:
    source = sample_source(tmp_path)
    out = str(tmp_path / "out")
    path = desktop.collection
    held = open_files(desktop.pid)
    assert str(path) in held and f"{path}-wal" in held  # Anki holds the collection and its log
    assert not sqlite_locked(path)  # but since its backup, not SQLite's lock: the finding's condition
    code, _stdout, err = run(
        "export", str(source), "--out", out, "--collection", str(path), "-q", "--cards", "all"
    )
    assert code == 75, err
    assert "open in another program" in err and len(err.splitlines()) == 1
    assert open_files(desktop.pid) >= {str(path), f"{path}-wal"}  # nothing deleted under Anki
    assert not any(name.endswith(" (deleted)") for name in open_files(desktop.pid) if "collection" in name)
    assert notes_on_disk(path) == 0
    desktop.close()
    code, stdout, err = run("export", str(source), "--out", out, "--collection", str(path), "--cards", "all")
    assert code == 0, err
    assert f"{NOTES} notes added" in stdout  # the refused run was not marked delivered
    assert notes_in(path) == NOTES
