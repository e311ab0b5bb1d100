"""The multiple-choice card in a real browser: the demo deck imported into the real Anki backend,
its cards rendered there, shown at phone width in Debian's headless Chromium and used like a reader
uses them, on Anki desktop (one page for both sides) and on AnkiDroid (a fresh page per side)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser_helpers import (
    DEMO_ANSWER,
    DEMO_OPTIONS,
    DEMO_QUESTION,
    DESKTOP_NIGHT,
    TAPS_REACH_THE_CARD,
    RenderedCard,
    click_option,
    option_rows,
    page_html,
    show_desktop_side,
    visible_text,
)

if TYPE_CHECKING:
    from tests.browser_fixtures import Demo, Phone

pytest_plugins = ("tests.browser_fixtures",)
pytestmark = pytest.mark.browser

RIGHT = DEMO_OPTIONS[DEMO_ANSWER]
WRONG = DEMO_OPTIONS[0]
GRADE_WRONG = "Grade Again."
GRADE_RIGHT = "Grade Good, or Hard if you guessed."


def stored_options(card: RenderedCard) -> list[str]:
    """The options in the order the note's Choices field stores them."""
    texts = re.findall(r'<span class="fd-option-text">(.*?)</span>', card.fields["Choices"])
    return [html.unescape(text) for text in texts]


def letter_of(rows: list[Any], text: str) -> str:
    return str(next(row.letter for row in rows if row.text == text))


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
    assert phone.page.inner_text(".fd-grade") == GRADE_WRONG
    click_option(phone.page, RIGHT)  # a choice is final
    assert option_rows(phone.page) == front

    phone.desktop(demo, card.answer, card.body_class())
    back = option_rows(phone.page)
    assert [(row.letter, row.text) for row in back] == [(row.letter, row.text) for row in front]
    assert {row.text: (row.marks, row.badge) for row in back if row.marks} == {
        WRONG: (frozenset({"fd-wrong"}), "\u2717 your choice"),
        RIGHT: (frozenset({"fd-correct"}), "\u2713 correct"),
    }
    assert visible_text(phone.page, ".fd-answer-body") == right_letter
    assert visible_text(phone.page).count(RIGHT) == 1  # the answer shows once: as the marked option
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
    assert phone.page.inner_text(".fd-grade") == GRADE_RIGHT
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
    notetype = demo.collection.models.by_name("FlashDigest MCQ v2")
    template = notetype["tmpls"][0]
    assert 'data-fd-shuffle="on"' in template["qfmt"]
    template["qfmt"] = template["qfmt"].replace('data-fd-shuffle="on"', 'data-fd-shuffle="off"')
    demo.collection.models.update_dict(notetype)
    demo.rerender()
    card = demo.mcq()
    stored = stored_options(card)
    assert sorted(stored) == sorted(DEMO_OPTIONS) and stored != list(DEMO_OPTIONS)
    for _ in range(8):
        phone.desktop(demo, card.question, card.body_class())
        assert [row.text for row in option_rows(phone.page)] == stored


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


def test_back_without_carried_choice_shows_the_answer_plainly(
    demo: Demo, new_phone: Callable[[], Phone]
) -> None:
    card = demo.mcq()
    front_tab, back_tab = new_phone(), new_phone()  # two contexts share no sessionStorage
    front_tab.droid(demo, card.question, card.body_class(), "front.html")
    click_option(front_tab.page, WRONG)
    back_tab.droid(demo, card.answer, card.body_class(), "back.html")
    back = option_rows(back_tab.page)
    stored = stored_options(card)
    assert [(row.letter, row.text) for row in back] == list(zip("ABC", stored, strict=True))
    assert [(row.text, row.badge) for row in back if row.marks] == [(RIGHT, "\u2713 correct")]
    assert visible_text(back_tab.page, ".fd-answer-body") == "ABC"[stored.index(RIGHT)]


def test_mcq_without_javascript(demo: Demo, phone_without_js: Phone) -> None:
    card = demo.mcq()
    phone_without_js.droid(demo, card.question, card.body_class(), "front.html")
    assert_front_gives_nothing_away(phone_without_js.page)
    stored = stored_options(card)
    assert stored != list(DEMO_OPTIONS)  # never the digest's order, where the answer sat at B
    assert [row.text for row in option_rows(phone_without_js.page)] == stored
    phone_without_js.droid(demo, card.answer, card.body_class(), "back.html")
    assert [row.text for row in option_rows(phone_without_js.page)] == stored
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


def edit_mcq_note(demo: Demo, **fields: str) -> RenderedCard:
    """Change the demo MCQ note's fields in the collection, as a user would in Anki's editor."""
    note = demo.collection.get_note(demo.collection.find_notes(f'"Question:{DEMO_QUESTION}"')[0])
    for name, value in fields.items():
        note[name] = value
    demo.collection.update_note(note)
    demo.rerender()
    return next(card for card in demo.cards if card.fields.get("Question") == note["Question"])


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
    from flashdigest.cards.notetypes import all_models

    for model in all_models():
        texts = [model.css] + [t[side] for t in model.templates for side in ("qfmt", "afmt")]
        for text in texts:
            assert not re.search(r"(?i)@import|url\(|\bsrc=|https?:|//[a-z]", text), text


def test_an_answer_field_from_before_the_stated_point_still_shows_once(demo: Demo, phone: Phone) -> None:
    """An MCQ note a release before wrote (its Answer the answer's words alone, no span) under this
    version's CSS: after a tap the back names the letter only, the marked option shows the words."""
    card = edit_mcq_note(demo, Answer=RIGHT)
    phone.desktop(demo, card.question, card.body_class())
    click_option(phone.page, WRONG)
    letter = letter_of(option_rows(phone.page), RIGHT)
    phone.desktop(demo, card.answer, card.body_class())
    assert visible_text(phone.page, ".fd-answer-body") == letter
    current = edit_mcq_note(demo, Answer=f'<span class="fd-answer-own">{RIGHT}</span>')
    phone.desktop(demo, current.question, current.body_class())
    click_option(phone.page, WRONG)
    phone.desktop(demo, current.answer, current.body_class())
    assert visible_text(phone.page, ".fd-answer-body") == letter_of(option_rows(phone.page), RIGHT)


def test_hand_edited_choices_without_keys_find_the_answer_before_its_stated_point(
    demo: Demo, phone: Phone
) -> None:
    """Options without keys are checked against the answer's own words, not against the sentence
    of the point that states the answer after them."""
    plain = "".join(f"<li>{option}</li>" for option in DEMO_OPTIONS)
    stated = '<div class="fd-stated"><span class="fd-kicker">Methods</span> The student is distilled.</div>'
    answer = f'<span class="fd-answer-own">{RIGHT}</span>{stated}'
    card = edit_mcq_note(demo, Choices=f"<ol>{plain}</ol>", Answer=answer)
    phone.desktop(demo, card.question, card.body_class())
    click_option(phone.page, WRONG)
    phone.desktop(demo, card.answer, card.body_class())
    assert {row.text: row.marks for row in option_rows(phone.page) if row.marks} == {
        WRONG: {"fd-wrong"},
        RIGHT: {"fd-correct"},
    }
    assert visible_text(phone.page, ".fd-stated") == "METHODS The student is distilled."  # kicker in capitals
