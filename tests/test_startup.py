"""A fast start: what `flashdigest --help`, `-V` and a one-file export import (``python -X importtime``).

A daily cron run is mostly Python's start-up and imports; these tests fail when a heavy module comes
back into those paths (the time itself is measured by `make bench`, not here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flashdigest.__main__ import YOUNG_THRESHOLD
from flashdigest.pool import usable_cores

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
#: never needed to export text or HTML files into a folder, nor for --help / -V
HEAVY = {"genanki", "asyncio", "yaml", "urllib3", "anki", "filelock", "cached_property", "importlib.metadata"}
#: nor these, which a daily run paid 2-4 ms each for: tempfile (temporary names are flashdigest's own),
#: importlib.resources (templates are read from the package folder), html (its entity table: escaping
#: is textutil's), chevron (each note type states its req)
HEAVY |= {"tempfile", "importlib.resources", "html", "chevron"}
#: nor, to export (--help has them from click), zipfile with shutil, bz2 and lzma (3.5 ms): only
#: reading a package needs it; packages are written by flashdigest/export/apkg.py, deflated with ISA-L
READING_PACKAGES = {"zipfile", "shutil", "bz2", "lzma"}
#: nor what only a pool over the cores needs (a daily run has none): pickle 1.8 ms; nor ctypes (2 ms),
#: which sets the C heap of a process that makes several decks (flashdigest/heap.py)
POOL = {"multiprocessing", "concurrent", "pickle", "ctypes"}
#: the pipeline, which --help and -V must not import at all
PIPELINE = {
    "flashdigest.pipeline",
    "flashdigest.state",
    "flashdigest.parse",
    "flashdigest.cards",
    "flashdigest.export",
    "flashdigest.deliver",
    "flashdigest.fetch",
    "selectolax",
    "sqlite3",
}


def imported(*args: str, cwd: Path | None = None) -> set[str]:
    """The modules ``python -X importtime -m flashdigest ARGS`` imports (and it succeeded)."""
    return set(imports(*args, cwd=cwd))


def imports(*args: str, cwd: Path | None = None) -> list[str]:
    """Each module ``python -X importtime -m flashdigest ARGS`` imports, each time a process of
    the run imports it (its worker processes write to the same stderr), in order."""
    # a clean start: no config, and not measured by coverage (which imports sqlite3 into the process)
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("FLASHDIGEST_", "COVERAGE_"))
    }
    env["XDG_CONFIG_HOME"] = str(cwd or Path.cwd())  # no user config file
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flashdigest", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = [
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert names, "python -X importtime printed nothing"
    return names


def heavy_in(names: set[str], forbidden: set[str]) -> set[str]:
    """The modules of ``names`` that are, or are inside, one of ``forbidden``."""
    return {name for name in names if any(name == f or name.startswith(f + ".") for f in forbidden)}


@pytest.mark.parametrize("args", [["--help"], ["-V"], ["export", "--help"]])
def test_help_and_version_import_nothing_of_the_pipeline(args: list[str], tmp_path: Path) -> None:
    names = imported(*args, cwd=tmp_path)
    assert "click" in names
    assert heavy_in(names, HEAVY | PIPELINE) == set()


@pytest.mark.parametrize("sample", ["2025-05-02.html", "2026-01-15.txt"])
def test_a_one_file_export_imports_only_its_format(sample: str, tmp_path: Path) -> None:
    source = tmp_path / "in" / sample
    source.parent.mkdir()
    shutil.copy(SAMPLES / sample, source)  # without its answer key: no YAML to read
    names = imported("export", "-q", str(source), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert (tmp_path / "out" / f"{source.stem}.apkg").is_file()
    assert {"flashdigest.pipeline", "flashdigest.export"} <= names  # it did export
    others = {"flashdigest.parse.jsonl", "flashdigest.parse.yaml_digest", "flashdigest.parse.answers"}
    others |= {"flashdigest.parse.text"} if sample.endswith(".html") else {"flashdigest.parse.html"}
    forbidden = HEAVY | READING_PACKAGES | POOL | others | {"flashdigest.deliver", "flashdigest.fetch"}
    forbidden |= {"flashdigest.export.bundle"}
    assert heavy_in(names, forbidden) == set()


#: run as the program, then report what the collector holds when the last exit handler runs
PROBE = """
import atexit, gc, runpy, sys
atexit.register(lambda: print(gc.isenabled(), len(gc.get_objects()), gc.get_freeze_count(),
                              gc.get_threshold()[0], file=sys.stderr))
sys.argv = ["flashdigest", *sys.argv[1:]]
runpy.run_module("flashdigest", run_name="__main__")
"""


def test_the_program_leaves_its_objects_out_of_the_last_collection(tmp_path: Path) -> None:
    """`python -m flashdigest` (and the `flashdigest` command, the same run()) freezes what it made:
    the interpreter's collection at exit walks nothing, and the collector is on during the run,
    collecting at the program's pace."""
    source = tmp_path / "2025-05-02.html"
    shutil.copy(SAMPLES / source.name, source)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "export", "-q", str(source), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    enabled, left, frozen, threshold = result.stderr.split()
    assert enabled == "True"
    assert int(threshold) == YOUNG_THRESHOLD
    assert int(left) < 100 < 10_000 < int(frozen), (left, frozen)  # nothing left for it to walk


def test_the_command_runs_the_program() -> None:
    """The `flashdigest` command's entry point is the same run() as `python -m flashdigest`."""
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert 'flashdigest = "flashdigest.__main__:run"' in text


def texts_with_keys(folder: Path) -> Path:
    """Five copies of the sample text digest, each with its answer key (read with PyYAML)."""
    folder.mkdir()
    for number in range(5):
        shutil.copy(SAMPLES / "2026-01-15.txt", folder / f"day{number}.txt")
        shutil.copy(SAMPLES / "2026-01-15.answers.yaml", folder / f"day{number}.answers.yaml")
    return folder


@pytest.mark.skipif(usable_cores() < 2, reason="one core: no worker process")
@pytest.mark.parametrize("inputs", ["samples", "texts with keys"])
def test_a_run_on_several_cores_imports_each_module_once(inputs: str, tmp_path: Path) -> None:
    """The parsers its workers will need (an answer key's reader and PyYAML among them) are
    imported before they fork: shared, not imported again by each (a page's parser is 15 ms)."""
    if inputs == "samples":  # (pages, a text, YAML: more than PARALLEL_FROM)
        folder = shutil.copytree(SAMPLES, tmp_path / "in")
    else:
        folder = texts_with_keys(tmp_path / "in")
    names = imports("export", "-q", str(folder), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert "multiprocessing" in names  # (a pool was started)
    ours = {"flashdigest", "yaml", "selectolax", "isal", "click"}  # (ctypes: each sets its C heap)
    twice = {name for name in names if names.count(name) > 1 and name.split(".")[0] in ours}
    assert twice == set()
