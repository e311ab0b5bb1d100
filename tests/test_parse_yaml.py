"""Hand-written YAML digests: the samples, the schema, and a line and an expectation per mistake."""

from __future__ import annotations

import datetime as dt
import json
from html import unescape
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from flashdigest.cards.mcq import answer_of
from flashdigest.cli import main
from flashdigest.errors import ParseError
from flashdigest.limits import LIMITS
from flashdigest.model import PointKind
from flashdigest.parse import ParseOptions, detect_format, read_digests
from tests.anki_helpers import by_type, import_deck, imported_notes
from tests.conftest import SAMPLES

YAML_SAMPLES = sorted(SAMPLES.glob("*.yaml"))
DIGEST_SAMPLES = [path for path in YAML_SAMPLES if not path.name.endswith(".answers.yaml")]


def schema() -> dict[str, Any]:
    text = resources.files("flashdigest").joinpath("schema/digest.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def documents(path: Path) -> list[Any]:
    """The YAML documents of ``path`` as JSON would hold them (dates as strings)."""
    loaded = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    return list(json.loads(json.dumps(loaded, default=str)))


def test_schema_is_valid_and_shipped_in_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    pyproject = (SAMPLES.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schema/*.json"' in pyproject


@pytest.mark.parametrize("sample", DIGEST_SAMPLES, ids=lambda path: path.name)
def test_samples_validate_against_the_schema_and_parse(sample: Path) -> None:
    docs = documents(sample)
    assert docs
    for doc in docs:
        jsonschema.validate(doc, schema())
    digests = list(read_digests(sample))
    assert [digest.date.isoformat() for digest in digests] == [doc["date"] for doc in docs]
    for digest, doc in zip(digests, docs, strict=True):
        assert [paper.title for paper in digest.papers] == [paper["title"] for paper in doc["papers"]]


def test_schema_rejects_what_the_loader_rejects() -> None:
    bad = {
        "date": "2025-05-02",
        "papers": [{"title": "T", "questions": [{"question": "Q?", "options": ["a", "b"]}]}],
    }
    with pytest.raises(jsonschema.ValidationError, match="'answer' is a required property"):
        jsonschema.validate(bad, schema())


def test_hand_written_sample_exports_every_answer_form(tmp_path: Path, collection: Any) -> None:
    sample = SAMPLES / "hand-written.yaml"
    (doc,) = documents(sample)
    result = CliRunner().invoke(main, ["export", str(sample), "--out", str(tmp_path), "--cards", "all"])
    assert result.exit_code == 0, result.stderr
    assert "1 of 4 questions left out" in result.stderr
    import_deck(collection, tmp_path / f"{doc['date']}.apkg")
    notes = imported_notes(collection)
    expected = {}
    for paper in doc["papers"]:
        for question in paper["questions"]:
            answer = question["answer"]
            options = question["options"]
            if answer is None:
                continue
            if isinstance(answer, int):
                expected[question["question"]] = options[answer - 1]
            elif len(answer) == 1:
                expected[question["question"]] = options[ord(answer.upper()) - ord("A")]
            else:
                expected[question["question"]] = answer
    mcq = by_type(notes, "FlashDigest MCQ")
    assert {unescape(n.fields["Question"]): unescape(answer_of(n.fields["Answer"])) for n in mcq} == expected
    papers = {unescape(n.fields["Title"]): n for n in by_type(notes, "FlashDigest Paper")}
    first = doc["papers"][0]
    note = papers[first["title"]]
    assert note.fields["Link"] == first["link"]
    assert note.fields["Published"] == first["published"]
    assert note.decks == (f"Paper Digests::{doc['date']}",)
    for kind in PointKind:
        assert unescape(note.fields[kind.field_name]) == first["points"][kind.name.lower()]
    assert unescape(first["flowchart"]) in unescape(note.fields["Flowchart"])


def test_several_documents_give_several_decks(tmp_path: Path) -> None:
    sample = SAMPLES / "two-days.yaml"
    result = CliRunner().invoke(main, ["export", str(sample), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.stem for p in tmp_path.glob("*.apkg")) == [doc["date"] for doc in documents(sample)]


GOOD_PAPER = """\
date: 2025-05-02
papers:
  - title: A title
    points: {topic: A topic.}
"""

QUESTION = """\
    questions:
      - question: Which?
        options: [one, two, three]
"""

MISTAKES = [
    (GOOD_PAPER + QUESTION, 6, "paper 1 question 1 has no 'answer:'; expected a letter A-C, a number 1-3"),
    (GOOD_PAPER + QUESTION + "        answer: D\n", 8, "answer 'D' is not one of its 3 options"),
    (GOOD_PAPER + QUESTION + "        answer: 4\n", 8, "answer '4' is not one of its 3 options"),
    (GOOD_PAPER + QUESTION + "        answer: four\n", 8, "answer 'four' is not one of its 3 options"),
    ("date: 14.04.2025\npapers: []\n", 1, "date: '14.04.2025' is not a date; expected YYYY-MM-DD"),
    ("date: 2025-02-30\npapers: []\n", 1, "'2025-02-30' is not a date"),
    (GOOD_PAPER + "    published: last week\n", 5, "paper 1: published: 'last week' is not a date"),
    ("papers: []\n", 1, "the digest has no 'date:'"),
    (GOOD_PAPER + "    titel: typo\n", 5, "paper 1: unknown key 'titel'; expected one of title, link"),
    (
        "date: 2025-05-02\npapers:\n  - title: Seaweed-7B: Cost-Effective\n",
        3,
        "put a value that contains ': ' in quotes",
    ),
    (
        GOOD_PAPER + "    questions:\n      - question: Q?\n        options: [only]\n        answer: A\n",
        6,
        "expected at least 2",
    ),
    (GOOD_PAPER.replace("points: {topic: A topic.}", "points: {summary: x}"), 4, "unknown key 'summary'"),
    ("date: 2025-05-02\npapers:\n  - points: {topic: x}\n", 3, "paper 1 has no 'title:'"),
    ("date: 2025-05-02\npapers: {title: x}\n", 2, "papers: expected a list"),
    ("- date: 2025-05-02\n", 1, "a digest: expected a mapping with keys date, papers"),
    ("date: &d 2025-05-02\npapers:\n  - title: *d\n", 1, "anchors and aliases"),
    ("date: 2025-05-02\ndate: 2025-05-03\npapers: []\n", 2, "'date' is given twice"),
    (
        "date: 2025-05-02\npapers:\n" + "  - title: t\n" * (LIMITS.max_papers + 1),
        3,
        f"at most {LIMITS.max_papers} are allowed",
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), MISTAKES, ids=[m[2][:40] for m in MISTAKES])
def test_each_mistake_names_its_line_and_what_was_expected(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    path = tmp_path / "digest.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        list(read_digests(path))
    assert caught.value.line == line, caught.value
    assert reason in caught.value.reason


def test_a_bad_yaml_digest_fails_alone_with_one_line_and_no_deck(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_PAPER + QUESTION + "        answer: Z\n", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_PAPER.replace("2025-05-02", "2025-05-03"), encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(bad), str(good), "--out", str(tmp_path / "out")])
    assert result.exit_code == 65
    assert result.stderr.splitlines() == [
        f"flashdigest: error: {bad}:8: paper 1 question 1: answer 'Z' is not one of its 3 options; "
        "expected a letter A-C, a number 1-3 or an option's text"
    ]
    assert [p.name for p in (tmp_path / "out").glob("*.apkg")] == ["2025-05-03.apkg"]


def test_unknown_answer_is_kept_out_and_python_tags_are_never_constructed(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        GOOD_PAPER.replace("A title", "!!python/object/apply:os.system [echo pwned]")
        + QUESTION
        + "        answer: ~\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match="expected text"):
        list(read_digests(path))
    path.write_text(GOOD_PAPER + QUESTION + "        answer: ~\n", encoding="utf-8")
    (digest,) = read_digests(path)
    assert digest.papers[0].questions[0].answer is None


def test_oversized_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(GOOD_PAPER, encoding="utf-8")
    with path.open("r+b") as handle:  # a sparse file: big on stat, nothing written
        handle.truncate(LIMITS.max_input_bytes + 1)
    with pytest.raises(ParseError, match="over the"):
        list(read_digests(path, ParseOptions(format="yaml")))


def test_detection_reads_yaml_by_content_and_answer_keys_are_never_digests(tmp_path: Path) -> None:
    disguised = tmp_path / "digest.txt"
    disguised.write_text("# my notes\n" + GOOD_PAPER, encoding="utf-8")
    assert detect_format(disguised.read_text(), disguised) == "yaml"
    assert [d.date for d in read_digests(disguised)] == [dt.date(2025, 5, 2)]
    assert [d.format for d in read_digests(disguised, ParseOptions(format="yaml"))] == ["yaml"]
    key = tmp_path / "digest.answers.yaml"
    key.write_text("1: [A]\n", encoding="utf-8")
    with pytest.raises(ParseError, match="an answer key, not a digest"):
        list(read_digests(key))
