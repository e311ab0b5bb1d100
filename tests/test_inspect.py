"""``flashdigest inspect``: YAML (or JSON) of what the parser found, and the round trip
inspect -> YAML -> export that must give the same notes, fields, GUIDs and media as the source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from flashdigest.cli import main
from flashdigest.parse import detect_format, read_digests, read_head
from flashdigest.verify import throwaway_collection
from tests.anki_helpers import import_deck, imported_notes
from tests.conftest import SAMPLES


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def exported(tmp_path: Path, name: str, *args: str) -> tuple[list[tuple[Any, ...]], dict[str, bytes]]:
    """Export, import every deck into a fresh real Anki collection; its notes and media files."""
    out = tmp_path / name
    code, _, err = run("export", *args, "--out", str(out))
    assert code == 0, err
    decks = sorted(out.glob("*.apkg"))
    with throwaway_collection() as collection:
        for deck in decks:
            import_deck(collection, deck)
        notes = sorted(
            (note.notetype, note.guid, tuple(note.fields.items()), note.tags, note.decks, note.cards)
            for note in imported_notes(collection)
        )
        media_dir = Path(collection.media.dir())
        media = {path.name: path.read_bytes() for path in media_dir.iterdir() if path.is_file()}
    return notes, media


def inspected(tmp_path: Path, *args: str) -> Path:
    code, out, err = run("inspect", *args)
    assert code == 0, err
    path = tmp_path / "inspected.yaml"
    path.write_text(out, encoding="utf-8")
    return path


def assert_round_trip(tmp_path: Path, source: Path, *options: str) -> None:
    original = exported(tmp_path, "original", str(source), *options)
    assert original[0], "the source must give notes, or the round trip proves nothing"
    again = exported(tmp_path, "again", str(inspected(tmp_path, str(source), *options)))
    assert again == original


def test_round_trip_text_with_answer_key(tmp_path: Path) -> None:
    assert_round_trip(tmp_path, SAMPLES / "2026-01-15.txt")


def test_round_trip_shared_text(shared_digests: Path, tmp_path: Path) -> None:
    assert_round_trip(tmp_path, next(shared_digests.glob("*.txt")))


@pytest.mark.parametrize("page", ["2025-03-20.html", "2025-04-14.html", "2026-04-10.html", "2026-08-21.html"])
def test_round_trip_shared_html(shared_digests: Path, tmp_path: Path, page: str) -> None:
    assert_round_trip(tmp_path, shared_digests / "html" / page)


def test_round_trip_html_in_the_other_language(shared_digests: Path, tmp_path: Path) -> None:
    assert_round_trip(tmp_path, shared_digests / "html" / "2026-08-21.html", "--lang", "zh")


def test_round_trip_shared_jsonl_with_flowchart_media(shared_digests: Path, tmp_path: Path) -> None:
    source = shared_digests / "summaries-sample.jsonl"
    assert_round_trip(tmp_path, source)
    _, media = exported(tmp_path, "media", str(source))
    assert media, "the sample's flowchart SVGs must reach the deck as media"


def test_round_trip_sample_jsonl(tmp_path: Path) -> None:
    assert_round_trip(tmp_path, SAMPLES / "archive.jsonl")


@pytest.mark.parametrize("sample", ["hand-written.yaml", "two-days.yaml"])
def test_round_trip_yaml(tmp_path: Path, sample: str) -> None:
    assert_round_trip(tmp_path, SAMPLES / sample)


def test_inspect_prints_one_yaml_document_per_date_with_notices_as_comments(shared_digests: Path) -> None:
    source = shared_digests / "summaries-sample.jsonl"
    code, out, _ = run("inspect", str(source))
    assert code == 0
    documents = [doc for doc in yaml.safe_load_all(out) if doc is not None]
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    assert [str(doc["date"]) for doc in documents] == sorted(
        {r.get("date") or r["published_at"] for r in rows}
    )
    assert "# notice: " in out and "without a digest 'date'" in out
    assert out.startswith("# yaml-language-server: $schema=")


def test_json_gives_the_same_data_as_yaml(shared_digests: Path) -> None:
    source = shared_digests / "html" / "2025-04-14.html"
    _, out_yaml, _ = run("inspect", str(source))
    code, out_json, _ = run("inspect", "--json", str(source))
    assert code == 0
    from_yaml = json.loads(json.dumps([d for d in yaml.safe_load_all(out_yaml) if d], default=str))
    assert json.loads(out_json) == from_yaml
    answers = [q["answer"] for paper in from_yaml[0]["papers"] for q in paper.get("questions", [])]
    assert answers and all(answer in ("A", "B", "C", "D") for answer in answers)


def test_a_bad_jsonl_line_is_named_and_the_rest_is_still_printed(tmp_path: Path) -> None:
    good = {
        "title": "Kept",
        "url": "http://arxiv.org/abs/2506.00001",
        "date": "2025-06-03",
        "content": "1. x",
    }
    archive = tmp_path / "a.jsonl"
    archive.write_text(json.dumps(good) + "\n[1, 2]\n", encoding="utf-8")
    code, out, err = run("inspect", str(archive))
    assert code == 65
    assert err.splitlines() == [
        f"flashdigest: error: {archive}:2: expected a JSON object (one paper), found an array"
    ]
    (document,) = [doc for doc in yaml.safe_load_all(out) if doc is not None]
    assert [paper["title"] for paper in document["papers"]] == ["Kept"]


def test_a_directory_reads_answer_keys_beside_their_digest_never_as_digests(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    for name in ("2026-01-15.txt", "2026-01-15.answers.yaml"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    code, out, err = run("inspect", str(folder))
    assert code == 0, err
    (document,) = [doc for doc in yaml.safe_load_all(out) if doc is not None]
    key = yaml.safe_load((SAMPLES / "2026-01-15.answers.yaml").read_text(encoding="utf-8"))
    answered = [[q["answer"] is not None for q in paper["questions"]] for paper in document["papers"]]
    assert answered[0] == [value is not None for value in key[1]]


@pytest.mark.parametrize(
    ("source", "disguise", "expected"),
    [
        (SAMPLES / "2025-05-02.html", "page.txt", "html"),
        (SAMPLES / "archive.jsonl", "archive.txt", "jsonl"),
        (SAMPLES / "hand-written.yaml", "notes.txt", "yaml"),
        (SAMPLES / "2026-01-15.txt", "digest.yaml", "text"),
        (SAMPLES / "2026-01-15.txt", "digest.html", "text"),
    ],
)
def test_format_is_detected_from_content_not_suffix(
    tmp_path: Path, source: Path, disguise: str, expected: str
) -> None:
    disguised = tmp_path / disguise
    disguised.write_bytes(source.read_bytes())
    key = source.with_name(source.stem + ".answers.yaml")
    if key.is_file():
        disguised.with_name(disguised.stem + ".answers.yaml").write_bytes(key.read_bytes())
    assert detect_format(read_head(disguised), disguised) == expected
    assert {digest.format for digest in read_digests(disguised)} == {expected}
    assert exported(tmp_path, "disguised", str(disguised))[0] == exported(tmp_path, "plain", str(source))[0]


def test_format_option_overrides_detection(tmp_path: Path) -> None:
    code, _, err = run("inspect", "--format", "yaml", str(SAMPLES / "2026-01-15.txt"))
    assert code == 65
    assert err.startswith(f"flashdigest: error: {SAMPLES / '2026-01-15.txt'}:")
