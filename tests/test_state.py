"""The output directory heals itself, and a killed run keeps its finished work.

The state (``.flashdigest-state/index.json``) is only an optimisation: a deck that is missing,
truncated, replaced or edited is rebuilt; a state that cannot be read costs one rebuild with a
notice, never a failure; and decks that are already on disk as they would be written are not
written again, with or without a state.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flashdigest.pipeline import ExportOptions, ExportReport, export_inputs
from flashdigest.state import STATE_DIR
from tests.conftest import SAMPLES
from tests.test_failures import digests, tmpfs

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_700_000_000


def export(paths: list[Path], out: Path, now: float = NOW) -> ExportReport:
    report = export_inputs(paths, ExportOptions(out_dir=out, now=now))
    assert not report.failures, report.failures
    return report


def written(report: ExportReport) -> list[str]:
    return sorted(deck.path.name for deck in report.written)


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "decks"
    export([SAMPLES], out)
    return out, {deck.name: deck.read_bytes() for deck in out.glob("*.apkg")}


def test_damaged_decks_are_rebuilt_and_untouched_ones_are_not(
    exported: tuple[Path, dict[str, bytes]],
) -> None:
    out, original = exported
    names = sorted(original)
    assert len(names) >= 5
    missing, truncated, replaced, edited, touched = (out / name for name in names[:5])
    missing.unlink()
    truncated.write_bytes(original[truncated.name][:100])
    replaced.write_bytes(original[names[-1]])
    data = bytearray(original[edited.name])
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed
    edited.write_bytes(bytes(data))
    os.utime(touched, (1, 1))  # only the mtime moved: not a change
    report = export([SAMPLES], out)
    assert written(report) == sorted(path.name for path in (missing, truncated, replaced, edited))
    for name in names:
        assert (out / name).read_bytes() == original[name], name
    assert written(export([SAMPLES], out)) == []


@pytest.mark.parametrize(
    "damage",
    ["garbage", "wrong types", "deep nesting", "huge", "old version", "a folder"],
)
def test_a_state_that_cannot_be_used_costs_one_rebuild_with_a_notice(
    exported: tuple[Path, dict[str, bytes]], damage: str
) -> None:
    out, original = exported
    index = out / STATE_DIR / "index.json"
    good = json.loads(index.read_text())
    if damage == "garbage":
        index.write_bytes(b"\x00\xff{not json")
    elif damage == "wrong types":
        good["decks"][next(iter(good["decks"]))]["size"] = "big"
        index.write_text(json.dumps(good))
    elif damage == "deep nesting":
        index.write_text('{"version": 4, "inputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    elif damage == "huge":
        with index.open("r+b") as handle:  # sparse: costs no disk
            handle.truncate(300 * 1024 * 1024)
    elif damage == "old version":
        index.write_text(json.dumps({**good, "version": 3}))
    else:
        index.unlink()
        index.mkdir()
    report = export([SAMPLES], out, now=NOW + 86_400)
    lost = [notice for notice in report.notices if "state" in notice]
    assert len(lost) == 1 and lost[0].startswith(str(index)), report.notices
    assert written(report) == []  # every deck is on disk as it would be written
    for name, data in original.items():
        assert (out / name).read_bytes() == data
    again = export([SAMPLES], out, now=NOW + 2 * 86_400)
    assert not [notice for notice in again.notices if "state" in notice]
    assert len(again.unchanged) == len(original)


@pytest.mark.kill
def test_a_killed_cold_run_keeps_its_finished_decks(tmp_path: Path) -> None:
    total = 200
    sources = digests(tmp_path / "in", total)
    out = tmp_path / "decks"
    process = subprocess.Popen(
        [sys.executable, "-m", "flashdigest", "export", str(tmp_path / "in"), "--out", str(out), "-q"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.apkg"))) < 20 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    finished = len(list(out.glob("*.apkg")))
    assert 20 <= finished < total, "the run must be killed mid-way"
    report = export(sources, out, now=NOW)
    assert len(report.written) <= total - finished + 1
    assert len(report.written) + len(report.unchanged) == total


@pytest.mark.parametrize("damage", ["a file", "a symlink elsewhere", "a symlink to another file system"])
def test_a_state_folder_that_is_not_one_costs_one_notice_then_heals(
    exported: tuple[Path, dict[str, bytes]], tmp_path: Path, damage: str
) -> None:
    out, original = exported
    folder = out / STATE_DIR
    elsewhere = tmp_path / "elsewhere"
    shutil.rmtree(folder)
    if damage == "a file":
        folder.write_text("not a folder")
    elif damage == "a symlink elsewhere":
        elsewhere.mkdir()
        folder.symlink_to(elsewhere)
    else:
        with tmpfs(tmp_path / "other", "size=1m") as other:
            folder.symlink_to(other)
            report = export([SAMPLES], out, now=NOW + 86_400)
            assert not list(other.iterdir())  # nothing written through the link
    if damage == "a symlink elsewhere":
        assert not list(elsewhere.iterdir())
    if damage != "a symlink to another file system":
        report = export([SAMPLES], out, now=NOW + 86_400)
    lost = [notice for notice in report.notices if "state" in notice]
    assert lost == [
        f"{folder}: state is not a folder of its own (replaced by one); inputs are read again "
        "(unchanged decks are not rewritten)"
    ]
    assert written(report) == []
    assert folder.is_dir() and not folder.is_symlink()
    again = export([SAMPLES], out, now=NOW + 2 * 86_400)
    assert again.notices == [] and len(again.unchanged) == len(original)


def test_a_state_folder_on_another_file_system_works(tmp_path: Path) -> None:
    out = tmp_path / "decks"
    out.mkdir()
    with tmpfs(out / STATE_DIR, "size=1m"):  # a real mount point: a rename into it would fail
        export([SAMPLES], out)
        assert (out / STATE_DIR / "index.json").is_file()
        again = export([SAMPLES], out)
        assert again.notices == [] and again.written == []


def test_inputs_that_no_longer_exist_are_pruned(tmp_path: Path) -> None:
    sources = digests(tmp_path / "in", 3)
    out = tmp_path / "decks"
    export(sources, out)
    sources[0].unlink()
    export(sources[1:], out)
    kept = json.loads((out / STATE_DIR / "index.json").read_text())["inputs"]
    assert sorted(kept) == sorted(os.path.realpath(path) for path in sources[1:])
    assert (out / f"{sources[0].stem}.apkg").is_file()  # the deck stays: it is the learner's


def test_the_code_key_changes_with_any_code_or_template_file_and_reads_none(tmp_path: Path) -> None:
    """A change of flashdigest's code reads every input again: the key moves with a file's edit
    (size or time), a new file or a removed one, in any folder; caches and other files do not count."""
    from flashdigest.stamps import code_key

    package = tmp_path / "flashdigest"
    shutil.copytree(ROOT / "flashdigest" / "cards" / "templates", package / "cards" / "templates")
    (package / "parse").mkdir()
    module = package / "parse" / "html.py"
    module.write_text("x = 1\n", encoding="utf-8")
    first = code_key(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "html.cpython-311.pyc").write_bytes(b"\0")
    (package / "notes.txt").write_text("not code", encoding="utf-8")
    assert code_key(package) == first
    os.utime(module, ns=(1, 1))
    touched = code_key(package)
    assert touched != first
    module.write_text("x = 22\n", encoding="utf-8")
    os.utime(module, ns=(1, 1))
    assert code_key(package) != touched  # the size moved
    template = package / "cards" / "templates" / "cards.css"
    template.unlink()
    assert code_key(package) not in {first, touched}


def test_an_inputs_real_path_is_what_the_system_resolves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state names inputs by real path, resolved through the folder once for its files: it
    must be os.path.realpath's answer, symlinked folders, symlinked files and ``..`` included."""
    from flashdigest.state_records import real_path

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.html").write_text("x", encoding="utf-8")
    (tmp_path / "folder-link").symlink_to(tmp_path / "a" / "b")
    (tmp_path / "file-link").symlink_to(tmp_path / "a" / "b" / "f.html")
    monkeypatch.chdir(tmp_path)
    for path in (
        f"{tmp_path}/a/b/f.html",
        f"{tmp_path}/folder-link/f.html",
        "folder-link/f.html",
        "folder-link/../a/b/f.html",
        "a/b/../b/f.html",
        "./a/b/f.html",
        "file-link",
        "missing/f.html",
        "a//b/f.html",
    ):
        real_path.cache_clear()
        assert real_path(path) == os.path.realpath(path), path
