"""The card templates in a real browser: the demo deck imported into the real Anki backend, its
cards rendered there, shown at phone width in Debian's headless Chromium and used like a reader
uses them, on Anki desktop (one page for both sides) and on AnkiDroid (a fresh page per side)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import import_deck
from tests.browser_helpers import (
    ANKIDROID_NIGHT,
    DEMO_ANSWER,
    DEMO_OPTIONS,
    DEMO_QUESTION,
    DESKTOP_NIGHT,
    LIGHT,
    PHONE,
    CardServer,
    RenderedCard,
    browser_missing_reason,
    browser_required,
    click_option,
    import_demo_deck,
    launched_chromium,
    option_rows,
    page_html,
    rendered_cards,
    served_collection,
    show_desktop_side,
    text_contrasts,
    visible_text,
    wait_for_images,
)
from tests.make_screenshots import SCALE, take_screenshots

RIGHT = DEMO_OPTIONS[DEMO_ANSWER]
WRONG = DEMO_OPTIONS[0]
NIGHTS = [DESKTOP_NIGHT, ANKIDROID_NIGHT]
# AnkiDroid's card script (and AnkiMobile) treat a tap as a gesture unless the element has an
# onclick handler or the class "tappable": both must hold, or a tap on an option flips the card.
TAPS_REACH_THE_CARD = """(selector) => Array.from(document.querySelectorAll(selector)).map(
  element => typeof element.onclick === "function" && element.classList.contains("tappable"))"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = browser_missing_reason()
    if reason:
        if browser_required():
            pytest.fail(f"browser tests required (FLASHDIGEST_REQUIRE_BROWSER) but {reason}")
        pytest.skip(reason)
    with launched_chromium() as launched:
        yield launched


@dataclass
class Demo:
    """The demo deck's cards as the backend renders them, and the server that shows them."""

    cards: list[RenderedCard]
    server: CardServer
    collection: Any

    def mcq(self) -> RenderedCard:
        return next(card for card in self.cards if card.fields.get("Question") == DEMO_QUESTION)

    def paper(self, template_start: str = "3.") -> RenderedCard:
        return next(card for card in self.cards if card.template.startswith(template_start))

    def rerender(self) -> None:
        self.cards = rendered_cards(self.collection)


@pytest.fixture
def demo(collection: Any, tmp_path: Path) -> Iterator[Demo]:
    import_demo_deck(collection, tmp_path / "decks")
    with served_collection(collection, tmp_path / "site") as server:
        yield Demo(rendered_cards(collection), server, collection)


class Phone:
    """A 360 px wide browser tab that records script errors and every URL it asks for."""

    def __init__(self, browser: Any, javascript: bool = True) -> None:
        self.context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.page.set_default_timeout(5000)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def desktop(self, demo: Demo, side_html: str, body_class: str) -> None:
        """Anki desktop: the reviewer page stays, the side's HTML goes into ``#qa``."""
        if not self.page.url.endswith("/reviewer.html"):
            self.page.goto(demo.server.url("reviewer.html"))
        show_desktop_side(self.page, side_html, body_class)

    def droid(self, demo: Demo, side_html: str, body_class: str, name: str) -> None:
        """AnkiDroid: each side is a fresh page load."""
        self.page.goto(demo.server.publish(name, page_html(side_html, body_class)))


@pytest.fixture
def phone(browser: Any) -> Iterator[Phone]:
    tab = Phone(browser)
    yield tab
    tab.context.close()
    assert tab.errors == [], tab.errors
    assert all(url.startswith("http://127.0.0.1:") for url in tab.requests), tab.requests


@pytest.fixture
def phone_without_js(browser: Any) -> Iterator[Phone]:
    tab = Phone(browser, javascript=False)
    yield tab
    tab.context.close()


def letter_of(rows: list[Any], text: str) -> str:
    return next(row.letter for row in rows if row.text == text)


def assert_front_gives_nothing_away(page: Any) -> None:
    rows = option_rows(page)
    assert [row.letter for row in rows] == ["A", "B", "C"]
    assert sorted(row.text for row in rows) == sorted(DEMO_OPTIONS)
    assert all(not row.marks and not row.badge for row in rows)
    shown = visible_text(page).lower()
    assert DEMO_QUESTION.lower() in shown
    for giveaway in ("correct", "answer", "right", "\u2713", "\u2717"):
        assert giveaway not in shown


