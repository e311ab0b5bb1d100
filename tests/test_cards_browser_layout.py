"""The cards' look in a real browser: paper cards, the flowchart's zoom, phone width and contrast
in light and night mode (Anki desktop's and AnkiDroid's classes), the real 2025-04-14 digest, and
the screenshot script."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from flashdigest.cards.mcq import answer_of
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import import_deck
from tests.browser_helpers import (
    ANKIDROID_NIGHT,
    DEMO_OPTIONS,
    DESKTOP_NIGHT,
    LIGHT,
    PHONE,
    TAPS_REACH_THE_CARD,
    ZOOM,
    ZOOM_MEASURE,
    click_option,
    option_rows,
    text_contrasts,
    visible_text,
    wait_for_images,
)
from tests.make_screenshots import SCALE, take_screenshots

if TYPE_CHECKING:
    from tests.browser_fixtures import Demo, Phone

pytest_plugins = ("tests.browser_fixtures",)
pytestmark = pytest.mark.browser

WRONG = DEMO_OPTIONS[0]


#: Anki desktop (both classes since 2.1.50, ``nightMode`` alone before) and AnkiDroid
NIGHTS = [DESKTOP_NIGHT, "nightMode", ANKIDROID_NIGHT]


def test_paper_card_front_asks_and_back_answers(demo: Demo, phone: Phone) -> None:
    card = demo.paper("3.")
    phone.desktop(demo, card.question, card.body_class())
    title = "Tiny Gardens: Sample-Efficient Planning with Pocket-Sized World Models"
    assert visible_text(phone.page, ".fd-prompt") == "What problem does Tiny Gardens address?"
    assert phone.page.inner_text(".fd-prompt i") == "Tiny Gardens"
    assert "power-hungry" not in visible_text(phone.page) and title not in visible_text(phone.page)
    phone.desktop(demo, card.answer, card.body_class())
    shown = visible_text(phone.page)
    point = shown.index("Large world models are too slow")
    assert point < shown.index("Published 2025-05-01 · Digest 2025-05-02")
    link = phone.page.locator(".fd-paper-back a.fd-title")
    assert link.get_attribute("href") == "https://arxiv.org/abs/2505.00001"
    assert link.inner_text() == title


def test_flowchart_is_on_the_methods_card_only_and_zooms_on_tap(demo: Demo, phone: Phone) -> None:
    for card in demo.cards:
        if card.notetype.startswith("FlashDigest Paper"):
            assert ('<div class="fd-figure">' in card.answer) == card.template.startswith("4."), card.template
    card = demo.paper("4.")
    phone.droid(demo, card.answer, card.body_class(), "back.html")
    assert phone.page.evaluate(TAPS_REACH_THE_CARD, ".fd-figure") == [True]
    assert_flowchart_zooms(phone.page)


def assert_flowchart_zooms(page: Any) -> None:
    """The flowchart loads and fits the card; a tap draws it at least 2.5 times as wide as it was
    fitted, under the app's own stylesheet that caps images, in a frame that scrolls both ways
    and opens on the chart (not on blank space beside it); another tap fits it again."""
    image = page.locator(".fd-figure img")
    figure = page.locator(".fd-figure")
    frame = page.locator(".fd-figure-frame")
    wait_for_images(page)
    assert image.evaluate("img => img.naturalWidth") > 0
    full = figure.evaluate("figure => figure.clientWidth")
    fitted = figure.evaluate(ZOOM_MEASURE)
    assert fitted["drawn"] > 0 and fitted["chartRight"] <= full + 1
    image.click()
    zoomed = figure.evaluate(ZOOM_MEASURE)
    assert zoomed["drawn"] >= ZOOM * fitted["drawn"], (fitted, zoomed)
    assert zoomed["chartLeft"] <= 16 and zoomed["chartRight"] >= zoomed["frameWidth"], zoomed  # on the chart
    assert (
        page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    )  # the frame scrolls, not the card
    size = frame.evaluate(
        """f => { f.scrollLeft = f.scrollWidth; f.scrollTop = f.scrollHeight;
                  return [f.scrollLeft, f.scrollTop, f.scrollHeight > f.clientHeight]; }"""
    )
    assert size[0] > 0
    assert size[1] > 0 or not size[2]  # it scrolls down too, when the chart is taller than the frame
    assert frame.evaluate("f => getComputedStyle(f).overflowY") == "auto"
    image.click()
    assert abs(figure.evaluate(ZOOM_MEASURE)["drawn"] - fitted["drawn"]) <= 1


@pytest.mark.parametrize("night", [LIGHT, *NIGHTS])
def test_every_side_fits_phone_width_with_readable_contrast(demo: Demo, phone: Phone, night: str) -> None:
    for card in demo.cards:
        for side in (card.question, card.answer):
            phone.desktop(demo, side, card.body_class(night))
            if card.notetype == "FlashDigest MCQ v2" and side == card.question:
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


def test_real_digest_cards_work_at_phone_width_light_and_night(
    shared_digests: Path, collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo], phone: Phone
) -> None:
    page_path = shared_digests / "html" / "2025-04-14.html"
    report = export_inputs([page_path], ExportOptions(out_dir=tmp_path / "decks", now=1_746_000_000))
    assert not report.failures and len(report.written) == 1
    import_deck(collection, report.written[0].path)
    served = serve_collection()
    kinds = Counter(card.notetype for card in served.cards)
    # the daily budget's deck: every point card (the import drops suspension), the best question of each paper
    assert (kinds["FlashDigest Paper v2"], kinds["FlashDigest MCQ v2"]) == (15, 3) and kinds[
        "FlashDigest Cloze"
    ] > 0
    for night in (LIGHT, DESKTOP_NIGHT):
        for card in served.cards:
            phone.desktop(served, card.question, card.body_class(night))
            assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
            if card.notetype == "FlashDigest MCQ v2":
                phone.page.locator(".fd-choices li").first.click()
            phone.desktop(served, card.answer, card.body_class(night))
            assert phone.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
            assert [c for c in text_contrasts(phone.page) if c.ratio < 4.5] == []
            if card.notetype == "FlashDigest MCQ v2":
                correct = [row.text for row in option_rows(phone.page) if "fd-correct" in row.marks]
                assert correct == [html.unescape(answer_of(card.fields["Answer"]))]
            elif card.template.startswith("4."):
                assert_flowchart_zooms(phone.page)
            else:
                assert phone.page.locator(".fd-figure").count() == 0


def test_screenshot_script_writes_phone_width_pngs(browser: Any, tmp_path: Path) -> None:
    paths = take_screenshots(browser, tmp_path)
    assert {path.name for path in paths} == {
        f"{card}-{side}-{mode}.png"
        for card in ("mcq", "paper", "cloze")
        for side in ("front", "back")
        for mode in ("light", "night")
    }
    for path in paths:
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(header[16:20], "big") == int(PHONE["width"] * SCALE)
    light, night = (tmp_path / f"mcq-back-{mode}.png" for mode in ("light", "night"))
    assert light.read_bytes() != night.read_bytes()


def test_flowchart_fills_the_width_without_javascript(demo: Demo, phone_without_js: Phone) -> None:
    card = demo.paper("4.")
    phone_without_js.droid(demo, card.answer, card.body_class(), "back.html")
    wait_for_images(phone_without_js.page)
    assert phone_without_js.page.locator(".fd-figure img").is_visible()
    full = phone_without_js.page.locator(".fd-figure").evaluate("figure => figure.clientWidth")
    assert abs(phone_without_js.page.locator(".fd-figure img").bounding_box()["width"] - full) <= 1
    assert "tap to zoom" not in visible_text(phone_without_js.page)
