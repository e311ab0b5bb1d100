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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the browser fixtures is a browser test, whatever its module says."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