def test_mcq_on_desktop_wrong_choice_then_back(demo: Demo, phone: Phone) -> None:
    card = demo.mcq()
    phone.desktop(demo, card.question, card.body_class())
    assert_front_gives_nothing_away(phone.page)
    assert phone.page.evaluate(TAPS_REACH_THE_CARD, ".fd-choices li") == [True] * 3
    click_option(phone.page, WRONG)
    front = option_rows(phone.page)
    right_letter = letter_of(front, RIGHT)
    assert {row.text: row.marks for row in front} == {
        WRONG: {"fd-wrong"},
        RIGHT: {"fd-correct"},
        DEMO_OPTIONS[2]: set(),
    }
    assert phone.page.inner_text(".fd-verdict") == f"\u2717 Not quite: the answer is {right_letter}."
    click_option(phone.page, RIGHT)  # a choice is final
    assert option_rows(phone.page) == front

    phone.desktop(demo, card.answer, card.body_class())
    back = option_rows(phone.page)
    assert [(row.letter, row.text) for row in back] == [(row.letter, row.text) for row in front]
    assert {row.text: (row.marks, row.badge) for row in back if row.marks} == {
        WRONG: ({"fd-wrong"}, "\u2717 your choice"),
        RIGHT: ({"fd-correct"}, "\u2713 correct"),
    }
    assert visible_text(phone.page, ".fd-answer-body") == f"{right_letter}. {RIGHT}"
    link = phone.page.locator(".fd-mcq-back a.fd-title")
    assert link.get_attribute("href") == "https://arxiv.org/abs/2505.00001"
    assert link.inner_text().startswith("Tiny Gardens:")


def test_mcq_right_choice_is_confirmed_on_both_sides(demo: Demo, phone: Phone) -> None:
    card = demo.mcq()
    phone.desktop(demo, card.question, card.body_class())
    click_option(phone.page, RIGHT)
    rows = option_rows(phone.page)
    assert [row.marks for row in rows if row.marks] == [{"fd-correct"}]
    assert phone.page.inner_text(".fd-verdict") == f"\u2713 Right: {letter_of(rows, RIGHT)} is correct."
    phone.desktop(demo, card.answer, card.body_class())
    back = option_rows(phone.page)
    assert [(row.text, row.badge) for row in back if row.marks] == [(RIGHT, "\u2713 your choice")]
    assert [row.text for row in back] == [row.text for row in rows]


def test_options_are_shuffled_per_review_and_the_back_keeps_the_order(demo: Demo, phone: Phone) -> None:
    card = demo.mcq()
    orders = set()
    for _ in range(24):
        phone.desktop(demo, card.question, card.body_class())
        front = tuple(row.text for row in option_rows(phone.page))
        phone.desktop(demo, card.answer, card.body_class())
        assert tuple(row.text for row in option_rows(phone.page)) == front
        assert sorted(front) == sorted(DEMO_OPTIONS)
        orders.add(front)
    assert len(orders) > 1


def test_shuffle_setting_in_the_note_type_turns_it_off(demo: Demo, phone: Phone) -> None:
    notetype = demo.collection.models.by_name("FlashDigest MCQ")
    template = notetype["tmpls"][0]
    assert 'data-fd-shuffle="on"' in template["qfmt"]
    template["qfmt"] = template["qfmt"].replace('data-fd-shuffle="on"', 'data-fd-shuffle="off"')
    demo.collection.models.update_dict(notetype)
    demo.rerender()
    card = demo.mcq()
    for _ in range(8):
        phone.desktop(demo, card.question, card.body_class())
        assert [row.text for row in option_rows(phone.page)] == list(DEMO_OPTIONS)


def test_mcq_on_ankidroid_carries_order_and_choice_to_a_fresh_back_page(demo: Demo, phone: Phone) -> None:
    card = demo.mcq()
    phone.droid(demo, card.question, card.body_class(), "front.html")
    assert_front_gives_nothing_away(phone.page)
    click_option(phone.page, WRONG)
    front = [row.text for row in option_rows(phone.page)]
    phone.droid(demo, card.answer, card.body_class(), "back.html")
    back = option_rows(phone.page)
    assert [row.text for row in back] == front
    assert {row.text: row.marks for row in back if row.marks} == {WRONG: {"fd-wrong"}, RIGHT: {"fd-correct"}}


def test_back_without_carried_choice_shows_the_answer_plainly(demo: Demo, browser: Any) -> None:
    card = demo.mcq()
    front_tab, back_tab = Phone(browser), Phone(browser)  # two contexts share no sessionStorage
    front_tab.droid(demo, card.question, card.body_class(), "front.html")
    click_option(front_tab.page, WRONG)
    back_tab.droid(demo, card.answer, card.body_class(), "back.html")
    back = option_rows(back_tab.page)
    assert [(row.letter, row.text) for row in back] == list(zip("ABC", DEMO_OPTIONS, strict=True))
    assert [(row.text, row.badge) for row in back if row.marks] == [(RIGHT, "\u2713 correct")]
    assert visible_text(back_tab.page, ".fd-answer-body") == f"B. {RIGHT}"
    for tab in (front_tab, back_tab):
        tab.context.close()
        assert tab.errors == []


