"""The generator's JSON-lines archive: one deck per date, bad lines named, memory that stays flat."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
import zlib
from collections.abc import Sequence
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flashdigest.cards.mcq import answer_of
from flashdigest.cli import main
from flashdigest.errors import LineErrors
from flashdigest.limits import LIMITS
from flashdigest.model import Digest, PointKind
from flashdigest.parse import ParseOptions, detect_format, read_digests
from flashdigest.parse.jsonl import parse_jsonl
from flashdigest.parse.jsonl_row import markdown_points
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import FULL_SET, by_type, import_deck, imported_notes
from tests.conftest import SAMPLES


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def answered_questions(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(title, question) -> the text of the right option, for every question with an answer."""
    found = {}
    for row in rows:
        for question in (row.get("questions") or {}).values():
            if question.get("answer"):
                found[(row["title"], question["question"])] = question[question["answer"]]
    return found


def row(title: str, date: str | None = "2025-06-03", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": title,
        "published_at": "2025-06-02",
        "url": f"http://arxiv.org/pdf/2506.{zlib.crc32(title.encode()) % 90000 + 10000}",
        "content": "1. **📘 Topic and Domain:** A topic.\n\n2. **💡 Previous Research and New Ideas:** Prior",
    }
    if date:
        data["date"] = date
    data.update(extra)
    return data


def write_jsonl(path: Path, lines: Sequence[object]) -> Path:
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
        ),
        encoding="utf-8",
    )
    return path


