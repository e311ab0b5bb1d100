"""An input skipped because another file of the same date is richer is exported once that file is
gone, or once it becomes the best source; an input that gives no deck is never counted as done."""

from __future__ import annotations

import shutil
from pathlib import Path

from flashdigest.pipeline import ExportOptions, export_inputs
from tests.conftest import SAMPLES

NOW = 1_700_000_000


def export(out: Path, *folders: Path) -> tuple[int, int, list[str]]:
    report = export_inputs(list(folders), ExportOptions(out_dir=out, now=NOW))
    assert not report.failures, report.failures
    return len(report.written), len(report.unchanged), report.notices


def test_a_skipped_input_is_exported_once_the_richer_file_is_gone(tmp_path: Path) -> None:
    rich, poor = tmp_path / "rich", tmp_path / "poor"
    rich.mkdir()
    poor.mkdir()
    for name in ("2026-01-15.txt", "2026-01-15.answers.yaml"):  # with its answers: richer
        shutil.copy(SAMPLES / name, rich / name)
    shutil.copy(SAMPLES / "2026-01-15.txt", poor / "2026-01-15.txt")  # the same day, no answers
    out = tmp_path / "out"
    written, _unchanged, notices = export(out, rich, poor)
    assert written == 1 and any("is as rich or richer" in line and "skipped" in line for line in notices)
    shutil.rmtree(rich)
    written, _unchanged, notices = export(out, poor)
    assert written == 1, notices  # the poorer file now gives the deck
    assert any("this one gives the deck" in line for line in notices), notices


def test_a_skipped_input_is_exported_when_the_other_becomes_poorer(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):  # the same day twice, as rich: the first one gives the deck
        folder.mkdir()
        for name in ("2026-01-15.txt", "2026-01-15.answers.yaml"):
            shutil.copy(SAMPLES / name, folder / name)
    out = tmp_path / "out"
    export(out, first, second)
    (first / "2026-01-15.answers.yaml").unlink()  # the first loses its answers; the second is unchanged
    _written, _unchanged, notices = export(out, first, second)
    assert any(line.startswith(str(second)) and "this one gives the deck" in line for line in notices), (
        notices
    )
