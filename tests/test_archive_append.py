"""An archive that grows by a day: a changed JSONL archive builds only the dates whose digest
changed, and every edit (a day appended, a row changed or inserted in the middle, the file cut
short) still gives the decks a cold export of the same file gives."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import flashdigest.cards
from flashdigest.pipeline import ExportOptions, ExportReport, export_inputs

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_750_000_000


def archive_rows(folder: Path, days: int, first_day: int = 0) -> list[str]:
    """The rows of ``days`` digests of the benchmark's corpus (3 papers each), one JSON text each."""
    command = [sys.executable, str(ROOT / "bench" / "corpus.py"), str(folder), "--days", str(days)]
    subprocess.run([*command, "--first-day", str(first_day)], check=True, capture_output=True)
    return (folder / "jsonl" / "summaries.jsonl").read_text(encoding="utf-8").splitlines()


def export(archive: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ExportReport, list[str]]:
    """Export ``archive`` into ``out``; the dates whose decks were built."""
    built: list[str] = []
    build_deck = flashdigest.cards.build_deck

    def counting(digest: Any, options: Any = None) -> Any:
        built.append(digest.date.isoformat())
        return build_deck(digest, options)

    monkeypatch.setattr(flashdigest.cards, "build_deck", counting)
    report = export_inputs([archive], ExportOptions(out_dir=out, now=NOW))
    monkeypatch.setattr(flashdigest.cards, "build_deck", build_deck)
    return report, built


def contents(report: ExportReport) -> dict[str, Any]:
    """Per deck of the run (written or unchanged): its notes (GUID, fields, tags) and media names."""
    decks: dict[str, Any] = {}
    for deck in sorted(report.decks()):
        with zipfile.ZipFile(deck) as package:
            connection = sqlite3.connect(":memory:")
            connection.deserialize(package.read("collection.anki2"))
            notes = sorted(connection.execute("SELECT guid, flds, tags FROM notes").fetchall())
            media = sorted(json.loads(package.read("media")).values())
        decks[deck.name] = (notes, media)
    return decks


def failures(report: ExportReport) -> list[str]:
    return [str(failure) for failure in report.failures]


def same_as_cold(archive: Path, tmp_path: Path, report: ExportReport, monkeypatch: Any) -> None:
    cold_out = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    cold, _ = export(archive, cold_out, monkeypatch)
    assert contents(report) == contents(cold) and len(contents(report)) >= 4
    assert failures(report) == failures(cold)


def test_a_day_appended_builds_that_day_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = archive_rows(tmp_path / "corpus", 6)
    archive = tmp_path / "in" / "summaries.jsonl"
    archive.parent.mkdir()
    archive.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    first, built = export(archive, out, monkeypatch)
    assert len(first.written) == 6 and len(built) == 6
    new_day = archive_rows(tmp_path / "corpus-more", 1, first_day=6)
    archive.write_text("\n".join(rows + new_day) + "\n", encoding="utf-8")
    report, built = export(archive, out, monkeypatch)
    assert built == ["2025-04-07"]
    assert [deck.path.name for deck in report.written] == ["2025-04-07.apkg"] and len(report.unchanged) == 6
    same_as_cold(archive, tmp_path, report, monkeypatch)


def test_a_changed_or_inserted_row_rebuilds_its_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = archive_rows(tmp_path / "corpus", 6)
    archive = tmp_path / "in" / "summaries.jsonl"
    archive.parent.mkdir()
    archive.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    export(archive, out, monkeypatch)
    changed = json.loads(rows[7])  # a paper of the third day
    changed["title"] += " (revised)"
    rows[7] = json.dumps(changed)
    archive.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report, built = export(archive, out, monkeypatch)
    assert built == [changed["date"]] and [deck.path.stem for deck in report.written] == [changed["date"]]
    same_as_cold(archive, tmp_path, report, monkeypatch)
    extra = json.loads(rows[1])  # a fourth paper of the first day, among the rows of the fifth
    extra["title"], extra["url"] = "Inserted later", "http://arxiv.org/pdf/2504.99999"
    rows.insert(13, json.dumps(extra))
    archive.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report, built = export(archive, out, monkeypatch)
    split = json.loads(rows[12])["date"]  # its rows now come in two places: a notice of its own
    assert built == [extra["date"], split]
    same_as_cold(archive, tmp_path, report, monkeypatch)
    (notes, _media) = contents(report)[f"{extra['date']}.apkg"]
    assert any(fields.startswith("Inserted later") for _guid, fields, _tags in notes)


def test_a_truncated_archive_gives_what_a_cold_export_of_it_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = archive_rows(tmp_path / "corpus", 5)
    archive = tmp_path / "in" / "summaries.jsonl"
    archive.parent.mkdir()
    archive.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    export(archive, out, monkeypatch)
    text = "\n".join(rows[:11]) + "\n" + rows[11][: len(rows[11]) // 2]  # cut in the middle of a line
    archive.write_text(text, encoding="utf-8")
    report, built = export(archive, out, monkeypatch)
    assert failures(report) and "cut off" in failures(report)[0]
    assert built == [json.loads(rows[9])["date"]]  # the date of the cut line lost a paper
    same_as_cold(archive, tmp_path, report, monkeypatch)