def test_mcq_without_javascript(demo: Demo, phone_without_js: Phone) -> None:
    card = demo.mcq()
    phone_without_js.droid(demo, card.question, card.body_class(), "front.html")
    assert_front_gives_nothing_away(phone_without_js.page)
    assert [row.text for row in option_rows(phone_without_js.page)] == list(DEMO_OPTIONS)
    phone_without_js.droid(demo, card.answer, card.body_class(), "back.html")
    assert [row.text for row in option_rows(phone_without_js.page)] == list(DEMO_OPTIONS)
    assert visible_text(phone_without_js.page, ".fd-answer-body") == RIGHT
    assert phone_without_js.page.locator(".fd-answer").is_visible()


def test_front_html_does_not_single_out_the_answer(demo: Demo) -> None:
    front = re.sub(r"<(style|script)>.*?</\1>", "", demo.mcq().question, flags=re.DOTALL)
    items = re.findall(r"<li\b[^>]*>", front)
    assert len(items) == 3
    shapes = {re.sub(r'data-fd-key="[0-9a-f]{8}"', 'data-fd-key=""', item) for item in items}
    assert len(shapes) == 1, shapes
    assert front.count(RIGHT) == 1  # only as an option, never as an answer
    assert "fd-correct" not in front and "Answer" not in front


def test_script_survives_a_page_without_session_storage(demo: Demo, phone: Phone) -> None:
    card = demo.mcq()
    phone.page.set_content(page_html(card.question, card.body_class()))  # about:blank: storage throws
    click_option(phone.page, WRONG)
    assert {row.text: row.marks for row in option_rows(phone.page) if row.marks} == {
        WRONG: {"fd-wrong"},
        RIGHT: {"fd-correct"},
    }
    phone.requests.clear()


def test_mcq_script_leaves_one_namespaced_global(demo: Demo, phone: Phone) -> None:
    card = demo.mcq()
    phone.page.goto(demo.server.url("reviewer.html"))
    before = set(phone.page.evaluate("Object.keys(window)"))
    show_desktop_side(phone.page, card.question, card.body_class())
    show_desktop_side(phone.page, card.answer, card.body_class())
    assert set(phone.page.evaluate("Object.keys(window)")) - before == {"__flashdigestMcq"}


def test_paper_card_front_asks_and_back_answers(demo: Demo, phone: Phone) -> None:
    card = demo.paper("3.")
    phone.desktop(demo, card.question, card.body_class())
    title = "Tiny Gardens: Sample-Efficient Planning with Pocket-Sized World Models"
    assert visible_text(phone.page, ".fd-prompt") == f"What problem does {title} address?"
    assert phone.page.inner_text(".fd-prompt i") == title
    assert "power-hungry" not in visible_text(phone.page)
    phone.desktop(demo, card.answer, card.body_class())
    shown = visible_text(phone.page)
    point = shown.index("Large world models are too slow")
    assert point < shown.index("Published 2025-05-01 · Digest 2025-05-02")
    link = phone.page.locator(".fd-paper-back a.fd-title")
    assert link.get_attribute("href") == "https://arxiv.org/abs/2505.00001"
    assert link.inner_text() == title


def test_flowchart_loads_and_zooms_to_full_width_on_tap(demo: Demo, phone: Phone) -> None:
    card = demo.paper("1.")
    phone.droid(demo, card.answer, card.body_class(), "back.html")
    assert phone.page.evaluate(TAPS_REACH_THE_CARD, ".fd-figure") == [True]
    assert_flowchart_zooms_to_full_width(phone.page)


def assert_flowchart_zooms_to_full_width(page: Any) -> None:
    """The flowchart loads, fits in less than the card's width, fills it on a tap, shrinks on another."""
    image = page.locator(".fd-figure img")
    wait_for_images(page)
    assert image.evaluate("img => img.naturalWidth") > 0
    full = page.locator(".fd-figure").evaluate("figure => figure.clientWidth")
    fitted = image.bounding_box()["width"]
    assert fitted < full - 20
    image.click()
    assert abs(image.bounding_box()["width"] - full) <= 1
    image.click()
    assert image.bounding_box()["width"] == pytest.approx(fitted, abs=1)


@pytest.mark.parametrize("night", [LIGHT, *NIGHTS])
def test_every_side_fits_phone_width_with_readable_contrast(demo: Demo, phone: Phone, night: str) -> None:
    for card in demo.cards:
        for side in (card.question, card.answer):
            phone.desktop(demo, side, card.body_class(night))
            if card.notetype == "FlashDigest MCQ" and side == card.question:
                click_option(phone.page, WRONG if WRONG in card.question else "20 million")
            assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
            contrasts = text_contrasts(phone.page)
            assert contrasts, card.template
            poor = [c for c in contrasts if c.ratio < 4.5]
            assert not poor, (card.template, night, poor)
            dark = [c.background_luminance < 0.05 for c in contrasts]
            assert all(dark) if night else not any(dark), (night, contrasts)


