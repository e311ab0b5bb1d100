from __future__ import annotations

from pathlib import Path

import pytest

from flashdigest.errors import AnswerKeyError
from flashdigest.parse import read_digests
from flashdigest.parse.answers import resolve_answer

OPTIONS = ("Alpha one", "Beta  two", "Gamma three")
DIGEST = """2025-01-02 Papers
Paper 1
T1
1. Topic and Domain: t
Q1
1. First?
Alpha one
Beta  two
Gamma three
Q2
2. Second?
yes
no
Paper 2
T2
1. Topic and Domain: t
Q1
1. Third?
up
down
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A", 0),
        ("c", 2),
        (2, 1),
        ("3", 2),
        ("beta two", 1),
        (" Gamma three ", 2),
        ("D", None),
        (4, None),
        (0, None),
        ("Delta", None),
        (True, None),
        (1.5, None),
    ],
)
def test_resolve_answer(value: object, expected: int | None) -> None:
    assert resolve_answer(value, OPTIONS) == expected


def write(tmp_path: Path, key: str) -> Path:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST)
    (tmp_path / "d.answers.yaml").write_text(key)
    return digest


def test_key_beside_digest_fills_answers(tmp_path: Path) -> None:
    (digest,) = read_digests(write(tmp_path, "1: [C, no]\n2: [~]\n"))
    assert [[q.answer for q in p.questions] for p in digest.papers] == [[2, 1], [None]]
    assert digest.papers[0].questions[0].answer_text == "Gamma three"


@pytest.mark.parametrize(
    ("key", "line", "words"),
    [
        ("1: [A, A]\n3: [A]\n", 2, "paper 3 is not in d.txt"),
        ("1: [A, A, A]\n", 1, "has 2 questions, the key gives 3"),
        ("\n1: [A, Z]\n", 2, "answer 'Z' is not one of its 2 options"),
        ("1: B\n", 1, "expected a list"),
        ("one: [A]\n", 1, "expected a paper number"),
        ("1: [A\n2: [B]\n", 2, "not valid YAML"),
    ],
)
def test_bad_key_names_its_line(tmp_path: Path, key: str, line: int, words: str) -> None:
    with pytest.raises(AnswerKeyError) as caught:
        list(read_digests(write(tmp_path, key)))
    assert caught.value.line == line
    assert caught.value.file == tmp_path / "d.answers.yaml"
    assert words in caught.value.reason
