"""The daily budget (flashdigest/cards/budget.py): how many cards a deck shows as new, which ones,
and what becomes of the rest, checked on the real pages and in the real Anki backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flashdigest.cards import DeckBuild, DeckOptions, build_deck
from flashdigest.cli import main
from flashdigest.inputs import find_inputs
from flashdigest.inspect import digest_yaml
from flashdigest.model import Digest, Paper, PointKind, Question
from flashdigest.options import DEFAULT_MAX_CARDS
from flashdigest.parse import ParseOptions, read_digests
from tests.anki_helpers import CLOZE, MCQ, PAPER, family, import_with
from tests.conftest import SAMPLES
from tests.test_cards_learner import written_deck


def every_digest(shared: Path) -> list[Digest]:
    found: list[Digest] = []
    for lang in ("en", "zh"):
        for path in find_inputs([shared, SAMPLES]).files:
            found.extend(read_digests(path, ParseOptions(lang=lang)))
    return found


def shown(build: DeckBuild) -> int:
    return sum(not card.suspend for note in build.notes for card in note.cards)


def test_no_deck_shows_more_than_the_budget_and_three_papers_about_fifteen(shared_digests: Path) -> None:
    for digest in every_digest(shared_digests):
        build = build_deck(digest)
        assert shown(build) == build.choice.shown <= DEFAULT_MAX_CARDS
        papers = {
            p.identity for p in digest.papers if p.points or any(q.answer is not None for q in p.questions)
        }
        if len(papers) == 3 and all(p.points for p in digest.papers):
            assert 12 <= build.choice.shown <= 15, digest.source
        full = build_deck(digest, DeckOptions(cards=("all",)))
        assert {n.guid for n in build.notes} <= {n.guid for n in full.notes}  # nothing new, only fewer
        assert shown(full) == sum(len(note.cards) for note in full.notes)


def test_each_paper_gets_its_key_idea_problem_method_headline_figure_and_best_question(
    shared_digests: Path,
) -> None:
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    build = build_deck(digest)
    assert build.choice.shown == 15 and build.choice.suspended == 6
    for line in build.choice.lines:
        new, suspended, _left = line.split("; ")
        assert new.split(": ", 1)[1].startswith("new prior, problem, methods, results figure, Q")
        assert suspended == "suspended topic, results"
    for note in build.notes:
        if note.model.name.startswith(PAPER):
            assert note.suspended == frozenset({0, 4})  # Topic and Results wait, suspended


def test_suspended_cards_stay_suspended_in_the_real_backend_when_scheduling_is_imported(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    build = build_deck(digest)
    import_with(collection, written_deck(build, tmp_path, now=1_746_000_000), presets=True, scheduling=True)
    cards = [collection.get_card(card_id) for card_id in collection.find_cards("")]
    assert sum(card.queue == 0 for card in cards) == build.choice.shown == 15
    suspended = [card for card in cards if card.queue == -1]
    assert len(suspended) == 6 and {family(c.note_type()["name"]) for c in suspended} == {PAPER}
    assert len({card.due for card in cards}) == len(cards)  # every card its own place
    assert max(c.due for c in cards if c.queue == 0) < min(c.due for c in suspended)  # chosen first


def test_cards_and_max_cards_choose_kinds_and_limits(shared_digests: Path) -> None:
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    full = build_deck(digest, DeckOptions(cards=("all",)))
    assert (full.choice.shown, full.choice.suspended, full.choice.questions_left_out) == (28, 0, 0)
    quiz = build_deck(digest, DeckOptions(cards=("quiz",)))
    kinds = {family(n.model.name) for n in quiz.notes if any(not c.suspend for c in n.cards)}
    assert kinds == {MCQ} and quiz.choice.shown == 9
    assert build_deck(digest, DeckOptions(max_cards=4)).choice.shown == 4
    assert build_deck(digest, DeckOptions(cards=("all",), max_cards=7)).choice.shown == 7
    figures = build_deck(digest, DeckOptions(cards=("figures", "prior")))
    assert {family(n.model.name) for n in figures.notes} == {PAPER, CLOZE} and figures.choice.shown == 7


def test_a_giveaway_question_is_not_shipped_as_multiple_choice_but_counted() -> None:
    long_right = Question(1, "Why?", ("Because of a careful, long and specific reason", "Luck", "Chance"), 0)
    fair = Question(2, "How many?", ("665,000 hours", "1.2 million hours", "6.5 million hours"), 0)
    points = {PointKind.RESULTS: "It took 665,000 hours."}
    paper = Paper(1, "X: y", points=points, questions=(long_right, fair))
    digest = Digest(dt.date(2025, 1, 1), (paper,), Path("d.yaml"), "yaml")
    for options in (DeckOptions(), DeckOptions(cards=("quiz",))):
        build = build_deck(digest, options)
        questions = [n.fields[0] for n in build.notes if n.model.name.startswith(MCQ)]
        assert questions == ["How many?"] and build.choice.giveaways_left_out == 1
    full = build_deck(digest, DeckOptions(cards=("all",)))
    assert len([n for n in full.notes if n.model.name.startswith(MCQ)]) == 2  # today's full set


def test_export_and_inspect_say_what_was_chosen_and_left_out(shared_digests: Path, tmp_path: Path) -> None:
    page = shared_digests / "html" / "2025-04-14.html"
    result = CliRunner().invoke(main, ["export", str(page), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.stderr
    (written,) = json.loads(result.stdout)["written"]
    assert (written["new_cards"], written["suspended_cards"], written["questions_left_out"]) == (15, 6, 6)
    result = CliRunner().invoke(main, ["export", str(page), "--out", str(tmp_path / "b")])
    assert (
        "15 cards new, 6 suspended, left out 1 figure clozes and 6 questions (--cards all)" in result.stdout
    )
    (digest,) = read_digests(page)
    comments = [line for line in digest_yaml(digest).splitlines() if line.startswith("# cards: ")]
    assert comments[0] == "# cards: 15 new (at most 20), 6 suspended" and len(comments) == 4


@pytest.mark.parametrize(
    ("config", "expected"),
    [('cards = "quiz"\nmax_cards = 3\n', 3), ('cards = ["figures", "quiz"]\n', 13), ("max_cards = 0\n", 15)],
)
def test_cards_and_max_cards_are_config_keys(
    shared_digests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, expected: int
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[export]\n{config}")
    monkeypatch.setenv("FLASHDIGEST_CONFIG", str(path))
    page = shared_digests / "html" / "2025-04-14.html"
    result = CliRunner().invoke(main, ["export", str(page), "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["written"][0]["new_cards"] == expected


def test_an_unknown_kind_is_a_usage_error_and_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = CliRunner().invoke(
        main, ["export", str(SAMPLES), "--out", str(tmp_path), "--cards", "quiz,bogus"]
    )
    assert result.exit_code == 2 and "bogus: choose from topic" in result.stderr
    result = CliRunner().invoke(main, ["export", str(SAMPLES), "--out", str(tmp_path), "--cards", "all,quiz"])
    assert result.exit_code == 2 and "best and all stand alone" in result.stderr
    path = tmp_path / "config.toml"
    path.write_text('[export]\ncards = "nope"\n')
    monkeypatch.setenv("FLASHDIGEST_CONFIG", str(path))
    result = CliRunner().invoke(main, ["export", str(SAMPLES), "--out", str(tmp_path)])
    assert result.exit_code == 78 and str(path) in result.stderr and "nope" in result.stderr


def test_the_best_question_is_one_whose_answer_a_point_states(shared_digests: Path) -> None:
    from flashdigest.cards.mcq import stated_answer

    def stating_point(paper: Paper, question: Question) -> PointKind | None:
        stated = stated_answer(paper, question)
        return stated.kind if stated else None

    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    seaweed = digest.papers[0]
    hours = next(q for q in seaweed.questions if "GPU hours" in q.text)
    assert stating_point(seaweed, hours) is PointKind.RESULTS  # 665,000, 27.7 and 1,000 are in Results
    stated = [q.number for q in seaweed.questions if stating_point(seaweed, q)]
    (line,) = [line for line in build_deck(digest).choice.lines if line.startswith("paper 1:")]
    assert f"Q{stated[0]}" in line.split("; ")[0]  # the first stated question is the one shown
    unrelated = Question(9, "Which colour?", ("Mauve", "Teal", "Ochre"), 0)
    assert stating_point(seaweed, unrelated) is None