def test_shared_sample_exports_one_deck_per_date_with_every_answered_question(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    source = shared_digests / "summaries-sample.jsonl"
    rows = rows_of(source)
    report = export_inputs([source], ExportOptions(out_dir=tmp_path, deck=FULL_SET))
    assert report.failures == []
    dates = {row.get("date") or row["published_at"] for row in rows}
    assert sorted(deck.date.isoformat() for deck in report.written) == sorted(dates)
    for deck in report.written:
        import_deck(collection, deck.path)
    notes = imported_notes(collection)
    mcq = {
        (unescape(n.fields["Paper"]), unescape(n.fields["Question"])): unescape(answer_of(n.fields["Answer"]))
        for n in by_type(notes, "FlashDigest MCQ")
    }
    assert mcq == answered_questions(rows)
    papers = {unescape(n.fields["Title"]): n for n in by_type(notes, "FlashDigest Paper")}
    assert set(papers) == {row["title"] for row in rows}
    for source_row in rows:
        note = papers[source_row["title"]]
        assert note.decks == (f"Paper Digests::{source_row.get('date') or source_row['published_at']}",)
        assert note.fields["Link"] == source_row["url"]
        assert note.fields["Published"] == source_row["published_at"]
        assert note.fields["Topic"] and unescape(note.fields["Topic"]) in source_row["content"]
        assert "**" not in note.fields["Results"] and "📊" not in note.fields["Results"]
        assert bool(note.fields["Flowchart"]) == bool(source_row.get("flow_chart"))


def test_undated_rows_are_filed_under_their_published_date_with_a_notice(shared_digests: Path) -> None:
    source = shared_digests / "summaries-sample.jsonl"
    undated = [row for row in rows_of(source) if "date" not in row]
    assert undated, "the sample is meant to hold undated rows"
    digests = {digest.date: digest for digest in read_digests(source)}
    for undated_row in undated:
        digest = digests[dt.date.fromisoformat(undated_row["published_at"])]
        assert undated_row["title"] in [paper.title for paper in digest.papers]
        assert any("without a digest 'date'" in notice for notice in digest.notices)


def test_old_rows_preamble_is_not_a_point_and_labels_are_stripped() -> None:
    content = (
        "Here's an analysis of the paper based on your requested format:\n\n"
        "1.  **Topic and Domain:** Vision models.\n\n"
        "2.  **💡 Previous Research and New Ideas:** Builds on\nearlier work.\n\n"
        "3.  **❓ Problem:** Scarce data.\n\n4. **🛠️ Methods:** GRPO.\n\n"
        "5. **📊 Results and Evaluation:** Better **few-shot** accuracy.\n\nAn epilogue, not a point."
    )
    assert markdown_points(content) == {
        PointKind.TOPIC: "Vision models.",
        PointKind.PRIOR_WORK: "Builds on earlier work.",
        PointKind.PROBLEM: "Scarce data.",
        PointKind.METHODS: "GRPO.",
        PointKind.RESULTS: "Better few-shot accuracy.",
    }


def test_a_date_that_reappears_later_and_repeated_undated_papers_give_one_digest_each() -> None:
    digests = list(read_digests(SAMPLES / "archive.jsonl"))
    dates = [digest.date for digest in digests]
    assert len(dates) == len(set(dates))
    by_date = {digest.date: digest for digest in digests}
    late = next(row for row in rows_of(SAMPLES / "archive.jsonl") if row["title"].startswith("Late Arrival"))
    assert late["title"] in [p.title for p in by_date[dt.date.fromisoformat(late["date"])].papers]
    lantern = [p for d in digests for p in d.papers if p.title.startswith("Lantern")]
    assert len(lantern) == 1
    assert [p.number for p in by_date[dt.date.fromisoformat(late["date"])].papers] == [1, 2, 3]
    assert any(
        "come in 2 places" in notice for notice in by_date[dt.date.fromisoformat(late["date"])].notices
    )


def test_bad_lines_are_named_one_per_stderr_line_and_the_other_dates_export(
    tmp_path: Path, collection: Any
) -> None:
    archive = write_jsonl(
        tmp_path / "summaries.jsonl",
        [
            row(
                "Good One",
                questions={
                    "question1": {"question": "Q?", "option1": "a", "option2": "b", "answer": "option2"}
                },
            ),
            "{not json",
            ["an", "array"],
            row("Wrong Title Type") | {"title": 7},
            row(
                "Bad Answer",
                questions={
                    "question1": {"question": "Q?", "option1": "a", "option2": "b", "answer": "option3"}
                },
            ),
            row("Bad Date", date="03/06/2025"),
            "",
            row("Good Two", date="2025-06-04"),
        ],
    )
    result = CliRunner().invoke(main, ["export", str(archive), "--out", str(tmp_path / "out")])
    assert result.exit_code == 65
    errors = result.stderr.splitlines()
    assert [line.removeprefix("flashdigest: error: ").split(": ")[0] for line in errors] == [
        f"{archive}:{n}" for n in (2, 3, 4, 5, 6)
    ]
    assert "not JSON" in errors[0]
    assert "expected a JSON object" in errors[1]
    assert "field 'title' must be a string, found a number" in errors[2]
    assert "'option3' is not one of its 2 options" in errors[3]
    assert "'03/06/2025', not a date YYYY-MM-DD" in errors[4]
    assert "Traceback" not in result.output
    decks = sorted((tmp_path / "out").glob("*.apkg"))
    assert [deck.name for deck in decks] == ["2025-06-03.apkg", "2025-06-04.apkg"]
    for deck in decks:
        import_deck(collection, deck)
    notes = imported_notes(collection)
    assert sorted(n.fields["Title"] for n in by_type(notes, "FlashDigest Paper")) == ["Good One", "Good Two"]
    assert [answer_of(n.fields["Answer"]) for n in by_type(notes, "FlashDigest MCQ")] == ["b"]


def test_many_bad_lines_are_summed_up_after_the_first_fifty(tmp_path: Path) -> None:
    archive = write_jsonl(tmp_path / "a.jsonl", [row("Good")] + ["oops"] * 80)
    with pytest.raises(LineErrors) as caught:
        list(parse_jsonl(archive))
    errors = caught.value.errors
    assert len(errors) == 51
    assert errors[0].line == 2 and errors[49].line == 51
    assert errors[-1].line is None and "30 more bad line(s)" in errors[-1].reason


def test_memory_does_not_grow_with_the_number_of_rows(tmp_path: Path) -> None:
    """Reading a 6000-row archive must not hold it: peak memory stays near one date's rows."""
    padding = "x" * 4000
    lines = []
    for index in range(6000):
        date = dt.date(2020, 1, 1) + dt.timedelta(days=index // 5)
        lines.append(row(f"Paper {index}", date=date.isoformat(), flow_chart=f"<svg>{padding}</svg>"))
    archive = write_jsonl(tmp_path / "big.jsonl", lines)
    assert archive.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_jsonl(archive))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1200
    assert peak < 2_000_000, f"peak {peak} bytes while reading a {archive.stat().st_size}-byte archive"


def test_detection_goes_by_content_and_format_overrides(tmp_path: Path) -> None:
    disguised = write_jsonl(tmp_path / "archive.txt", [row("Disguised")])
    assert detect_format(disguised.read_text(), disguised) == "jsonl"
    assert [d.papers[0].title for d in read_digests(disguised)] == ["Disguised"]
    text_digest = tmp_path / "digest.jsonl"
    text_digest.write_text("2025-06-01 Papers\nPaper 1\nA title\n1. Topic and Domain: t\n", encoding="utf-8")
    assert [d.format for d in read_digests(text_digest)] == ["text"]
    with pytest.raises(LineErrors) as caught:
        list(read_digests(text_digest, ParseOptions(format="jsonl")))
    assert [error.line for error in caught.value.errors] == [1, 2, 3, 4]


def test_rows_are_held_to_the_yaml_caps_so_inspect_output_reads_back(tmp_path: Path) -> None:
    lines: list[object] = [row(f"Paper {index}") for index in range(LIMITS.max_papers + 2)]
    lines.append(
        row(
            "Empty Option",
            date="2025-06-04",
            questions={"question1": {"question": "Q?", "option1": "a", "option2": " "}},
        )
    )
    lines.append(
        row("Huge", date="2025-06-04", flow_chart="<svg>" + "x" * LIMITS.max_flowchart_chars + "</svg>")
    )
    archive = write_jsonl(tmp_path / "a.jsonl", lines)
    digests: list[Digest] = []
    with pytest.raises(LineErrors) as caught:
        for digest in parse_jsonl(archive):
            digests.append(digest)
    assert [len(digest.papers) for digest in digests] == [LIMITS.max_papers]
    errors = caught.value.errors
    assert [error.line for error in errors] == [
        LIMITS.max_papers + 1,
        LIMITS.max_papers + 2,
        LIMITS.max_papers + 3,
        LIMITS.max_papers + 4,
    ]
    assert f"already has {LIMITS.max_papers} rows" in errors[0].reason
    assert "questions.question1.option2 is empty" in errors[2].reason
    assert f"at most {LIMITS.max_flowchart_chars} are allowed" in errors[3].reason


def test_a_last_line_cut_off_mid_write_is_named_as_such(tmp_path: Path) -> None:
    archive = write_jsonl(tmp_path / "a.jsonl", [row("Whole")])
    with archive.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row("Cut", date="2025-06-04"))[:40])
    digests: list[Digest] = []
    with pytest.raises(LineErrors) as caught:
        digests.extend(parse_jsonl(archive))
    assert [d.papers[0].title for d in digests] == ["Whole"]
    (error,) = caught.value.errors
    assert error.line == 2 and "still being written" in error.reason
    archive.write_text(json.dumps(row("No Newline")), encoding="utf-8")
    assert [d.papers[0].title for d in parse_jsonl(archive)] == ["No Newline"]


def test_lone_surrogate_escapes_are_replaced_with_a_notice_and_pairs_kept(tmp_path: Path) -> None:
    archive = tmp_path / "s.jsonl"
    row = {"published_at": "2025-03-03", "content": "1. **Topic and Domain:** ok", "date": "2025-03-04"}
    lines = [
        json.dumps({**row, "title": "Lone ", "url": "http://arxiv.org/abs/2503.00001"})[:-1].replace(
            '"Lone "', '"Lone \\ud800 here"'
        )
        + "}",
        json.dumps({**row, "title": "Pair \U0001f600", "url": "http://arxiv.org/abs/2503.00002"}),
    ]
    archive.write_text("\n".join(lines) + "\n")
    (digest,) = parse_jsonl(archive)
    assert [p.title for p in digest.papers] == ["Lone \ufffd here", "Pair \U0001f600"]
    replaced = [n for n in digest.notices if "surrogate" in n]
    assert replaced == [f"{archive}:1: lone UTF-16 surrogate escapes (\\udXXX) replaced with U+FFFD"]
