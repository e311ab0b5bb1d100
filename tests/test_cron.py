"""Exports fit for cron: reproducible, incremental, updatable in Anki, locked, safe to interrupt."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flashdigest.cards import CLOZE_FIELDS, MCQ_FIELDS, PAPER_FIELDS, cloze_model, mcq_model, paper_model
from flashdigest.cli import main
from flashdigest.lock import output_lock
from flashdigest.pipeline import ExportOptions, ExportReport, export_inputs
from flashdigest.state import STATE_DIR
from tests.anki_helpers import CLOZE, FULL_SET, PAPER, by_type, import_deck, imported_notes
from tests.conftest import SAMPLES
from tests.deliver_helpers import sample_source

DAY = 86_400


def export(paths: list[Path], out: Path, now: float) -> ExportReport:
    report = export_inputs(paths, ExportOptions(out_dir=out, now=now, deck=FULL_SET))
    assert not report.failures, report.failures
    return report


sample_copy = sample_source  # the sample text digest and its answer key, copied into tmp_path/in


def test_note_types_never_change_fields_under_the_same_id() -> None:
    pinned = {1744601234511: PAPER_FIELDS, 1744601234512: MCQ_FIELDS, 1744601234513: CLOZE_FIELDS}
    names = {1744601234511: "FlashDigest Paper v2", 1744601234512: "FlashDigest MCQ v2"}
    names[1744601234513] = "FlashDigest Cloze"
    for model in (paper_model(), mcq_model(), cloze_model()):
        assert tuple(field["name"] for field in model.fields) == pinned[model.model_id]
        assert model.name == names[model.model_id]
    assert MCQ_FIELDS == (
        "Question",
        "Choices",
        "Answer",
        "Paper",
        "Link",
        "DigestDate",
        "Extra",
        "ShortName",
        "Lang",
    )
    assert CLOZE_FIELDS == ("Text", "Title", "ShortName", "Link", "DigestDate", "Point", "Lang", "Extra")
    assert PAPER_FIELDS == (
        "Title",
        "Link",
        "Published",
        "DigestDate",
        "Topic",
        "PriorWork",
        "Problem",
        "Methods",
        "Results",
        "Flowchart",
        "Extra",
        "ShortName",
        "Lang",
    )


def test_same_input_gives_byte_identical_decks_at_any_time(tmp_path: Path) -> None:
    source = sample_copy(tmp_path)
    (first,) = [d.path for d in export([source], tmp_path / "a", now=1_700_000_000).written]
    original = first.read_bytes()
    shutil.rmtree(tmp_path / "a" / STATE_DIR)  # forces a rebuild, days later: times come from the deck
    report = export([source], tmp_path / "a", now=1_700_000_000 + 9 * DAY)
    assert (report.written, report.unchanged) == ([], [first])
    assert first.read_bytes() == original
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # the decks travel, with or without the state
    report = export([source], tmp_path / "b", now=1_800_000_000)
    assert report.written == [] and (tmp_path / "b" / first.name).read_bytes() == original
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_source_date_epoch_makes_fresh_exports_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sample_copy(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    decks = []
    for name in ("x", "y"):
        (deck,) = export_inputs([source], ExportOptions(out_dir=tmp_path / name)).written
        decks.append(deck.path.read_bytes())
        time.sleep(1.1)  # a second later: the clock must not reach the deck
    assert decks[0] == decks[1]
    source.write_text(source.read_text().replace("2.0 bits", "2.5 bits"))
    (corrected,) = export_inputs([source], ExportOptions(out_dir=tmp_path / "x")).written
    mods = note_mods(corrected.path)
    assert sorted(set(mods.values())) == [1_700_000_000, 1_700_000_001]  # the correction is newer
    assert list(mods.values()).count(1_700_000_001) == 1


def note_mods(deck: Path) -> dict[str, int]:
    with zipfile.ZipFile(deck) as archive:
        data = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    return dict(connection.execute("SELECT guid, mod FROM notes").fetchall())


def test_unchanged_input_is_not_read_or_written_again(tmp_path: Path) -> None:
    source = sample_copy(tmp_path)
    out = tmp_path / "out"
    (deck,) = [d.path for d in export([source], out, now=1_700_000_000).written]
    inode = deck.stat().st_ino
    report = export([source.parent], out, now=1_700_000_000 + DAY)
    assert (report.written, report.unchanged) == ([], [deck])
    assert deck.stat().st_ino == inode
    (source.parent / "2026-01-15.answers.yaml").write_text("1: [A, C, A]\n2: [A, 2, B]\n")
    report = export([source], out, now=1_700_000_000 + 2 * DAY)
    assert [d.path for d in report.written] == [deck]  # a changed answer key is a changed input


def test_importing_twice_adds_nothing_and_one_edit_updates_one_note(tmp_path: Path, collection: Any) -> None:
    source = sample_copy(tmp_path)
    out = tmp_path / "out"
    (deck,) = [d.path for d in export([source], out, now=1_700_000_000).written]
    assert import_deck(collection, deck).new == 13  # 2 paper, 6 MCQ and 5 cloze notes
    again = import_deck(collection, deck)
    assert (again.new, again.updated) == (0, 0)
    source.write_text(source.read_text().replace("beating heuristic eviction", "outdoing heuristic eviction"))
    export([source], out, now=1_700_000_000 + DAY)
    counts = import_deck(collection, deck)
    # the paper note and the cloze note of the edited sentence (it holds figures)
    assert (counts.new, counts.updated, counts.duplicate) == (0, 2, 11)
    assert any(
        "outdoing heuristic" in n.fields["Results"] for n in by_type(imported_notes(collection), PAPER)
    )
    assert any("outdoing heuristic" in n.fields["Text"] for n in by_type(imported_notes(collection), CLOZE))
    assert len(imported_notes(collection)) == 13


def test_lost_state_never_drops_a_correction(tmp_path: Path, collection: Any) -> None:
    source = sample_copy(tmp_path)
    out = tmp_path / "out"
    (deck,) = [d.path for d in export([source], out, now=1_700_000_000).written]
    import_deck(collection, deck)
    shutil.rmtree(out / STATE_DIR)
    source.write_text(source.read_text().replace("2.0 bits", "2.5 bits"))
    export([source], out, now=1_700_000_000 + DAY)
    counts = import_deck(collection, deck)
    assert (counts.new, counts.updated) == (0, 1)  # times come from the deck: only the correction is newer
    assert any("2.5 bits" in n.fields.get("Choices", "") for n in imported_notes(collection))


def test_leftover_temporary_files_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".flashdigest-abandoned.tmp").write_bytes(b"half a deck")
    report = export([sample_copy(tmp_path)], out, now=1_700_000_000)
    assert not list(out.glob(".flashdigest-*.tmp"))
    assert any("removed 1 temporary file" in notice for notice in report.notices)


def test_second_export_exits_75_or_waits(tmp_path: Path) -> None:
    source = sample_copy(tmp_path)
    out = tmp_path / "out"
    runner = CliRunner()
    with output_lock(out, wait=False):
        result = runner.invoke(main, ["export", str(source), "--out", str(out)])
        assert result.exit_code == 75
        assert result.stderr.startswith("flashdigest: ") and "--wait" in result.stderr
        assert not list(out.glob("*.apkg"))
    held, released = threading.Event(), threading.Event()

    def hold_then_release() -> None:
        with output_lock(out, wait=False):
            held.set()
            released.wait(10)

    holder = threading.Thread(target=hold_then_release)
    holder.start()
    assert held.wait(10), "the holder must have the lock before the export starts"
    threading.Timer(0.3, released.set).start()
    result = runner.invoke(main, ["export", str(source), "--out", str(out), "--wait", "-q"])
    holder.join()
    assert result.exit_code == 0 and (out / "2026-01-15.apkg").is_file()


def test_json_report(tmp_path: Path) -> None:
    source = sample_copy(tmp_path)
    bad = tmp_path / "in" / "bad.txt"
    bad.write_text("not a digest\n")
    result = CliRunner().invoke(main, ["export", str(source.parent), "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code == 65
    report = json.loads(result.stdout)
    assert [d["date"] for d in report["written"]] == ["2026-01-15"]
    written = report["written"][0]
    assert written["mcq_notes"] == 2  # the daily budget: the best question of each paper
    assert (written["new_cards"], written["suspended_cards"]) == (10, 4)  # 5 a paper; topic, results wait
    assert (written["clozes_left_out"], written["questions_left_out"], written["giveaways_left_out"]) == (
        3,
        4,
        0,
    )
    assert report["failed"] == [{"file": str(bad), "line": 1, "reason": report["failed"][0]["reason"]}]
    assert result.stderr.count("\n") == 1


def test_verify_command_reports_notes_and_cards(tmp_path: Path) -> None:
    export([sample_copy(tmp_path)], tmp_path / "out", now=1_700_000_000)
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "out" / "2026-01-15.apkg")])
    assert result.exit_code == 0
    assert "Paper Digests::2026-01-15: 13 notes, 21 cards" in result.stdout
    broken = tmp_path / "broken.apkg"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(main, ["verify", str(broken), str(tmp_path / "out" / "2026-01-15.apkg")])
    assert result.exit_code == 65
    assert result.stderr.startswith(f"flashdigest: error: {broken}: Anki refused the package")
    assert "Paper Digests::2026-01-15: 13 notes, 21 cards" in result.stdout  # the good deck still checked


def write_corpus(folder: Path, count: int, marker: str) -> None:
    text = (SAMPLES / "2026-01-15.txt").read_text()
    for day in range(count):
        date = f"2026-02-{day + 1:02d}" if day < 28 else f"2026-03-{day - 27:02d}"
        body = text.replace("2026-01-15 Papers", f"{date} Papers").replace("six long-context", marker)
        body = body.replace("2601.04417", f"2602.{10000 + day}").replace("2601.05102", f"2602.{20000 + day}")
        (folder / f"{date}.txt").write_text(body)
        shutil.copy(SAMPLES / "2026-01-15.answers.yaml", folder / f"{date}.answers.yaml")


def run_export(folder: Path, out: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "flashdigest", "export", str(folder), "--out", str(out), "-q"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.kill
@pytest.mark.parametrize("fraction", [0.3, 0.45, 0.55, 0.62, 0.7, 0.78, 0.86, 0.95])
def test_sigkill_leaves_every_deck_old_or_new_and_whole(
    tmp_path: Path, fraction: float, collection: Any
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    write_corpus(folder, 40, "OLD-MARKER")
    assert run_export(folder, out).wait() == 0
    old = {deck.name: deck.read_bytes() for deck in out.glob("*.apkg")}
    write_corpus(folder, 40, "NEW-MARKER")
    started = time.monotonic()
    assert run_export(folder, tmp_path / "timing").wait() == 0  # how long a full run takes here
    process = run_export(folder, out)
    time.sleep((time.monotonic() - started) * fraction)
    process.kill()
    process.wait()
    for deck in out.glob("*.apkg"):
        data = deck.read_bytes()
        if data == old[deck.name]:
            continue
        import_deck(collection, deck)
        notes = [n for n in imported_notes(collection) if n.decks == (f"Paper Digests::{deck.stem}",)]
        # the daily budget's notes: 2 paper, 2 cloze, 2 MCQ
        assert len(notes) == 6 and any("NEW-MARKER" in n.fields.get("Results", "") for n in notes), deck
    assert len(list(out.glob("*.apkg"))) == 40
    assert run_export(folder, out).wait() == 0
    assert not list(out.glob(".flashdigest-*.tmp"))
    assert all(b"OLD-MARKER" not in zipfile.ZipFile(d).read("collection.anki2") for d in out.glob("*.apkg"))


@pytest.mark.kill
def test_lock_of_a_killed_run_is_released(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from flashdigest.lock import output_lock\n"
            f"with output_lock(pathlib.Path({str(out)!r}), wait=False):\n"
            "    print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    busy = CliRunner().invoke(main, ["export", str(sample_copy(tmp_path)), "--out", str(out)])
    assert busy.exit_code == 75
    holder.kill()
    holder.communicate()  # closes its pipes
    after = CliRunner().invoke(main, ["export", str(tmp_path / "in"), "--out", str(out), "-q"])
    assert after.exit_code == 0 and (out / "2026-01-15.apkg").is_file()


def test_progress_bar_on_a_terminal_for_long_runs(tmp_path: Path) -> None:
    import pty

    folder = tmp_path / "in"
    folder.mkdir()
    write_corpus(folder, 20, "MARKER")
    command = [sys.executable, "-m", "flashdigest", "export", str(folder), "--out", str(tmp_path / "out")]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.execv(command[0], command)
    output = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = output.decode("utf-8", "replace")
    assert "exporting" in text and "100%" in text
    assert "20 written, 0 unchanged, 0 failed" in text
