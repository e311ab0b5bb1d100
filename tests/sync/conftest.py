"""The sync tests' fixtures: the real Anki sync server, the data folder, the learner's phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.server import SyncServer, new_phone, phone_sync, running_server


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
