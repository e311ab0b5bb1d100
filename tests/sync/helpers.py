"""What the sync tests share: the CLI run in-process, a login, an export with --sync, the
flowchart page, and what a phone's learner does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from flashdigest.cli import main
from tests.conftest import SAMPLES
from tests.sync.server import FULL, PASSWORD, USER, SyncServer, new_phone, phone_sync

#: the sample page with flowcharts: its deck ships two SVGs
FLOWCHART_PAGE = "2026-05-06.html"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def login(server: SyncServer, password: str = PASSWORD) -> tuple[int, str, str]:
    return run(
        "login", "--endpoint", server.endpoint, "--username", USER, "--password-stdin", stdin=password + "\n"
    )


def export_sync(source: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("export", str(source), "--out", str(out), "--sync", "--cards", "all", *extra)


def flowchart_source(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(SAMPLES / FLOWCHART_PAGE, folder / FLOWCHART_PAGE)
    return folder


def svgs_in(col: Any) -> set[str]:
    return {path.name for path in Path(col.media.dir()).glob("fd-*.svg")}


def force_full_upload_from(phone: Any, server: SyncServer) -> None:
    """The learner adds a field to a note type on the phone (a schema change: only a full sync
    can carry it) and chooses "upload" there."""
    basic = phone.models.by_name("Basic")
    phone.models.add_field(basic, phone.models.new_field("Phone's own field"))
    phone.models.update_dict(basic)
    assert phone_sync(phone, server, upload=True) in FULL


def login_at(endpoint: str) -> None:
    args = ("login", "--endpoint", endpoint, "--username", USER, "--password-stdin")
    code, _, err = run(*args, stdin=PASSWORD + "\n")
    assert code == 0, err


def start_export(source: Path, out: Path, data_home: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    command = [sys.executable, "-m", "flashdigest", "export", str(source), "--out", str(out), "--sync", "-q"]
    command += ["--cards", "all"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def notes_of_phone(tmp_path: Path, server: SyncServer) -> tuple[int, set[str]]:
    phone = new_phone(tmp_path / "phone")
    try:
        phone_sync(phone, server)
        return phone.note_count(), svgs_in(phone)
    finally:
        phone.close()


def svgs_in_deck(out: Path) -> set[str]:
    names: set[str] = set()
    for deck in out.glob("*.apkg"):
        with zipfile.ZipFile(deck) as archive:
            names |= set(json.loads(archive.read("media")).values())
    return names
