"""What the card builder derives for a learner: short names, figures, the stored option order,
the new-card order, deck options, per-note-type versions and inspect's give-away notice. Decks
are imported into the real Anki backend; the browser side is in tests/test_cards_browser_learner.py."""

# ruff: noqa: RUF001  (Chinese text is written with Chinese punctuation)

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import genanki
import pytest

from flashdigest.cards import DeckBuild, DeckOptions, build_deck, deck_id_for, mcq_model, paper_model
from flashdigest.cards.anki_notes import Model
from flashdigest.cards.figures import figure_spans
from flashdigest.cards.mcq import stored_order
from flashdigest.cards.notetypes import PAPER_FIELDS
from flashdigest.cards.wording import paper_language, paper_short_name, point_label, short_name
from flashdigest.export import deck_path, read_previous, stamp_deck, write_deck
from flashdigest.inspect import giveaway_notices
from flashdigest.model import Digest, Paper, PointKind, Question
from flashdigest.parse import ParseOptions, read_digests
from flashdigest.parse.points import label_kind
from tests.anki_helpers import CLOZE, MCQ, PAPER, family, import_deck, imported_notes
from tests.browser_helpers import demo_digest, rendered_cards
from tests.test_export_anki import read_collection

PAPER_SHORT_NAME = PAPER_FIELDS.index("ShortName")


def figures(text: str) -> list[str]:
    return [text[start:end] for start, end in figure_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("requiring only 665,000 H100 GPU hours (27.7 days on 1,000 GPUs).", ["665,000", "27.7", "1,000"]),
        ("improves MoE base models by 7-15% in accuracy with 1-3B active parameters", ["7-15%", "1-3B"]),
        (
            "a 7B-parameter model, 2.5x faster, 10 to 20% less, on 16/22 benchmarks",
            ["7B", "2.5x", "10 to 20%", "16/22"],
        ),
        ("costs $20 and $30 a month; +3.2 points", ["$20", "$30", "+3.2"]),
        ("Seaweed-7B beats GPT-4o and H100 baselines with 1D tokens, 2nd on mAP@1", []),
        ("the best model (Claude Sonnet 4.6) and Gemini 3.0 Pro reach 33.3%", ["33.3%"]),
        ("planning costs $O(n^2)$ for 3 horizons, released 2025-04-11", ["3"]),
        ("六小时预报与物理模型相差不到9厘米，提升9.8%", ["9", "9.8%"]),
    ],
)
def test_what_counts_as_a_figure(text: str, expected: list[str]) -> None:
    assert figures(text) == expected


def test_braces_in_a_point_never_make_a_cloze() -> None:
    point = "Uses {{c9::x}} templates and 12 layers."
    digest = Digest(
        dt.date(2025, 1, 1), (Paper(1, "X", points={PointKind.RESULTS: point}),), Path("x"), "yaml"
    )
    (cloze,) = [n for n in build_deck(digest).notes if n.model.name == CLOZE]
    assert re.findall(r"\{\{c(\d+)::", cloze.fields[0]) == ["1"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Seaweed-7B: Cost-Effective Training of Video Generation Foundation Model", "Seaweed-7B"),
        ("Learning to Prune Context", "Learning to Prune Context"),
        ("Tidepool：图神经算子", "Tidepool"),
        (
            "A Very Long Title Without Any Colon That Goes On and On Beyond the Limit",
            "A Very Long Title Without Any Colon That…",
        ),
    ],
)
def test_short_name_is_the_title_before_its_colon(title: str, expected: str) -> None:
    assert short_name(title) == expected


def test_language_comes_from_what_the_digest_wrote(shared_digests: Path) -> None:
    page = shared_digests / "html" / "2026-04-10.html"
    for lang in ("en", "zh"):
        (digest,) = read_digests(page, ParseOptions(lang=lang))
        assert {paper_language(paper) for paper in digest.papers} == {lang}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Plain ASCII text", "en"),
        ("Dashes \u2014, times \u00d7, arrows \u2192 and \u2fff, all below U+3000", "en"),
        ("\u6a21\u578b\u5728\u57fa\u51c6\u4e0a\u63d0\u5347 4.5%", "zh"),
        ("Mostly English words with one \u4e2d character", "en"),
        ("A lone \ud800 surrogate, then \u4e2d\u6587\u5b57", "en"),
        ("\U0001f600 \u4e2d\u6587", "zh"),
    ],
)
def test_a_papers_language_is_chinese_only_when_its_text_mostly_is(text: str, lang: str) -> None:
    """(The quick look for a character from U+3000 up reads the text's UTF-8 bytes.)"""
    paper = Paper(1, "T", points={PointKind.TOPIC: text})
    assert paper_language(paper) == lang


