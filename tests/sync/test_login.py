"""`flashdigest login` and `logout` against the real Anki sync server, and a sync key refused later."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flashdigest.deliver.account import account_path, load_account
from tests.deliver_helpers import sample_source
from tests.sync.helpers import (
    export_sync,
    login,
    run,
)
from tests.sync.server import (
    PASSWORD,
    USER,
    SyncServer,
)

#: a hung server or client fails the test instead of holding CI
pytestmark = pytest.mark.timeout(300)


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


def test_login_prompts_for_the_password_without_password_stdin(server: SyncServer, data_home: Path) -> None:
    code, stdout, err = run("login", "--endpoint", server.endpoint, "--username", USER, stdin=PASSWORD + "\n")
    assert code == 0, err
    assert PASSWORD not in stdout and load_account().username == USER
    assert run("logout")[0] == 0
    assert run("logout")[1] == "not logged in\n"


def test_export_sync_without_a_login_exits_77_naming_login(data_home: Path, tmp_path: Path) -> None:
    code, _, err = export_sync(sample_source(tmp_path), tmp_path / "out")
    assert code == 77 and "flashdigest login" in err and len(err.splitlines()) == 1


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