@pytest.mark.parametrize("night", [LIGHT, *NIGHTS])
def test_mcq_back_after_a_wrong_choice_has_readable_contrast(demo: Demo, phone: Phone, night: str) -> None:
    card = demo.mcq()
    phone.desktop(demo, card.question, card.body_class(night))
    click_option(phone.page, WRONG)
    phone.desktop(demo, card.answer, card.body_class(night))
    assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    poor = [c for c in text_contrasts(phone.page) if c.ratio < 4.5]
    assert not poor, poor


def test_screenshot_script_writes_phone_width_pngs(browser: Any, tmp_path: Path) -> None:
    paths = take_screenshots(browser, tmp_path)
    assert {path.name for path in paths} == {
        f"{card}-{side}-{mode}.png"
        for card in ("mcq", "paper")
        for side in ("front", "back")
        for mode in ("light", "night")
    }
    for path in paths:
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(header[16:20], "big") == int(PHONE["width"] * SCALE)
    light, night = (tmp_path / f"mcq-back-{mode}.png" for mode in ("light", "night"))
    assert light.read_bytes() != night.read_bytes()


def edit_mcq_note(demo: Demo, **fields: str) -> RenderedCard:
    """Change the demo MCQ note's fields in the collection, as a user would in Anki's editor."""
    note = demo.collection.get_note(demo.collection.find_notes(f'"Question:{DEMO_QUESTION}"')[0])
    for name, value in fields.items():
        note[name] = value
    demo.collection.update_note(note)
    demo.rerender()
    return next(card for card in demo.cards if card.fields["Question"] == note["Question"])


def test_hand_edited_choices_without_keys_still_work(demo: Demo, phone: Phone) -> None:
    plain = "".join(f"<li>{option}</li>" for option in DEMO_OPTIONS)
    card = edit_mcq_note(demo, Choices=f"<ol>{plain}</ol>")
    phone.desktop(demo, card.question, card.body_class())
    click_option(phone.page, WRONG)
    front = [row.text for row in option_rows(phone.page)]
    assert phone.page.inner_text(".fd-verdict").endswith("Flip the card to check.")
    phone.desktop(demo, card.answer, card.body_class())
    back = option_rows(phone.page)
    assert [row.text for row in back] == front
    assert {row.text: row.marks for row in back if row.marks} == {WRONG: {"fd-wrong"}, RIGHT: {"fd-correct"}}


@pytest.mark.parametrize("choices", ["", "no list at all", "<ol></ol>"])
def test_mcq_without_usable_choices_shows_no_script_errors(demo: Demo, phone: Phone, choices: str) -> None:
    card = edit_mcq_note(demo, Choices=choices) if choices else edit_mcq_note(demo, Choices="", Answer="")
    phone.desktop(demo, card.question, card.body_class(DESKTOP_NIGHT))
    phone.desktop(demo, card.answer, card.body_class(DESKTOP_NIGHT))
    assert DEMO_QUESTION in visible_text(phone.page)


def test_templates_load_nothing_from_outside() -> None:
    from flashdigest.cards.notetypes import mcq_model, paper_model

    for model in (mcq_model(), paper_model()):
        texts = [model.css] + [t[side] for t in model.templates for side in ("qfmt", "afmt")]
        for text in texts:
            assert not re.search(r"(?i)@import|url\(|\bsrc=|https?:|//[a-z]", text), text


def test_real_digest_cards_work_at_phone_width_light_and_night(
    shared_digests: Path, collection: Any, tmp_path: Path, phone: Phone
) -> None:
    page_path = shared_digests / "html" / "2025-04-14.html"
    report = export_inputs([page_path], ExportOptions(out_dir=tmp_path / "decks", now=1_746_000_000))
    assert not report.failures and len(report.written) == 1
    import_deck(collection, report.written[0].path)
    cards = rendered_cards(collection)
    assert len(cards) == 15 + 9
    with served_collection(collection, tmp_path / "site") as server:
        demo = Demo(cards, server, collection)
        for night in (LIGHT, DESKTOP_NIGHT):
            for card in cards:
                phone.desktop(demo, card.question, card.body_class(night))
                assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
                if card.notetype == "FlashDigest MCQ":
                    phone.page.locator(".fd-choices li").first.click()
                phone.desktop(demo, card.answer, card.body_class(night))
                assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
                assert [c for c in text_contrasts(phone.page) if c.ratio < 4.5] == []
                if card.notetype == "FlashDigest MCQ":
                    correct = [row.text for row in option_rows(phone.page) if "fd-correct" in row.marks]
                    assert correct == [html.unescape(card.fields["Answer"])]
                else:
                    assert_flowchart_zooms_to_full_width(phone.page)
