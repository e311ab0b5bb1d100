"""The MCQ back shows the summary point that states the answer: real questions and points from
the shared pages, parsed by the project's parser; the Answer field as the real Anki backend
renders it. (At 360 px in Chromium: tests/test_cards_browser_learner.py.)"""

# ruff: noqa: RUF001, RUF002, RUF003  (Chinese punctuation, and figures with the times sign)

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flashdigest.cards.fields import field_text
from flashdigest.cards.mcq import StatedAnswer, answer_field, answer_of, stated_answer
from flashdigest.model import Paper, PointKind, Question
from flashdigest.parse import ParseOptions, read_digests
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import FULL_SET, import_deck
from tests.browser_helpers import rendered_cards

SEAWEED_RESULTS = (
    "Seaweed-7B achieved performance comparable to or better than larger models trained with "
    "substantially more resources, ranking second in image-to-video generation in Elo ratings while "
    "requiring only 665,000 H100 GPU hours (27.7 days on 1,000 GPUs)."
)
MOT_PRIOR_WORK_ZH = (
    "基于视觉-语言模型（VLM）和混合Transformer（MoT）架构；创新性地引入视觉潜令牌、结合强化学习与"
    "拒绝采样微调的迭代自我进化后训练范式，以及从大模型到小模型的在策略蒸馏。"
)


def papers(shared: Path, page: str, lang: str = "en") -> list[Paper]:
    (digest,) = read_digests(shared / "html" / f"{page}.html", ParseOptions(lang=lang))
    return list(digest.papers)


def question(paper: Paper, number: int) -> Question:
    return next(q for q in paper.questions if q.number == number)


def test_an_answer_a_point_states_gets_that_points_sentence(shared_digests: Path) -> None:
    seaweed = papers(shared_digests, "2025-04-14")[0]
    hours = question(seaweed, 2)
    assert hours.answer_text == "665,000 hours (equivalent to 27.7 days on 1,000 GPUs)"
    assert stated_answer(seaweed, hours) == StatedAnswer(PointKind.RESULTS, SEAWEED_RESULTS)
    field = answer_field(hours, stated_answer(seaweed, hours), "en")
    assert field == (
        f'<span class="fd-answer-own">{field_text(hours.answer_text)}</span>'
        '<div class="fd-stated"><span class="fd-kicker">Results and Evaluation</span> '
        f"{html.escape(SEAWEED_RESULTS)}</div>"
    )
    assert answer_of(field) == field_text(hours.answer_text)


def test_an_answer_no_point_states_gets_none(shared_digests: Path) -> None:
    seaweed = papers(shared_digests, "2025-04-14")[0]
    first = question(seaweed, 1)  # "Achieving competitive performance with a medium-sized model ..."
    assert stated_answer(seaweed, first) is None
    field = answer_field(first, stated_answer(seaweed, first), "en")
    assert "fd-stated" not in field
    assert field == f'<span class="fd-answer-own">{field_text(first.answer_text or "")}</span>'


def test_a_chinese_answer_gets_the_chinese_sentence_and_the_pages_label(shared_digests: Path) -> None:
    mot = papers(shared_digests, "2026-04-10", "zh")[2]
    assert question(mot, 1).answer_text == "混合Transformer（MoT）"
    assert stated_answer(mot, question(mot, 1)) == StatedAnswer(PointKind.PRIOR_WORK, MOT_PRIOR_WORK_ZH)
    field = answer_field(question(mot, 1), stated_answer(mot, question(mot, 1)), "zh")
    assert '<span class="fd-kicker">先前研究与新思路</span> ' + MOT_PRIOR_WORK_ZH in field
    assert stated_answer(mot, question(mot, 2)) is None  # "GRPO（组相对策略优化）": no point names it


def test_of_a_point_of_several_sentences_only_the_stating_one_is_shown(shared_digests: Path) -> None:
    """A point of two real sentences (the Topic point before the Results one): the back shows
    the sentence with the answer's figures, cut by the project's splitter (which keeps "vs." and
    "e.g." inside a sentence)."""
    seaweed = papers(shared_digests, "2025-04-14")[0]
    topic = seaweed.points[PointKind.TOPIC].strip()
    points = {**seaweed.points, PointKind.RESULTS: f"{topic} {SEAWEED_RESULTS}", PointKind.TOPIC: ""}
    joined = dataclasses.replace(seaweed, points=points)
    assert stated_answer(joined, question(seaweed, 2)) == StatedAnswer(PointKind.RESULTS, SEAWEED_RESULTS)


def test_a_figure_is_stated_by_itself_not_inside_a_longer_number(shared_digests: Path) -> None:
    """ "4" (the answer of a real question) is not what "47.90%" states."""
    first, second, _ = papers(shared_digests, "2026-08-21")
    four = question(first, 2)
    assert four.answer_text == "4"
    assert "47.90%" in second.points[PointKind.RESULTS]
    assert stated_answer(second, four) is None


def test_a_figure_inside_a_name_states_nothing(shared_digests: Path) -> None:
    """Glyph's "8×" (its maximum compression) is not stated by "Qwen3-8B" in its Results point
    (which gives 3-4×): the back shows no point rather than a wrong one."""
    digests = read_digests(shared_digests / "summaries-sample.jsonl", ParseOptions())
    glyph = next(paper for digest in digests for paper in digest.papers if paper.title.startswith("Glyph"))
    ratio = question(glyph, 2)
    assert ratio.answer_text == "8×" and "Qwen3-8B" in glyph.points[PointKind.RESULTS]
    assert stated_answer(glyph, ratio) is None


def test_the_real_backend_renders_the_stated_sentence_on_the_back(
    shared_digests: Path, collection: Any, tmp_path: Path
) -> None:
    options = ExportOptions(out_dir=tmp_path, now=1_746_000_000, deck=FULL_SET)
    report = export_inputs([shared_digests / "html" / "2025-04-14.html"], options)
    assert not report.failures
    import_deck(collection, report.written[0].path)
    mcq = [card for card in rendered_cards(collection) if card.notetype.startswith("FlashDigest MCQ")]
    stated = [card for card in mcq if '<div class="fd-stated">' in card.answer]
    assert len(mcq) == 9 and len(stated) == 3  # Seaweed's Q2, GigaTok's Q1 and Q2
    hours = next(card for card in stated if "H100 GPU hours" in html.unescape(card.fields["Question"]))
    back = html.unescape(hours.answer)
    assert f"Results and Evaluation</span> {SEAWEED_RESULTS}</div>" in back
    assert back.index('<span class="fd-answer-own">') < back.index('<div class="fd-stated">')
    assert '<div class="fd-stated">' not in hours.question  # the front never shows it


@given(st.text() | st.text(alphabet=st.sampled_from("aZ09_.,-é\u212a\u0130 \t中٣")))
def test_words_and_figures_are_the_patterns_whatever_the_text(text: str) -> None:
    """An ASCII text is split without the patterns: the same words and figures as they find."""
    from flashdigest.cards import mcq

    assert mcq._words(text) == mcq._WORD_RE.findall(text.lower())
    assert mcq._numbers(text) == mcq._NUMBER_RE.findall(text)
