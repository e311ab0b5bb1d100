"""The cards as a learner meets them, over real digests: decks written from the shared pages,
imported into the real Anki backend, rendered there and shown at 360 px in headless Chromium.
Short fronts that name the paper, figures asked on cloze cards, one zoomable flowchart per paper,
fair multiple choice, Chinese pages in Chinese, dates that never break, equations that scroll."""

# ruff: noqa: RUF001  (Chinese text is written with Chinese punctuation)

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from flashdigest.cards.mcq import answer_of
from flashdigest.model import PointKind
from flashdigest.parse import ParseOptions, read_digests
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import CLOZE, FULL_SET, MCQ, PAPER, family, import_deck
from tests.browser_helpers import (
    DESKTOP_NIGHT,
    LIGHT,
    PHONE,
    RenderedCard,
    option_rows,
    text_contrasts,
    visible_text,
)
from tests.test_cards_browser_layout import assert_flowchart_zooms

if TYPE_CHECKING:
    from tests.browser_fixtures import Demo, Phone

pytest_plugins = ("tests.browser_fixtures",)
pytestmark = pytest.mark.browser

MAX_FRONT = 110  # visible characters on a paper card's front


def served_page(
    shared: Path, page: str, lang: str, collection: Any, tmp_path: Path, serve: Callable[[], Demo]
) -> Demo:
    source = shared / "html" / f"{page}.html"
    options = ExportOptions(  # every card of the page (the daily budget is tests/test_cards_budget.py's)
        out_dir=tmp_path / f"decks-{lang}", parse=ParseOptions(lang=lang), now=1_746_000_000, deck=FULL_SET
    )
    report = export_inputs([source], options)
    assert not report.failures and len(report.written) == 1
    import_deck(collection, report.written[0].path)
    return serve()


def of_kind(demo: Demo, kind: str) -> list[RenderedCard]:
    return [card for card in demo.cards if family(card.notetype) == kind]


@pytest.mark.parametrize(("page", "lang"), [("2025-04-14", "en"), ("2026-04-10", "en"), ("2026-04-10", "zh")])
def test_fronts_are_short_and_name_the_paper_by_its_short_name(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo], phone: Phone,
    page: str, lang: str,
) -> None:  # fmt: skip
    served = served_page(shared_digests, page, lang, collection, tmp_path, serve_collection)
    for card in of_kind(served, PAPER):
        phone.desktop(served, card.question, card.body_class())
        shown = visible_text(phone.page)
        assert len(shown) < MAX_FRONT, shown
        assert html.unescape(card.fields["ShortName"]) in visible_text(phone.page, ".fd-prompt")
        assert html.unescape(card.fields["Title"]) not in shown or ":" not in card.fields["Title"]
        phone.desktop(served, card.answer, card.body_class())
        assert html.unescape(card.fields["Title"]) in visible_text(
            phone.page, ".fd-source"
        )  # in full on the back
    for card in of_kind(served, MCQ):
        phone.desktop(served, card.question, card.body_class())
        kicker = visible_text(phone.page, ".fd-kicker")
        assert html.unescape(card.fields["ShortName"]) in kicker and page in kicker, kicker


BLANKED_BACK = """() => { const text = document.querySelector(".fd-cloze-text").cloneNode(true);
  text.querySelector(".cloze").textContent = "[...]";
  return text.textContent.replace(/\\s+/g, " ").trim(); }"""


def test_cloze_cards_of_a_real_page_blank_one_figure_each(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo], phone: Phone
) -> None:
    served = served_page(shared_digests, "2025-04-14", "en", collection, tmp_path, serve_collection)
    points = {
        html.unescape(card.fields["Title"]): [
            html.unescape(card.fields[kind.field_name]) for kind in PointKind
        ]
        for card in of_kind(served, PAPER)
    }
    answers: dict[str, set[str]] = defaultdict(set)
    for card in of_kind(served, CLOZE):
        phone.desktop(served, card.question, card.body_class())
        assert [blank.strip() for blank in phone.page.locator(".cloze").all_inner_texts()] == ["[...]"]
        front = visible_text(phone.page, ".fd-cloze-text")
        phone.desktop(served, card.answer, card.body_class())
        (answer,) = phone.page.locator(".fd-cloze-text .cloze").all_inner_texts()
        back = visible_text(phone.page, ".fd-cloze-text")
        assert phone.page.evaluate(BLANKED_BACK) == front  # the same sentence, the answer in the blank
        title = html.unescape(card.fields["Title"])
        assert any(back in point for point in points[title])  # the point's own sentence
        before = phone.page.evaluate(BLANKED_BACK).split("[...]")[0]
        assert not re.search(r"[A-Za-z]-$", before)  # never the digits of a name (Seaweed-7B)
        answers[card.fields["ShortName"]].add(answer)
    # one card a sentence, its headline figure; the title's own count (Seaweed-7B's 7 billion) is no card
    assert answers["Seaweed-7B"] == {"665,000"}
    assert answers["C3PO"] == {"7-15%", "10-20%"}
    assert all(len(found) <= 3 * len(PointKind) for found in answers.values())


