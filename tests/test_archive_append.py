"""An archive that grows by a day: a changed JSONL archive decodes only the rows it does not know
and the dates whose rows changed, builds only the dates whose digest changed, and every edit (a
day appended, a row changed, inserted or removed in the middle, the file cut short) still gives
the decks a cold export of the same file gives. More edits: tests/test_archive_memory.py."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import flashdigest.cards
import flashdigest.stamps
from flashdigest.parse import jsonl_lines
from flashdigest.pipeline import ExportOptions, ExportReport, export_inputs
from flashdigest.state import file_sha256

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_750_000_000


def archive_rows(folder: Path, days: int, first_day: int = 0) -> list[str]:
    """The rows of ``days`` digests of the benchmark's corpus (3 papers each), one JSON text each."""
    command = [sys.executable, str(ROOT / "bench" / "corpus.py"), str(folder), "--days", str(days)]
    subprocess.run([*command, "--first-day", str(first_day)], check=True, capture_output=True)
    return (folder / "jsonl" / "summaries.jsonl").read_text(encoding="utf-8").splitlines()


def export(
    archive: Path, out: Path, monkeypatch: pytest.MonkeyPatch, options: ExportOptions | None = None
) -> tuple[ExportReport, list[str]]:
    """Export ``archive`` into ``out``; the dates whose decks were built."""
    report, built, _decoded = export_counting(archive, out, monkeypatch, options)
    return report, built


def export_counting(
    archive: Path, out: Path, monkeypatch: pytest.MonkeyPatch, options: ExportOptions | None = None
) -> tuple[ExportReport, list[str], list[int]]:
    """Export ``archive`` into ``out``; the dates whose decks were built, the lines whose rows
    were decoded (JSON and all), in the order they were."""
    built: list[str] = []
    decoded: list[int] = []
    build_deck = flashdigest.cards.build_deck
    decode_row = jsonl_lines.decode_row

    def counting(digest: Any, options: Any = None) -> Any:
        built.append(digest.date.isoformat())
        return build_deck(digest, options)

    def decoding(raw: bytes | None, path: Path, line: int) -> Any:
        decoded.append(line)
        return decode_row(raw, path, line)

    monkeypatch.setattr(flashdigest.cards, "build_deck", counting)
    # every date built in this process, where it is counted (tests/test_parallel.py: the same
    # archive's decks made on every core are the same)
    monkeypatch.setenv("FLASHDIGEST_WORKERS", "1")
    monkeypatch.setattr(jsonl_lines, "decode_row", decoding)
    options = options or ExportOptions(now=NOW)
    report = export_inputs([archive], dataclasses.replace(options, out_dir=out))
    monkeypatch.setattr(flashdigest.cards, "build_deck", build_deck)
    monkeypatch.setattr(jsonl_lines, "decode_row", decode_row)
    return report, built, decoded


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


def same_as_cold(
    archive: Path, tmp_path: Path, report: ExportReport, monkeypatch: Any, same_bytes: bool = False
) -> None:
    """The run's decks hold what a cold export of ``archive`` gives (the same notes and media; with
    ``same_bytes``, the same files: no note of them changed, so the same modification times), with
    the same failures."""
    cold_out = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    cold, _ = export(archive, cold_out, monkeypatch)
    assert contents(report) == contents(cold) and len(contents(report)) >= 4
    if same_bytes:
        assert {deck.name: deck.read_bytes() for deck in report.decks()} == {
            deck.name: deck.read_bytes() for deck in cold.decks()
        }
    assert failures(report) == failures(cold)


def write_rows(archive: Path, rows: list[str]) -> None:
    archive.parent.mkdir(exist_ok=True)
    archive.write_text("\n".join(rows) + "\n", encoding="utf-8")


def lines_of(rows: list[str], date: str) -> list[int]:
    """The line numbers of the rows of ``date``."""
    return [number for number, text in enumerate(rows, 1) if json.loads(text).get("date") == date]


