"""The process pool's own promises (flashdigest/pool.py), with real worker processes: a worker that
dies stops the map in its turn, a result that cannot cross is a failure in its turn, large items
and results cross both ways without the run and its worker waiting on each other, and a worker
ends when the run is killed."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import flashdigest.pipeline
from flashdigest.cli import main
from flashdigest.errors import InternalError, WorkerLost
from flashdigest.pool import ordered_map
from tests.conftest import SAMPLES

RUN = os.getpid()
#: a test that patches what a worker runs needs the worker forked (spawn imports it afresh)
FORK = "fork" in multiprocessing.get_all_start_methods()
ROOT = Path(__file__).resolve().parent.parent


def _dies_in_a_worker(item: int) -> int:
    time.sleep(0.005)
    if os.getpid() != RUN and item >= 4:
        os._exit(9)
    return item


def _taken_until(error: type[Exception], function: Callable[[int], Any], count: int) -> tuple[list[Any], str]:
    """What the map gave, in order, before it raised ``error``, and the error's message."""
    taken: list[Any] = []
    with pytest.raises(error) as raised:
        for result in ordered_map(function, range(count), 2):
            taken.append(result)
    return taken, str(raised.value)


@pytest.mark.timeout(60)
def test_a_worker_that_dies_stops_the_map_in_its_turn() -> None:
    """Killed (here: exits) with items in hand: the results before its first come, then WorkerLost
    naming how it ended; no wait for an answer that will never come."""
    taken, message = _taken_until(WorkerLost, _dies_in_a_worker, 40)
    assert len(taken) >= 4 and taken == list(range(len(taken)))
    assert "exit code 9" in message


def _slow(item: int) -> int:
    time.sleep(0.05)
    return item


@pytest.mark.timeout(60)
def test_a_map_left_with_nothing_in_hand_lets_its_worker_end_and_stops_one_with_work() -> None:
    """Its consumer closes the map after its last result (as the pipeline does): the idle worker
    ends by itself, exit code 0; closed with items still in hand, the worker is stopped."""
    for taken, ended in ((5, 0), (1, -signal.SIGTERM)):
        results = ordered_map(_slow, range(5), 2)
        assert [next(results) for _ in range(taken)] == list(range(taken))
        (worker,) = multiprocessing.active_children()
        results.close()
        assert worker.exitcode == ended


def _unpicklable_in_a_worker(item: int) -> Any:
    time.sleep(0.005)
    if os.getpid() != RUN:
        return lambda: item  # (a lambda cannot be pickled)
    return item


@pytest.mark.timeout(60)
def test_a_result_that_cannot_cross_is_a_failure_in_its_turn() -> None:
    taken, message = _taken_until(InternalError, _unpicklable_in_a_worker, 40)
    assert taken == list(range(len(taken)))
    assert "a worker's answer cannot be sent" in message


def _sized(item: bytes) -> tuple[int, bytes]:
    return len(item), item[::-1]


@pytest.mark.timeout(120)
def test_large_items_and_results_cross_both_ways() -> None:
    """A pipe holds some 200 KB: items and answers of 1 MB each, several in flight, must not leave
    the run writing an item while its worker writes an answer the run does not read."""
    items = [bytes([number]) * 1_000_000 + b"end" for number in range(12)]
    results = list(ordered_map(_sized, items, 2))
    assert results == [(len(item), item[::-1]) for item in items]


WATCHED = """
import os, sys, time
sys.path.insert(0, {root!r})
from flashdigest.pool import ordered_map

def pid(item):
    time.sleep(0.05)
    return os.getpid()

for found in ordered_map(pid, range(10_000), 2):
    if found != os.getpid():
        print(found, flush=True)
        time.sleep(60)
"""


def _gone(pid: int) -> bool:
    """The process has ended (a zombie left unreaped counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status or "\nState:\tX" in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
@pytest.mark.timeout(60)
def test_a_worker_ends_when_the_run_is_killed() -> None:
    """A run killed (SIGKILL: no clean-up of its own) leaves no worker behind, busy or waiting."""
    script = textwrap.dedent(WATCHED.format(root=str(ROOT)))
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as run:
        assert run.stdout is not None
        worker = int(run.stdout.readline())
        assert worker != run.pid and not _gone(worker)
        os.kill(run.pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(worker)


@pytest.mark.skipif(not FORK, reason="the patch reaches a worker only when it is forked")
@pytest.mark.timeout(120)
def test_a_killed_worker_stops_the_export_with_71(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's answer: one line, exit 71 (EX_OSERR), no traceback, no temporary file left;
    the decks written before are whole and a second run finishes the export."""
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(8):
        shutil.copy(
            SAMPLES / ("2025-05-02.html" if number % 2 else "2026-05-06.html"), folder / f"{number}.html"
        )
    made_here = flashdigest.pipeline._prepare_input

    def dies_in_a_worker(path: Path, options: Any) -> Any:
        if os.getpid() != RUN:
            os._exit(9)
        return made_here(path, options)

    monkeypatch.setattr(flashdigest.pipeline, "usable_cores", lambda: 2)
    monkeypatch.setattr(flashdigest.pipeline, "_prepare_input", dies_in_a_worker)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", str(folder), "--out", str(out), "-q"])
    assert result.exit_code == 71
    assert result.stderr.splitlines() == [
        "flashdigest: error: a worker process ended before it answered (exit code 9)"
    ]
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*/*.tmp"))
    monkeypatch.undo()
    again = CliRunner().invoke(main, ["export", str(folder), "--out", str(out), "-q"])
    assert again.exit_code == 0 and sorted(path.name for path in out.glob("*.apkg")) == [
        "2025-05-02.apkg",
        "2026-05-06.apkg",
    ]


@pytest.mark.skipif(not FORK, reason="the patch reaches a worker only when it is forked")
@pytest.mark.timeout(120)
def test_a_killed_worker_stops_an_archives_export_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive's dates spread over the cores (no pool over the inputs): a worker killed there
    stops the run as well (not one failed input among others), the dates written before kept."""
    from flashdigest.export import job
    from flashdigest.pipeline import ExportOptions, export_inputs
    from tests.test_archive_append import archive_rows

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "summaries.jsonl").write_text("\n".join(archive_rows(tmp_path / "corpus", 9)), encoding="utf-8")
    made_here = job.make_deck

    def dies_in_a_worker(item: Any, options: Any) -> Any:
        if os.getpid() != RUN:
            os._exit(9)
        return made_here(item, options)

    monkeypatch.setattr(flashdigest.pipeline, "usable_cores", lambda: 2)
    monkeypatch.setattr(job, "make_deck", dies_in_a_worker)
    out = tmp_path / "out"
    with pytest.raises(WorkerLost, match="exit code 9"):
        export_inputs([folder], ExportOptions(out_dir=out, now=1_750_000_000))
    assert len(list(out.glob("*.apkg"))) >= 3  # (the first dates are made in the run itself)
    assert not list(out.glob("*.tmp"))