def test_stored_option_order_is_fixed_shuffled_and_not_the_digests(shared_digests: Path) -> None:
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    places = []
    for paper in digest.papers:
        for question in paper.questions:
            guid = genanki.guid_for(paper.identity, f"mcq{question.number}")
            order = stored_order(len(question.options), guid)
            assert order == stored_order(len(question.options), guid)
            assert sorted(order) == list(range(len(question.options))) and order != sorted(order)
            places.append(order.index(question.answer))  # type: ignore[arg-type]
    assert [question.answer for paper in digest.papers for question in paper.questions].count(1) >= 6
    assert len(set(places)) == 3  # the answer no longer sits at B almost always


def written_deck(build: DeckBuild, folder: Path, now: int) -> Path:
    """``build`` written as a fresh deck into ``folder``; its path."""
    write_deck(build, folder, stamp_deck(build, None, now=now))
    return deck_path(folder, build)


def test_new_cards_come_paper_by_paper_content_before_multiple_choice(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    digest = next(iter(read_digests(shared_digests / "html" / "2025-04-14.html")))
    build = build_deck(digest, DeckOptions(cards=("all",)))  # the full set: every kind of card
    deck = written_deck(build, tmp_path, now=1_746_000_000)
    import_deck(collection, deck)
    cards = sorted(
        (collection.get_card(card_id) for card_id in collection.find_cards("")), key=lambda c: c.due
    )
    assert len({card.due for card in cards}) == len(cards)  # no two at the same place
    shown = [(card.note().tags, family(card.note_type()["name"]), card.ord) for card in cards]
    papers = [next(tag for tag in tags if tag.startswith("arxiv::")) for tags, _, _ in shown]
    assert papers == sorted(papers, key=papers.index)  # each paper's cards together
    for paper in dict.fromkeys(papers):
        kinds = [(kind, ordinal) for (_, kind, ordinal), of in zip(shown, papers, strict=True) if of == paper]
        assert kinds[:5] == [(PAPER, ordinal) for ordinal in range(5)]
        assert {kind for kind, _ in kinds[5:-3]} == {CLOZE} and {kind for kind, _ in kinds[-3:]} == {MCQ}


def test_deck_options_name_the_deck_and_add_tags_without_changing_guids(
    tmp_path: Path, collection: Any
) -> None:
    digest = demo_digest()
    options = DeckOptions(
        deck_root="Reading::Papers", extra_tags=("ml reading", " weekly ", "", "ml reading")
    )
    build = build_deck(digest, options)
    assert build.deck_name == "Reading::Papers::2025-05-02"
    assert build.deck_id == deck_id_for(digest.date, "Reading::Papers") != build_deck(digest).deck_id
    assert [n.guid for n in build.notes] == [n.guid for n in build_deck(digest).notes]
    assert build_deck(digest, DeckOptions(deck_root=" :: ")).deck_name == "Paper Digests::2025-05-02"
    import_deck(collection, written_deck(build, tmp_path, now=1))
    notes = imported_notes(collection)
    assert {d for n in notes for d in n.decks} == {"Reading::Papers::2025-05-02"}
    for note in notes:
        assert note.tags == ("arxiv::2505.00001", "digest::2025-05-02", "ml_reading", "weekly")


def test_a_new_version_of_one_note_type_leaves_the_others_mod_alone(tmp_path: Path) -> None:
    build = build_deck(demo_digest())
    first = stamp_deck(build, None, now=1_000)
    write_deck(build, tmp_path, first)
    changed = Model(
        paper_model().model_id,
        paper_model().name,
        fields=paper_model().fields,
        templates=paper_model().templates,
        css=paper_model().css + "\n.fd-point { letter-spacing: 0; }",
    )
    for note in build.notes:
        if note.model is paper_model():
            note.model = changed
    second = stamp_deck(build, read_previous(deck_path(tmp_path, build)), now=2_000)
    mcq_id, paper_id = mcq_model().model_id, paper_model().model_id
    assert second.notetype_mods[mcq_id] == first.notetype_mods[mcq_id]
    assert second.notetype_mods[paper_id] != first.notetype_mods[paper_id]  # a version of its own
    write_deck(build, tmp_path, second)
    deck = deck_path(tmp_path, build)
    (models_json,) = read_collection(deck).execute("SELECT models FROM col").fetchone()
    mods = {int(model_id): model["mod"] for model_id, model in json.loads(models_json).items()}
    assert mods[mcq_id] == first.notetype_mods[mcq_id] and mods[paper_id] == second.notetype_mods[paper_id]


def test_inspect_notes_a_correct_option_much_longer_than_every_other() -> None:
    long_right = Question(1, "Why?", ("Because of a careful, long and specific reason", "Luck", "Chance"), 0)
    fair = Question(2, "How many?", ("665,000 hours", "1.2 million hours", "6.5 million hours"), 0)
    digest = Digest(
        dt.date(2025, 1, 1), (Paper(3, "X", questions=(long_right, fair)),), Path("d.yaml"), "yaml"
    )
    (notice,) = giveaway_notices(digest)
    assert notice.startswith("d.yaml: paper 3 Q1: the correct option is") and "gives it away" in notice


def test_without_methods_the_flowchart_goes_to_the_first_card_present(
    tmp_path: Path, collection: Any
) -> None:
    paper = demo_digest().papers[0]
    points: dict[PointKind, str] = {k: text for k, text in paper.points.items() if k is not PointKind.METHODS}
    digest = dataclasses.replace(demo_digest(), papers=(dataclasses.replace(paper, points=points),))
    build = build_deck(digest)
    import_deck(collection, written_deck(build, tmp_path, now=1))
    with_chart = [
        card.template for card in rendered_cards(collection) if '<div class="fd-figure">' in card.answer
    ]
    assert with_chart == ["5. Results and Evaluation"]


def test_a_phrase_title_gives_way_to_the_name_the_paper_goes_by(shared_digests: Path) -> None:
    names = {}
    for digest in read_digests(shared_digests / "summaries-sample.jsonl"):
        for paper in digest.papers:
            names[short_name(paper.title)] = paper_short_name(paper)
    assert names["Predictive Data Selection"] == "PRESELECT"  # "proposes a new method, PRESELECT"
    assert names["Unleashing Vecset Diffusion Model for Fast…"] == "FlashVDM"  # not VDM, the prior model
    assert names["Survey on Evaluation of LLM-based Agents"] == "Survey on Evaluation of LLM-based Agents"
    assert names["QueST"] == "QueST" and names["Glyph"] == "Glyph"  # a name stays
    # issue 19's example: the cards' cue is the one the questions use
    luffy = Paper(
        1,
        "Learning to Reason under Off-Policy Guidance",
        points={PointKind.PRIOR_WORK: "It introduces LUFFY, which mixes off-policy traces into RL."},
        questions=(Question(1, "What does LUFFY add to zero-RL training?", ("a", "b", "c"), 0),),
    )
    assert paper_short_name(luffy) == "LUFFY"
    digest = Digest(dt.date(2025, 1, 1), (luffy,), Path("x"), "yaml")
    assert {
        note.fields[PAPER_SHORT_NAME] for note in build_deck(digest).notes if note.model is paper_model()
    } == {"LUFFY"}


def test_chinese_labels_are_the_pages_own_for_parser_and_cards(shared_digests: Path) -> None:
    page = (shared_digests / "html" / "2026-04-10.html").read_text(encoding="utf-8")
    assert "先前研究与新思路" in page and "已有研究与新思路" not in page
    assert point_label(PointKind.PRIOR_WORK, "zh") == "先前研究与新思路"
    assert label_kind("💡 先前研究与新思路") is PointKind.PRIOR_WORK
    templates = "".join(t["qfmt"] + t["afmt"] for t in paper_model().templates)
    assert "先前研究与新思路" in templates and "已有研究" not in templates
    (digest,) = read_digests(shared_digests / "html" / "2026-04-10.html", ParseOptions(lang="zh"))
    points = [
        n.fields[5] for n in build_deck(digest, DeckOptions(cards=("all",))).notes if n.model.name == CLOZE
    ]
    assert points and set(points) <= {point_label(kind, "zh") for kind in PointKind}
