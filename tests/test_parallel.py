"""Both cores: a run whose decks are made by worker processes gives what a serial run gives, byte
for byte: the same decks, report lines in the same order, the same failures, the same state."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

import flashdigest.pipeline
from flashdigest.options import DeckOptions
from flashdigest.pipeline import ExportOptions, ExportReport, export_inputs
from flashdigest.pool import ordered_map
from flashdigest.state import STATE_DIR
from tests.conftest import SAMPLES

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "digests"
NOW = 1_750_000_000


def inputs(folder: Path) -> Path:
    """The samples (HTML, text + key, YAML of two days, JSONL), a text and an HTML of the same
    date (the richer gives the deck), a page with no papers and two that are no digest."""
    folder.mkdir()
    for sample in SAMPLES.iterdir():
        shutil.copy(sample, folder / sample.name)
    if SHARED.is_dir():
        shutil.copy(SHARED / "000_0e9ee186ca297bc0.txt", folder / "000_0e9ee186ca297bc0.txt")
        for page in sorted((SHARED / "html").glob("*.html")):
            shutil.copy(page, folder / page.name)
    (folder / "2025-01-01.html").write_text("<html><body>nothing</body></html>", encoding="utf-8")
    (folder / "notes.txt").write_text("garbage\n", encoding="utf-8")
    return folder


def run(
    folder: Path, out: Path, workers: int, monkeypatch: pytest.MonkeyPatch, tags: tuple[str, ...] = ()
) -> tuple[ExportReport, list[int]]:
    """Export ``folder`` into ``out`` with up to ``workers`` processes; the pool sizes used."""
    used: list[int] = []

    def recording_map(function: Any, items: Any, count: int, window: int | None = None, **more: Any) -> Any:
        used.append(count)
        # the worst case of timing: every input's decks made before the first is written (and
        # what the map raised, raised after them, in its turn)
        results: list[Any] = []
        failure: Exception | None = None
        try:
            results.extend(ordered_map(function, items, count, window, **more))
        except Exception as error:
            failure = error

        def replay() -> Any:
            yield from results
            if failure is not None:
                raise failure

        return replay()

    monkeypatch.setattr(flashdigest.pipeline, "usable_cores", lambda: workers)
    monkeypatch.setattr(flashdigest.pipeline, "ordered_map", recording_map)
    options = ExportOptions(out_dir=out, now=NOW, deck=DeckOptions(extra_tags=tags))
    report = export_inputs([folder], options)
    return report, used


def lines(report: ExportReport, out: Path) -> list[str]:
    """The report as the CLI would print it, ``out`` written as OUT."""
    text = [f"notice: {notice}" for notice in report.notices]
    text += [f"wrote {deck}" for deck in report.written]
    text += [f"unchanged {path}" for path in report.unchanged]
    text += [f"failed {failure}" for failure in report.failures]
    return [line.replace(str(out), "OUT") for line in text]


def state(out: Path) -> Any:
    """The saved state without the decks' modification times (two runs, two clocks)."""
    data = json.loads((out / STATE_DIR / "index.json").read_text(encoding="utf-8"))
    for deck in data["decks"].values():
        deck.pop("mtime_ns")
    return data


def same_output(serial: Path, parallel: Path) -> None:
    decks = sorted(path.name for path in serial.glob("*.apkg"))
    assert decks == sorted(path.name for path in parallel.glob("*.apkg")) and len(decks) >= 8
    for name in decks:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    assert state(serial) == state(parallel)


def test_a_parallel_run_writes_what_a_serial_run_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = inputs(tmp_path / "in")
    serial, serial_pools = run(folder, tmp_path / "serial", 1, monkeypatch)
    parallel, pools = run(folder, tmp_path / "parallel", 2, monkeypatch)
    assert serial_pools == [1] and pools == [2]  # the second run did use two worker processes
    assert lines(serial, tmp_path / "serial") == lines(parallel, tmp_path / "parallel")
    assert [str(f) for f in parallel.failures] == [
        f"{folder / '2025-01-01.html'}: no 'YYYY-MM-DD Papers' heading and no paper cards: not a digest page",
        f"{folder / 'notes.txt'}:1: no 'YYYY-MM-DD Papers' heading: not a text digest",
    ]
    same_output(tmp_path / "serial", tmp_path / "parallel")


def test_a_changed_input_rerun_in_parallel_matches_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Second runs over existing decks (new notes' mods from the decks replaced), a page changed."""
    folder = inputs(tmp_path / "in")
    for out, workers in ((tmp_path / "serial", 1), (tmp_path / "parallel", 2)):
        run(folder, out, workers, monkeypatch)
    page = folder / "2025-05-02.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Lantern: Lightweight", "Lantern: Revised"), encoding="utf-8"
    )
    # a new tag changes every note: every input is read again and every deck rewritten
    serial, _ = run(folder, tmp_path / "serial", 1, monkeypatch, tags=("weekly",))
    parallel, pools = run(folder, tmp_path / "parallel", 2, monkeypatch, tags=("weekly",))
    assert pools == [2]
    assert lines(serial, tmp_path / "serial") == lines(parallel, tmp_path / "parallel")
    assert "2025-05-02.apkg" in [deck.path.name for deck in parallel.written]
    same_output(tmp_path / "serial", tmp_path / "parallel")


def test_a_small_run_stays_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "2025-05-02.html", folder)
    report, pools = run(folder, tmp_path / "out", 2, monkeypatch)
    assert pools == [1] and len(report.written) == 1


def _slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.02)
    return item, os.getpid()


def test_the_run_itself_takes_items_while_its_worker_is_busy() -> None:
    """Two cores: one worker process, and the run's own process takes an item whenever the
    worker has its hands full; the results still come in the items' order."""
    results = list(ordered_map(_slow_pid, range(16), 2))
    assert [item for item, _ in results] == list(range(16))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2  # this process and one worker


def test_a_window_of_one_leaves_every_item_to_the_run() -> None:
    results = list(ordered_map(_slow_pid, range(5), 2, 1))
    assert results == [(item, os.getpid()) for item in range(5)]


def _slow_or_failing(item: int) -> int:
    time.sleep(0.01)
    if item >= 6:
        raise ValueError(f"item {item}")
    return item


def test_a_failure_comes_in_its_turn_after_the_results_before_it() -> None:
    """As with a serial map: whether the run or its worker met it, the items before come first."""
    taken: list[int] = []
    with pytest.raises(ValueError, match="item 6"):
        for result in ordered_map(_slow_or_failing, range(12), 2):
            taken.append(result)
    assert taken == list(range(6))


def test_an_archives_dates_made_on_every_core_are_a_serial_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One archive (no pool over the inputs): its first dates are made in the run, the rest on
    both cores; a bad row and a cut last line are reported the same, after the dates before them."""
    from tests.test_archive_append import archive_rows

    rows = archive_rows(tmp_path / "corpus", 9)
    folder = tmp_path / "in"
    folder.mkdir()
    broken = [*rows[:12], "{not json", *rows[12:], rows[0][:40]]
    (folder / "summaries.jsonl").write_text("\n".join(broken), encoding="utf-8")
    serial, serial_pools = run(folder, tmp_path / "serial", 1, monkeypatch)
    parallel, pools = run(folder, tmp_path / "parallel", 2, monkeypatch)
    assert serial_pools == [1] and pools == [1, 2]  # none over the inputs; the archive's dates on 2
    assert len(parallel.written) == 9 and len(parallel.failures) == 2
    assert lines(serial, tmp_path / "serial") == lines(parallel, tmp_path / "parallel")
    same_output(tmp_path / "serial", tmp_path / "parallel")
