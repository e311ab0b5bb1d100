"""Golden files for every format: an input in tests/data/golden -> what ``inspect`` prints for it.

Each input shows a shape the generator has produced: a point that swallowed the next ones in a
text digest, points without numbers in the archive, a paper whose opening tags a truncated
flowchart's comment swallowed, an answer attribute broken by quotes. The expected YAML sits beside
its input as ``<input>.inspect.yaml``; FLASHDIGEST_UPDATE_GOLDEN=1 rewrites them after a
deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flashdigest.model import PointKind
from flashdigest.options import is_answer_key
from flashdigest.parse import read_digests
from tests.conftest import DATA, SAMPLES
from tests.golden import assert_matches_inspect_golden

GOLDEN = DATA / "golden"
INPUTS = sorted(
    path for path in GOLDEN.iterdir() if not path.name.endswith(".inspect.yaml") and not is_answer_key(path)
)


def test_every_format_has_a_golden_input() -> None:
    assert {path.suffix for path in INPUTS} == {".txt", ".html", ".jsonl", ".yaml"}


@pytest.mark.parametrize("path", INPUTS, ids=[path.name for path in INPUTS])
def test_input_matches_its_golden_inspect_yaml(path: Path) -> None:
    assert_matches_inspect_golden(path, path.with_name(path.name + ".inspect.yaml"))


def test_spilled_and_unnumbered_points_in_text_each_go_to_their_own_field() -> None:
    (digest,) = read_digests(GOLDEN / "2026-04-11-spilled.txt")
    own, one_line, unnumbered = digest.papers
    assert own.points[PointKind.TOPIC] == "Style datasets for image style transfer."
    assert own.points[PointKind.PRIOR_WORK].endswith("in its own words.")  # its own line wins
    assert one_line.points == {
        PointKind.TOPIC: "Web agents on live sites.",
        PointKind.PRIOR_WORK: "Builds on WebArena.",
        PointKind.PROBLEM: "Benchmarks use frozen sites.",
        PointKind.METHODS: "Intercepts requests safely.",
        PointKind.RESULTS: "Agents finish 30% of tasks.",
    }
    assert len(unnumbered.points) == 5
    assert unnumbered.points[PointKind.METHODS] == "Recognise the label alone."


def test_unnumbered_and_one_line_archive_rows_give_every_point() -> None:
    (digest,) = read_digests(GOLDEN / "2025-11-04-archive.jsonl")
    assert [len(paper.points) for paper in digest.papers] == [5, 5, 5]
    unnumbered, one_line, chinese = digest.papers
    assert unnumbered.points[PointKind.METHODS] == "Read the label, then the bold text."
    assert one_line.points[PointKind.METHODS] == "Compresses the cache."
    assert chinese.points[PointKind.PRIOR_WORK] == "基于已有工作。"


def test_paper_nested_by_a_broken_comment_and_an_answer_broken_by_quotes() -> None:
    (digest,) = read_digests(GOLDEN / "2025-10-02-nested.html")
    assert [paper.number for paper in digest.papers] == [1, 2, 3]
    cut, nested, after = digest.papers
    assert cut.questions == ()  # its quiz is inside the comment: a browser shows none either
    assert nested.title == "Swallowed Tags: The Paper a Comment Nested"
    assert len(nested.points) == 5 and nested.flowchart_text == "Step of paper 2"
    assert [q.answer_text for q in nested.questions] == ['"Monte Carlo" sampling with 10% noise', "Two"]
    assert [q.answer_text for q in after.questions] == ["Yes"]
    assert digest.notices == ()


# -- identity: what was read right keeps its note ids and GUIDs --------------------------------------

PINNED = {
    # (source, GUID): (note id, the start of the note's first field)
    ("html/2025-04-14.html", "sedhP:Q~vE"): (3044585832625456, "Seaweed-7B: Cost-Effective Training"),
    ("html/2025-04-14.html", "Fw)XuPGgn%"): (2060410440600833, "What is the primary innovation of Seawee"),
    ("html/2025-04-14.html", "vH=n.aD7F?"): (3943755516083784, "Which architectural design choice"),
    ("samples/2026-01-15.txt", "wt0$^CU(z1"): (5751753125601256, "Paper Cuts: Teaching Small Language"),
    ("samples/2026-01-15.txt", "HBffr{J7<Q"): (7799316844467894, "How does the pruned 1B model compare"),
    ("samples/archive.jsonl", "NhFy;0^JPC"): (5988809106629549, "Lantern: Lighting Up Sparse Attention"),
}


def test_note_ids_and_guids_of_digests_read_right_before_do_not_change(shared_digests: Path) -> None:
    from flashdigest.cards import DeckOptions, build_deck
    from flashdigest.cards.notes import stable_ids

    found = {}
    for source in {source for source, _ in PINNED}:
        path = (
            SAMPLES / source.removeprefix("samples/")
            if source.startswith("samples/")
            else shared_digests / source
        )
        for digest in read_digests(path):
            for note in build_deck(digest, DeckOptions(cards=("all",))).notes:
                found[(source, note.guid)] = (next(stable_ids(note.guid)), note.fields[0])
    for key, (note_id, start) in PINNED.items():
        assert key in found, key
        assert found[key][0] == note_id and found[key][1].startswith(start), (key, found[key])
