"""What the state remembers of an archive's rows (flashdigest/parse/jsonl_memory.py) never gives a
deck other than a cold export's: duplicated rows, bad rows, undated rows, changed options or code,
a lost state, a deck deleted. Each run goes through the real pipeline into real decks; the lines
whose rows were decoded are counted."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import flashdigest.export.job
import flashdigest.stamps
from flashdigest.limits import LIMITS
from flashdigest.options import DeckOptions
from flashdigest.pipeline import ExportOptions
from flashdigest.state import STATE_DIR
from tests.test_archive_append import (
    NOW,
    archive_rows,
    contents,
    export_counting,
    failures,
    first_export,
    same_as_cold,
    write_rows,
)
from tests.test_parse_jsonl import row


def test_a_duplicated_row_gives_its_notices_and_its_line_numbers_stay_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    rows.insert(5, rows[4])  # the second day's second row twice: a paper repeated, kept once
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-02"] and sorted(decoded) == [4, 5, 6, 7]
    assert any(":6: paper repeats an earlier row of 2025-04-02" in notice for notice in report.notices)
    same_as_cold(archive, tmp_path, report, monkeypatch)
    rows += archive_rows(tmp_path / "corpus-more", 1, first_day=6)  # a day more: that day alone
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-07"] and decoded == [20, 21, 22]
    same_as_cold(archive, tmp_path, report, monkeypatch)
    # a row more on the first day moves the repeat to line 7: its notice (and digest) name a line
    first = json.loads(rows[0])
    first["title"], first["url"] = "Added", "http://arxiv.org/pdf/2504.99998"
    rows.insert(1, json.dumps(first))
    rows.append(rows[9])  # and a row of the third day again, at the end: its rows in two places
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-01", "2025-04-02", "2025-04-03"]
    assert sorted(decoded) == [*range(1, 12), 24]  # line 24 is known: its date's rows are read in their turn
    assert any(":7: paper repeats an earlier row of 2025-04-02" in notice for notice in report.notices)
    assert any("rows of 2025-04-03 come in 2 places (from lines 9, 24)" in n for n in report.notices)
    same_as_cold(archive, tmp_path, report, monkeypatch)


def test_a_bad_row_fails_alone_and_again_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    rows.insert(6, '{"title": "Broken", "date": "2025-04-03"')  # line 7, between two days
    rows += archive_rows(tmp_path / "corpus-more", 1, first_day=6)
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert [failure.line for failure in report.failures] == [7] and "not JSON" in failures(report)[0]
    assert built == ["2025-04-07"] and decoded == [7, 20, 21, 22]
    same_as_cold(archive, tmp_path, report, monkeypatch)
    rows += archive_rows(tmp_path / "corpus-later", 1, first_day=7)
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert [failure.line for failure in report.failures] == [7]  # reported again, never remembered
    assert built == ["2025-04-08"] and decoded == [7, 23, 24, 25]
    same_as_cold(archive, tmp_path, report, monkeypatch)


def test_undated_rows_are_read_again_since_a_paper_filed_earlier_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    paper = json.loads(rows[4])  # a second-day paper, now undated rows: filed under published_at
    paper["url"] = "http://arxiv.org/pdf/2504.99997"
    later = {key: value for key, value in paper.items() if key != "date"}
    later["published_at"] = "2025-04-05"  # the same paper on the fifth day: the earlier one keeps it
    earlier = {**later, "published_at": "2025-04-02"}
    rows += [json.dumps(later), json.dumps(earlier)]
    write_rows(archive, rows)
    report, _built, _decoded = export_counting(archive, out, monkeypatch)
    assert any(":19: undated row repeats a paper filed earlier" in notice for notice in report.notices)
    same_as_cold(archive, tmp_path, report, monkeypatch)
    write_rows(
        archive, rows[:-1]
    )  # the earlier row gone: the fifth day's rows are the same, its digest is not
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-02", "2025-04-05"] and 19 in decoded
    same_as_cold(archive, tmp_path, report, monkeypatch)
    (notes, _media) = contents(report)["2025-04-05.apkg"]
    assert any(fields.startswith(paper["title"]) for _guid, fields, _tags in notes)


def test_changed_options_or_code_read_and_build_every_date_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rows, archive, out = first_export(tmp_path, monkeypatch)
    tagged = ExportOptions(now=NOW, deck=DeckOptions(extra_tags=("mine",)))
    report, built, decoded = export_counting(archive, out, monkeypatch, tagged)
    assert len(built) == 6 and set(decoded) == set(range(1, 19)) and len(report.written) == 6
    assert all("mine" in tags for _guid, _fields, tags in contents(report)["2025-04-01.apkg"][0])
    monkeypatch.setattr(flashdigest.stamps, "code_version", lambda: "another flashdigest")
    monkeypatch.setattr(flashdigest.export.job, "code_version", lambda: "another flashdigest")
    report, built, decoded = export_counting(archive, out, monkeypatch, tagged)
    assert len(built) == 6 and set(decoded) == set(range(1, 19))


def test_a_lost_state_or_a_deleted_deck_reads_again_what_it_must(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    rows += archive_rows(tmp_path / "corpus-more", 1, first_day=6)
    write_rows(archive, rows)
    (out / "2025-04-03.apkg").unlink()  # the learner's doing: that date's rows are unchanged
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert built == ["2025-04-03", "2025-04-07"] and sorted(decoded) == [7, 8, 9, 19, 20, 21]
    same_as_cold(archive, tmp_path, report, monkeypatch, same_bytes=True)
    shutil.rmtree(out / STATE_DIR)
    rows += archive_rows(tmp_path / "corpus-later", 1, first_day=7)
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert len(built) == 8 and set(decoded) == set(range(1, 25))
    assert [deck.path.name for deck in report.written] == ["2025-04-08.apkg"]  # the others are as they were
    same_as_cold(archive, tmp_path, report, monkeypatch, same_bytes=True)
    report, built, decoded = export_counting(archive, out, monkeypatch)  # and it is remembered again
    assert built == [] and decoded == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda memory: memory.update(salt="another"),
        lambda memory: memory["dates"].update({"2025-04-02": ["key", "digest", "not hex", 0, 0]}),
        lambda memory: memory["dates"].update({"not a date": ["key", "digest", "", 0, 0]}),
        lambda memory: memory.update(dates=[]),
    ],
)
def test_a_damaged_archive_memory_reads_the_archive_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Callable[[dict[str, Any]], None]
) -> None:
    rows, archive, out = first_export(tmp_path, monkeypatch)
    index = out / STATE_DIR / "index.json"
    state = json.loads(index.read_text(encoding="utf-8"))
    (memory,) = state["archives"].values()
    damage(memory)
    index.write_text(json.dumps(state), encoding="utf-8")
    rows += archive_rows(tmp_path / "corpus-more", 1, first_day=6)
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert set(decoded) == set(range(1, 22)) and built == ["2025-04-07"]  # the others' digests are known
    assert not report.notices  # the state itself was fine: no "state lost"
    same_as_cold(archive, tmp_path, report, monkeypatch, same_bytes=True)


def test_rows_over_a_dates_limit_fail_alone_on_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = [json.dumps(row(f"Paper {number}")) for number in range(LIMITS.max_papers + 2)]  # 2025-06-03
    rows = [*full, *(json.dumps(row(f"Day {day}", date=f"2025-06-0{day}")) for day in (4, 5, 6))]
    archive = tmp_path / "in" / "summaries.jsonl"
    write_rows(archive, rows)
    out = tmp_path / "out"
    report, _built, _decoded = export_counting(archive, out, monkeypatch)
    over = [LIMITS.max_papers + 1, LIMITS.max_papers + 2]
    assert [failure.line for failure in report.failures] == over
    rows.append(json.dumps(row("Day 7", date="2025-06-07")))
    write_rows(archive, rows)
    report, built, decoded = export_counting(archive, out, monkeypatch)
    assert [failure.line for failure in report.failures] == over  # counted on the known rows too
    assert "already has" in failures(report)[0]
    assert built == ["2025-06-07"] and decoded == [*over, len(rows)]
    same_as_cold(archive, tmp_path, report, monkeypatch, same_bytes=True)


def test_a_digests_key_covers_its_flowcharts_though_its_repr_leaves_them_out() -> None:
    """The key that lets a date's deck stand unbuilt changes with any byte of a flowchart."""
    from dataclasses import replace

    from flashdigest.export.job import JobOptions, digest_key
    from flashdigest.parse import read_digests
    from tests.conftest import SAMPLES

    digest = next(read_digests(SAMPLES / "2025-05-02.html"))
    first = digest.papers[0]
    assert "<svg" in first.flowchart_svg and "<svg" not in repr(digest)
    redrawn = replace(
        digest, papers=(replace(first, flowchart_svg=first.flowchart_svg + " "), *digest.papers[1:])
    )
    options = JobOptions(Path("out"), 0)
    assert digest_key(redrawn, options) != digest_key(digest, options)
    assert digest_key(replace(digest), options) == digest_key(digest, options)
