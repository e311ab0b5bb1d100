"""The cloze rule of flashdigest/cards/figures.py, one test per rule, on real sentences: those of the
shared pages (../shared/digests) where they hold the case, else the real archive's sentences quoted
in issue 19 (list enumerators, citation years, N×N shapes and labels, which the shared pages lack)."""

# ruff: noqa: RUF001, RUF002  (figures are written with look-alike signs)

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flashdigest.cards import build_deck
from flashdigest.cards.figures import cloze_field, cloze_sentences, figure_spans, sentences
from flashdigest.model import Digest, Paper, PointKind
from flashdigest.parse import ParseOptions, read_digests
from tests.anki_helpers import CLOZE


def real_point(shared: Path, page: str, needle: str, lang: str = "en") -> tuple[str, str]:
    """The point of ``page`` that contains ``needle``, and its paper's title."""
    (digest,) = read_digests(shared / "html" / page, ParseOptions(lang=lang))
    for paper in digest.papers:
        for point in paper.points.values():
            if needle in point:
                return point, paper.title
    raise AssertionError(f"{needle!r} is not in a point of {page}")


def clozes(point: str, title: str = "") -> list[str]:
    return [cloze_field(sentence) for sentence in cloze_sentences(point, title)]


def asked(text: str, title: str = "") -> list[str]:
    return [text[start:end] for start, end in figure_spans(text, title)]


def test_no_sentence_ends_at_vs_or_eg_and_a_contrast_is_asked_as_one(shared_digests: Path) -> None:
    point, title = real_point(shared_digests, "2026-08-21.html", "24.33 PSNR (vs. 21.47")
    assert not any(s.startswith(("21.47", "PSNR")) or s.endswith(("vs.", "e.g.")) for s in sentences(point))
    (card,) = [c for c in clozes(point, title) if "PSNR" in c]
    assert "achieving e.g. {{c1::24.33}} PSNR (vs. {{c1::21.47}} for ReCamMaster) on DNA-Rendering" in card


@pytest.mark.parametrize(
    "text",
    [
        "It builds on prior style datasets (e.g., WikiArt, OmniStyle). It adds 3 tasks.",
        "Models (Ha et al., 2017) learn 3 things.",
        "Results in Fig. 2 show 3 gains.",
        "The loss (i.e. 4 terms) drops. Next.",
    ],
)
def test_abbreviations_never_end_a_sentence(text: str) -> None:
    assert all(not s.endswith(("e.g.", "et al.", "Fig.", "i.e.")) for s in sentences(text))


def test_a_count_the_title_gives_is_not_asked(shared_digests: Path) -> None:
    seaweed, seaweed_title = real_point(shared_digests, "2025-04-14.html", "with 7 billion parameters")
    assert seaweed_title.startswith("Seaweed-7B")
    assert not any("{{c1::7}} billion" in card for card in clozes(seaweed, seaweed_title))
    trained, _ = real_point(shared_digests, "2025-04-14.html", "trained a 7B-parameter")
    assert "{{c1::7B}}" not in "".join(clozes(trained, seaweed_title))
    assert clozes(trained, "") == [cloze_field(cloze_sentences(trained)[0])]  # without the title: asked
    giga, giga_title = real_point(shared_digests, "2025-04-14.html", "to 3 billion parameters")
    assert clozes(giga, giga_title) == [] and clozes(giga) != []


def test_a_version_after_a_name_is_no_figure_in_either_language(shared_digests: Path) -> None:
    for lang in ("en", "zh"):
        point, title = real_point(shared_digests, "2026-04-10.html", "HY-ViT 2.0", lang)
        cards = "".join(clozes(point, title))
        assert "{{c1::2.0}}" not in cards and "{{c1::600B}}" in cards


def test_numbers_inside_math_notation_are_no_figures(shared_digests: Path) -> None:
    point, _ = real_point(shared_digests, "2026-08-21.html", "O(1)", "zh")
    assert "{{c1::1}}" not in "".join(clozes(point))
    assert asked("with k = 3 and 1 - (1/T) weighting") == []  # a formula in plain text
    assert asked("planning costs $O(n^2)$ for 3 horizons") == ["3"]


def test_both_parts_of_a_shape_are_no_figures(shared_digests: Path) -> None:
    svg = (shared_digests / "html" / "2026-08-21.html").read_text(encoding="utf-8")
    assert "704×1280" in svg
    assert asked("Built on Wan2.2-TI2V-5B · 704×1280 · 128 H20 GPUs") == ["128"]
    assert asked("generates 256×256 images at 30% lower cost") == ["30%"]  # issue 19's sentence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # list enumerators and a citation year, as the archive's clozes had them (issue 19)
        ("It combines (1) Chain-of-Thought prompting and (2) self-consistency over 5 samples.", ["5"]),
        ("Builds on world models (Ha et al., 2017) and latent planning (Hafner and Lee, 2019).", []),
        ("Steps: 1) collect 40 tasks; 2) filter them.", ["40"]),
        # labels of sections, tables and figures
        ("Table 3 and Fig. 2 (Section 4, Eq. 5) report a 12% gain.", ["12%"]),
    ],
)
def test_enumerators_citation_years_and_labels_are_no_figures(text: str, expected: list[str]) -> None:
    assert asked(text) == expected


def test_one_card_a_sentence_so_siblings_never_give_each_other_away(shared_digests: Path) -> None:
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    notes = [note for note in build_deck(digest).notes if note.model.name == CLOZE]
    assert notes and all(len(note.cards) == 1 for note in notes)
    seaweed = next(n.fields[0] for n in notes if "665,000" in n.fields[0])
    assert "{{c1::665,000}} H100 GPU hours (27.7 days on 1,000 GPUs)" in seaweed  # the headline figure
    headline = next(n.fields[0] for n in notes if "7-15%" in n.fields[0])
    assert headline.count("{{c1::") == 1 and "{{c2::" not in headline


def test_switching_lang_never_gives_a_cloze_card_another_question(shared_digests: Path) -> None:
    page = shared_digests / "html" / "2026-04-10.html"
    texts: dict[str, str] = {}
    for lang in ("en", "zh"):
        (digest,) = read_digests(page, ParseOptions(lang=lang))
        for note in build_deck(digest).notes:
            if note.model.name == CLOZE:
                assert texts.setdefault(note.guid, note.fields[0]) == note.fields[0]
    assert len(texts) >= 4


def test_a_points_clozes_are_capped() -> None:
    point = "We test 11% first. It adds 4 more. We add 5 again. We add 6 at last."
    digest = Digest(
        dt.date(2025, 1, 1), (Paper(1, "X: y", points={PointKind.RESULTS: point}),), Path("x"), "yaml"
    )
    fields = [n.fields[0] for n in build_deck(digest).notes if n.model.name == CLOZE]
    assert fields == ["We test {{c1::11%}} first.", "It adds {{c1::4}} more.", "We add {{c1::5}} again."]
