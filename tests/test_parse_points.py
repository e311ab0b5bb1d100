"""The summary points' vocabulary (flashdigest/parse/points.py), which every parser reads points with."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashdigest.model import PointKind
from flashdigest.parse.points import collect_points, label_kind, point_head, read_point

T, P, Q, M, R = PointKind


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("📘 Topic and Domain", T),
        ("Topic & Domain", T),
        ("**💡 Previous Research and New Ideas", P),
        ("🛠️ Methods", M),
        ("Method", M),
        ("📊 Results and Evaluation", R),
        ("📘 主题与领域", T),
        ("💡 先前研究与新思路", P),
        ("❓ 问题", Q),
        ("📊 结果与评估", R),
        ("Summary", None),
        ("The paper", None),
    ],
)
def test_labels_in_every_spelling(label: str, kind: PointKind | None) -> None:
    assert label_kind(label) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. 📘 Topic and Domain: Text.", (T, "Text.")),
        ("1.  **📘 Topic and Domain:** Text.", (T, "Text.")),
        ("**📘 Topic and Domain:** Text.", (T, "Text.")),
        ("**📘 Topic and Domain**: Text.", (T, "Text.")),
        ("📘 Topic and Domain:Text.", (T, "Text.")),
        ("3. ❓ 问题\uff1a 文本。", (Q, "文本。")),  # a full-width colon
        ("4) Methods - no colon", (M, "Methods - no colon")),  # the number tells
        ("2. What it is: unknown label", (P, "What it is: unknown label")),
        ("5. **📊 Results and Evaluation:** Better **few-shot** accuracy.", (R, "Better few-shot accuracy.")),
    ],
)
def test_a_point_with_or_without_number_bold_emoji_or_label(
    text: str, expected: tuple[PointKind, str]
) -> None:
    own, spilled = read_point(text, 1)
    assert (own, spilled) == (expected, [])


@pytest.mark.parametrize(
    "text",
    [
        "Here's an analysis of the paper based on your requested format:",
        "The key problem: scarce data.",
        "An epilogue, not a point.",
        "7. Seventh: no such point",
    ],
)
def test_what_is_not_a_point(text: str) -> None:
    assert point_head(text) is None


def test_a_point_that_swallowed_the_next_ones_is_split_and_its_own_text_wins() -> None:
    swallowed = (
        "1. 📘 Topic and Domain: Topic.  2. **💡 Previous Research and New Ideas:** Prior.  "
        "3. **❓ Problem:** Problem, swallowed.  4. 🛠️ Methods: Methods.  **📊 Results and Evaluation:** R."
    )
    assert collect_points([(1, swallowed), (3, "3. ❓ Problem: Problem, its own.")]) == {
        T: "Topic.",
        P: "Prior.",
        Q: "Problem, its own.",
        M: "Methods.",
        R: "R.",
    }


def test_numbers_and_labels_inside_a_sentence_split_nothing() -> None:
    text = "1. Topic and Domain: It scores 3.5 points: the problem: data, in 2. rounds and **bold** text."
    assert read_point(text, 1) == (
        (T, "It scores 3.5 points: the problem: data, in 2. rounds and bold text."),
        [],
    )


@given(st.text(alphabet=st.sampled_from([*" \t\n\u30001290.)、*a:"])))
def test_a_swallowed_points_place_is_where_white_space_before_a_number_or_bold_ends(text: str) -> None:
    """The marker pattern gives the places the plain look-behind pattern would."""
    from flashdigest.parse import points

    looked_behind = re.compile(r"(?<=\s)(?=[1-9][.)、]|\*\*)")
    assert [m.end() for m in points._MARKER_RE.finditer(text)] == [
        m.start() for m in looked_behind.finditer(text)
    ]
