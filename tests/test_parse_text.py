from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flashdigest.errors import ParseError
from flashdigest.model import Digest, PointKind
from flashdigest.parse import ParseOptions, read_digests
from flashdigest.parse.source import decode_source
from flashdigest.parse.text import parse_text
from tests.conftest import DATA, SAMPLES
from tests.golden import assert_matches_golden


def parse(text: str, name: str = "digest.txt") -> Digest:
    return parse_text(decode_source(text.encode("utf-8"), Path(name)))


def minimal_paper(number: int = 1, title: str = "A Title", questions: str = "") -> str:
    return (
        f"Paper {number}\n{title}\nPublished: 2025-04-11\nLink: http://arxiv.org/pdf/2504.0868{number}\n"
        "1. 📘 Topic and Domain: topic text\n2. 💡 Previous Research and New Ideas: prior text\n"
        "3. ❓ Problem: problem text\n4. 🛠️ Methods: methods text\n"
        "5. 📊 Results and Evaluation: results text\n"
        f"{title}\nFlow text\n{questions}"
    )


def test_sample_matches_golden_file() -> None:
    (digest,) = read_digests(SAMPLES / "2026-01-15.txt")
    assert_matches_golden(digest, DATA / "text" / "2026-01-15.expected.yaml")


def test_shared_digest_structure(shared_digests: Path) -> None:
    (digest,) = read_digests(shared_digests / "000_0e9ee186ca297bc0.txt", ParseOptions(format="text"))
    assert digest.date == dt.date(2025, 4, 14)
    assert [p.number for p in digest.papers] == [1, 2, 3]
    assert digest.papers[0].title.startswith("Seaweed-7B: Cost-Effective Training")
    assert digest.papers[2].title.startswith("GigaTok: Scaling Visual Tokenizers")
    for paper in digest.papers:
        assert set(paper.points) == set(PointKind)
        assert paper.arxiv_id and paper.published
        assert [q.number for q in paper.questions] == [1, 2, 3]
        assert all(len(q.options) == 3 and q.answer is None for q in paper.questions)
        assert paper.flowchart_text and paper.flowchart_text != paper.title
    assert digest.papers[0].points[PointKind.PROBLEM].startswith("The paper addresses the excessive")
    assert digest.papers[1].questions[1].options[2] == "Optimizing only the last 5 layers (deep layers)"


def test_titles_that_look_like_structure_stay_titles() -> None:
    text = "2025-01-02 Papers\n" + minimal_paper(1, "Paper 2: Q1 of What?") + minimal_paper(2, "Q1")
    digest = parse(text)
    assert [p.title for p in digest.papers] == ["Paper 2: Q1 of What?", "Q1"]
    assert all(len(p.points) == 5 for p in digest.papers)


def test_old_paper_heading_and_label_without_space() -> None:
    text = "2025-03-20 Papers\nPaper: 1\nT\n1. Topic and Domain:no space here\n"
    (paper,) = parse(text).papers
    assert paper.points == {PointKind.TOPIC: "no space here"}


def test_page_counter_inside_options_is_an_option_but_between_papers_is_furniture() -> None:
    q = "Q1\n1. Which fraction?\n1/2\n1/3\n"
    text = "2025-01-02 Papers\n1/2\n" + minimal_paper(1, "T1", q) + "2/2\n" + minimal_paper(2, "T2")
    digest = parse(text)
    assert digest.papers[0].questions[0].options == ("1/2", "1/3")
    assert len(digest.papers) == 2


def test_question_text_ending_options_and_numbering() -> None:
    q = "Q1\n1. First?\nA one\nA two\nQ2\n2. Second?\nB one\nB two\nB three\n"
    (paper,) = parse("2025-01-02 Papers\n" + minimal_paper(1, "T", q)).papers
    assert [(x.text, len(x.options)) for x in paper.questions] == [("First?", 2), ("Second?", 3)]


def test_paper_without_points_or_questions() -> None:
    (paper,) = parse(
        "2025-01-02 Papers\nPaper 1\nJust a title\nLink: http://arxiv.org/abs/2501.00001\n"
    ).papers
    assert paper.points == {} and paper.questions == () and paper.arxiv_id == "2501.00001"


def test_day_without_papers_is_an_empty_digest() -> None:
    assert parse("2025-01-02 Papers\n").papers == ()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Hello there\nsome notes\n", 1, "no 'YYYY-MM-DD Papers' heading"),
        ("2025-02-30 Papers\n", 1, "not a real date"),
        ("2025-01-02 Papers\n\nnot a paper line\n", 3, "expected 'Paper 1'"),
        ("2025-01-02 Papers\nPaper 1\nT\nQ1\n1. Only one?\nsingle option\n", 4, "1 option(s)"),
        ("2025-01-02 Papers\nPaper 1\nT\nQ1\n", 4, "no question text"),
        ("2025-01-02 Papers\nPaper 1\n", 2, "has no title"),
    ],
)
def test_broken_layout_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.line == line
    assert words in caught.value.reason
    assert str(caught.value).startswith(f"digest.txt:{line}: ")


def test_bad_published_date_is_a_notice_not_a_failure() -> None:
    digest = parse("2025-01-02 Papers\nPaper 1\nT\nPublished: soon\n")
    assert digest.papers[0].published is None
    assert any("published date 'soon'" in notice for notice in digest.notices)


def test_control_characters_and_bom_are_cleaned() -> None:
    data = "\ufeff2025-01-02 Papers\nPaper 1\nTi\x1ftle\x07\n1. Topic and Domain: a\x1fb\n".encode()
    digest = parse_text(decode_source(data, Path("x.txt")))
    assert digest.papers[0].title == "Title"
    assert digest.papers[0].points[PointKind.TOPIC] == "ab"


def test_utf16_with_bom_decodes() -> None:
    data = "2025-01-02 Papers\nPaper 1\nTitre é\n".encode("utf-16")
    assert parse_text(decode_source(data, Path("x.txt"))).papers[0].title == "Titre é"


def test_empty_and_binary_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n\n")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04")
    for path, words in [(empty, "empty"), (binary, "binary")]:
        with pytest.raises(ParseError, match=words):
            list(read_digests(path))