def first_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: int = 6
) -> tuple[list[str], Path, Path]:
    """A corpus archive of ``days`` days exported once (every row read): its rows, the archive, the output."""
    rows = archive_rows(tmp_path / "corpus", days)
    archive = tmp_path / "in" / "summaries.jsonl"
    write_rows(archive, rows)
    out = tmp_path / "out"
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert len(report.written) == days and len(built) == days and set(decoded) == set(range(1, len(rows) + 1))
    return rows, archive, out


def test_a_day_appended_decodes_and_builds_that_day_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    new_day = archive_rows(tmp_path / "corpus-more", 1, first_day=6)
    write_rows(archive, rows + new_day)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-07"] and decoded == [19, 20, 21]  # its rows, each once
    assert [deck.path.name for deck in report.written] == ["2025-04-07.apkg"] and len(report.unchanged) == 6
    same_as_cold(archive, tmp_path, report, monkeypatch, same_bytes=True)
    report, built, decoded = export_counting(archive, out, monkeypatch)  # nothing changed: nothing read
    assert built == [] and decoded == [] and report.written == [] and len(report.unchanged) == 7


def test_a_changed_or_inserted_row_rebuilds_its_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    changed = json.loads(rows[7])  # a paper of the third day
    changed["title"] += " (revised)"
    rows[7] = json.dumps(changed)
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == [changed["date"]] and [deck.path.stem for deck in report.written] == [changed["date"]]
    assert decoded == [8, 7, 9]  # the changed row to find its date, then the rest of its date's
    same_as_cold(archive, tmp_path, report, monkeypatch)
    extra = json.loads(rows[1])  # a fourth paper of the first day, among the rows of the fifth
    extra["title"], extra["url"] = "Inserted later", "http://arxiv.org/pdf/2504.99999"
    rows.insert(13, json.dumps(extra))
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    split = json.loads(rows[12])["date"]  # its rows now come in two places: a notice of its own
    assert built == [extra["date"], split]
    # the sixth day's rows moved down a line: not decoded (its digest names no line)
    assert sorted(decoded) == [1, 2, 3, 13, 14, 15, 16] and len(set(decoded)) == len(decoded)
    same_as_cold(archive, tmp_path, report, monkeypatch)
    (notes, _media) = contents(report)[f"{extra['date']}.apkg"]
    assert any(fields.startswith("Inserted later") for _guid, fields, _tags in notes)


def test_a_removed_row_rebuilds_its_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    removed = json.loads(rows.pop(4))  # the second paper of the second day
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == [removed["date"]] and decoded == [4, 5]
    same_as_cold(archive, tmp_path, report, monkeypatch)
    (notes, _media) = contents(report)[f"{removed['date']}.apkg"]
    assert not any(fields.startswith(removed["title"]) for _guid, fields, _tags in notes)


def test_a_truncated_archive_gives_what_a_cold_export_of_it_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch, days=5)
    text = "\n".join(rows[:11]) + "\n" + rows[11][: len(rows[11]) // 2]  # cut in the middle of a line
    archive.write_text(text, encoding="utf-8")
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert failures(report) and "cut off" in failures(report)[0] and ":12:" in failures(report)[0]
    assert built == [json.loads(rows[9])["date"]]  # the date of the cut line lost a paper
    assert decoded == [12, 10, 11]
    same_as_cold(archive, tmp_path, report, monkeypatch)


def test_an_archive_is_never_hashed_whole_and_a_touch_alone_rebuilds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the state keeps of an archive's rows stands for its fingerprint: a day appended reads
    the archive once (its rows hashed, not the file again); touched, not changed, its rows tell
    every date unchanged and nothing is built or written."""
    hashed: list[Path] = []

    def hashing(path: Path) -> str:
        hashed.append(path)
        return file_sha256(path)

    monkeypatch.setattr(flashdigest.stamps, "file_sha256", hashing)
    rows, archive, out = first_export(tmp_path, monkeypatch)
    write_rows(archive, rows + archive_rows(tmp_path / "corpus-more", 1, first_day=6))
    report, built, _decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-07"] and len(report.written) == 1
    os.utime(archive, ns=(archive.stat().st_atime_ns, archive.stat().st_mtime_ns + 10**9))
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == [] and decoded == [] and report.written == [] and len(report.unchanged) == 7
    assert archive not in hashed
