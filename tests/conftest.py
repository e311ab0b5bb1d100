"""Shared fixtures: the real digests in ../shared, and a fresh collection of the real Anki backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flashdigest.verify import throwaway_collection

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "digests"
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def shared_digests() -> Path:
    """../shared/digests; the test skips only where it is absent (a fresh clone) and CI does not demand it."""
    if not SHARED.is_dir():
        if os.environ.get("FLASHDIGEST_REQUIRE_SHARED"):
            pytest.fail(f"{SHARED} is missing but FLASHDIGEST_REQUIRE_SHARED is set")
        pytest.skip("../shared/digests is absent (fresh clone)")
    return SHARED


@pytest.fixture
def collection() -> Iterator[Any]:
    """A fresh, empty collection of the real Anki backend."""
    with throwaway_collection() as col:
        yield col


#: the slow families by module (pyproject.toml declares the markers): `pytest -m "not anki_desktop"`
_MODULE_MARKS = {
    "test_anki_desktop": ("anki_desktop",),
    "test_deliver_desktop_collection": ("anki_desktop",),
    "test_deliver_ankiconnect": ("network",),
    "test_fetch": ("network",),
    "test_fetch_unattended": ("network",),
    "test_soak": ("network", "kill"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test gets its family's markers: by the fixtures it uses (browser), its module, its
    folder (tests/sync: the real sync server) and its name (a test that kills a run)."""
    for item in items:
        path = Path(str(item.path))
        marks = set(_MODULE_MARKS.get(path.stem, ()))
        if "browser" in getattr(item, "fixturenames", ()):
            marks.add("browser")
        if path.parent.name == "sync":
            marks.add("sync_server")
        if "kill" in item.name:
            marks.add("kill")
        for mark in sorted(marks):
            item.add_marker(getattr(pytest.mark, mark))
