"""The C heap of a process that makes many decks (flashdigest/heap.py)."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

import pytest

from flashdigest import heap
from tests.conftest import SAMPLES
from tests.test_startup import imported


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The calls of keep_freed_memory (not made), from a process that has made no deck."""
    made: list[int] = []

    def keep() -> bool:
        made.append(heap._decks)
        return True

    monkeypatch.setattr(heap, "_decks", 0)
    monkeypatch.setattr(heap, "keep_freed_memory", keep)
    return made


def test_the_program_keeps_freed_memory_from_its_second_deck(
    calls: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heap, "enabled", True)
    heap.deck_made()
    assert calls == []  # (a daily run makes one deck: nothing set, ctypes not imported)
    heap.deck_made()
    heap.deck_made()
    assert calls == [2]  # once


def test_a_library_users_process_is_not_touched(calls: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "enabled", False)
    for _ in range(3):
        heap.deck_made()
    assert calls == []


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_glibc_takes_the_trim_threshold() -> None:
    assert heap.keep_freed_memory() is True


def test_an_export_of_several_pages_sets_its_heap_and_one_page_does_not(tmp_path: Path) -> None:
    """Through the command line: the program enables it, and the exporter counts its decks (ctypes,
    which only setting the heap imports, is imported by a run of two pages, not by one)."""
    pages = tmp_path / "in"
    pages.mkdir()
    for sample in ("2025-05-02.html", "2026-05-06.html"):
        shutil.copy(SAMPLES / sample, pages / sample)
    names = imported("export", "-q", str(pages), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert len(list((tmp_path / "out").glob("*.apkg"))) == 2
    assert ("ctypes" in names) is platform.system().startswith("Linux")
    one = pages / "2025-05-02.html"
    assert "ctypes" not in imported("export", "-q", str(one), "--out", str(tmp_path / "one"), cwd=tmp_path)