def test_a_contrast_is_one_card_with_both_sides_blanked_at_phone_width(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo], phone: Phone
) -> None:
    served = served_page(shared_digests, "2026-08-21", "en", collection, tmp_path, serve_collection)
    (card,) = [card for card in of_kind(served, CLOZE) if "PSNR" in card.fields["Text"]]
    phone.desktop(served, card.question, card.body_class())
    assert [blank.strip() for blank in phone.page.locator(".cloze").all_inner_texts()] == ["[...]", "[...]"]
    assert "(vs. [...] for ReCamMaster)" in visible_text(phone.page, ".fd-cloze-text")
    assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.desktop(served, card.answer, card.body_class())
    assert phone.page.locator(".fd-cloze-text .cloze").all_inner_texts() == ["24.33", "21.47"]
    assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_each_paper_shows_its_flowchart_once_and_it_zooms_past_two_and_a_half_widths(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo], phone: Phone
) -> None:
    served = served_page(shared_digests, "2025-04-14", "en", collection, tmp_path, serve_collection)
    shown: dict[str, int] = defaultdict(int)
    for card in served.cards:
        for side in (card.question, card.answer):
            phone.desktop(served, side, card.body_class())
            shown[card.fields.get("Title") or card.fields["Paper"]] += phone.page.locator(
                ".fd-figure img"
            ).count()
        if card.template.startswith("4."):
            assert_flowchart_zooms(phone.page)
    assert len(shown) == 3 and set(shown.values()) == {1}


def test_mcq_fronts_show_the_stored_order_not_the_digests_without_javascript(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo],
    phone_without_js: Phone,
) -> None:  # fmt: skip
    served = served_page(shared_digests, "2025-04-14", "en", collection, tmp_path, serve_collection)
    (digest,) = read_digests(shared_digests / "html" / "2025-04-14.html", ParseOptions())
    in_digest = {q.text: (list(q.options), q.answer) for p in digest.papers for q in p.questions}
    places = []
    for number, card in enumerate(of_kind(served, MCQ)):
        phone_without_js.droid(served, card.question, card.body_class(), f"front-{number}.html")
        options, answer = in_digest[html.unescape(card.fields["Question"])]
        shown = [row.text for row in option_rows(phone_without_js.page)]
        assert sorted(shown) == sorted(options) and shown != options
        places.append(shown.index(options[answer]))  # type: ignore[index]
        assert html.unescape(card.fields["ShortName"]) in visible_text(phone_without_js.page, ".fd-kicker")
    assert len(places) == 9 and len(set(places)) == 3


NIGHTS = [LIGHT, DESKTOP_NIGHT]
ENGLISH_SCAFFOLDING = re.compile(
    r"\b(What|Quiz|Published|Digest|Answer|From|Not quite|Grade|Flowchart|figure)\b"
)


@pytest.mark.parametrize("night", NIGHTS)
def test_chinese_page_gives_chinese_prompts_and_labels(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo], phone: Phone,
    night: str,
) -> None:  # fmt: skip
    served = served_page(shared_digests, "2026-04-10", "zh", collection, tmp_path, serve_collection)
    for card in served.cards:
        assert card.fields["Lang"] == "zh"
        phone.desktop(served, card.question, card.body_class(night))
        if family(card.notetype) == MCQ:
            wrong = next(
                row.text
                for row in option_rows(phone.page)
                if row.text != html.unescape(answer_of(card.fields["Answer"]))
            )
            phone.page.locator(".fd-choices li", has_text=wrong).first.click()
            assert phone.page.inner_text(".fd-verdict").startswith("\u2717 不对：答案是")
            assert phone.page.inner_text(".fd-grade") == "请评“重来”。"
        front = visible_text(phone.page)
        assert not ENGLISH_SCAFFOLDING.search(front), front
        phone.desktop(served, card.answer, card.body_class(night))
        shown = visible_text(phone.page)
        titles = [card.fields.get(name, "") for name in ("Title", "Paper")]
        for title in titles:
            shown = shown.replace(html.unescape(title), "")
        assert not ENGLISH_SCAFFOLDING.search(shown), shown
        assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        assert [c for c in text_contrasts(phone.page) if c.ratio < 4.5] == []
    prompts = {
        visible_text_of(served, phone, card)
        for card in of_kind(served, PAPER)
        if card.template.startswith("5.")
    }
    assert all(prompt.endswith("报告了哪些结果？") for prompt in prompts), prompts


def visible_text_of(served: Demo, phone: Phone, card: RenderedCard) -> str:
    phone.desktop(served, card.question, card.body_class())
    return visible_text(phone.page, ".fd-prompt")


def test_dates_never_break_across_lines(demo: Demo, phone: Phone) -> None:
    phone.page.set_viewport_size({"width": 200, "height": 700})  # narrower than any phone
    for card in demo.cards:
        for side in (card.question, card.answer):
            phone.desktop(demo, side, card.body_class())
            dates = phone.page.locator(".fd-date")
            assert dates.count() > 0
            lines = dates.evaluate_all("spans => spans.map(span => span.getClientRects().length)")
            assert set(lines) == {1}, (card.template, lines)


def test_a_wide_displayed_equation_scrolls_by_itself(demo: Demo, phone: Phone) -> None:
    card = demo.paper("5.")
    phone.desktop(demo, card.answer, card.body_class())
    # what Anki's MathJax 3 makes of \[...\]: a display container as wide as the formula
    phone.page.evaluate(
        """() => { const math = document.createElement("mjx-container");
                   math.setAttribute("display", "true");
                   math.innerHTML = '<span style="display:inline-block;width:900px">x</span>';
                   document.querySelector(".fd-point").appendChild(math); }"""
    )
    assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    math = phone.page.locator("mjx-container")
    assert math.evaluate("m => m.scrollWidth > m.clientWidth && getComputedStyle(m).overflowX === 'auto'")


BOX_TOPS = """() => ["fd-answer-letter", "fd-answer-own", "fd-stated"].map(name => {
  const box = document.querySelector(".fd-mcq-back ." + name).getBoundingClientRect();
  return box.height ? box.top : null; })"""


@pytest.mark.parametrize(
    ("page", "lang", "label"), [("2025-04-14", "en", "Results"), ("2026-04-10", "zh", "结果")]
)
def test_mcq_back_shows_the_point_that_states_the_answer_after_it_at_phone_width(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo],
    phone: Phone, phone_without_js: Phone, page: str, lang: str, label: str,
) -> None:  # fmt: skip
    served = served_page(shared_digests, page, lang, collection, tmp_path, serve_collection)
    stated = [card for card in of_kind(served, MCQ) if '<div class="fd-stated">' in card.fields["Answer"]]
    assert len(stated) in {2, 3} and any(label in card.fields["Answer"] for card in stated)
    for number, card in enumerate(stated):
        sentence = html.unescape(card.fields["Answer"].split("</span> ", 2)[-1].removesuffix("</div>"))
        answer = html.unescape(answer_of(card.fields["Answer"]))
        phone.desktop(served, card.question, card.body_class())
        phone.page.locator(".fd-choices li", has_text=answer).first.click()
        phone.desktop(served, card.answer, card.body_class())
        letter, own, block = phone.page.evaluate(BOX_TOPS)
        assert (
            own is None and block is not None and letter < block
        )  # the letter, then the point's sentence below it
        assert sentence in visible_text(phone.page, ".fd-stated")
        assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        phone_without_js.droid(served, card.answer, card.body_class(), f"back-{number}.html")
        _, own, block = phone_without_js.page.evaluate(BOX_TOPS)
        assert (
            own is not None and block is not None and own < block
        )  # without the script: the answer's words, then the sentence
        assert answer in visible_text(phone_without_js.page, ".fd-answer-own")
        assert phone_without_js.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
