"""Screenshots of the demo deck's cards at phone width, light and night, for docs/cards.md.

Run ``make screenshots`` (or ``.venv/bin/python -m tests.make_screenshots [OUT_DIR]``). The cards
are rendered by the real Anki backend and shown in Debian's headless Chromium exactly as the
browser tests show them; the MCQ back is shown after a wrong choice, so both marks are visible.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from flashdigest.verify import throwaway_collection
from tests.browser_helpers import (
    DEMO_OPTIONS,
    DEMO_QUESTION,
    DESKTOP_NIGHT,
    LIGHT,
    PHONE,
    RenderedCard,
    click_option,
    import_demo_deck,
    launched_chromium,
    rendered_cards,
    served_collection,
    show_desktop_side,
    wait_for_images,
)

OUT_DIR = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
MODES = {"light": LIGHT, "night": DESKTOP_NIGHT}
SCALE = 1.5
#: the same shuffle on every run (a seeded Math.random), so that unchanged cards give unchanged PNGs
SEEDED_RANDOM = """Math.random = (function () {
  var state = 20250502;
  return function () { state = (state * 16807) % 2147483647; return (state - 1) / 2147483646; };
})();"""
#: the paper card shown: its fourth point, the methods, whose back has the flowchart
PAPER_TEMPLATE = "4."


def take_screenshots(browser: Any, out_dir: Path) -> list[Path]:
    """Write {mcq,paper,cloze}-{front,back}-{light,night}.png into ``out_dir``; their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="flashdigest-shots-") as folder, throwaway_collection() as col:
        import_demo_deck(col, Path(folder) / "decks")
        cards = rendered_cards(col)
        mcq = next(card for card in cards if card.fields.get("Question") == DEMO_QUESTION)
        paper = next(card for card in cards if card.template.startswith(PAPER_TEMPLATE))
        cloze = next(
            card for card in cards if card.notetype == "FlashDigest Cloze" and "1/100" in card.answer
        )
        with served_collection(col, Path(folder) / "site") as server:
            reviewer = server.url("reviewer.html")
            for mode, night in MODES.items():
                context = browser.new_context(viewport=PHONE, device_scale_factor=SCALE)
                page = context.new_page()
                page.add_init_script(SEEDED_RANDOM)
                page.goto(reviewer)
                written += _shoot_card(page, mcq, "mcq", mode, night, out_dir)
                written += _shoot_card(page, paper, "paper", mode, night, out_dir)
                written += _shoot_card(page, cloze, "cloze", mode, night, out_dir)
                context.close()
    return written


def _shoot_card(page: Any, card: RenderedCard, name: str, mode: str, night: str, out_dir: Path) -> list[Path]:
    show_desktop_side(page, card.question, card.body_class(night))
    front = _shoot(page, out_dir / f"{name}-front-{mode}.png")
    if name == "mcq":
        click_option(page, DEMO_OPTIONS[0])
    show_desktop_side(page, card.answer, card.body_class(night))
    return [front, _shoot(page, out_dir / f"{name}-back-{mode}.png")]


def _shoot(page: Any, path: Path) -> Path:
    """The card's content, full width, down to a little below its last line."""
    wait_for_images(page)
    page.evaluate("window.scrollTo(0, 0)")
    bottom = page.evaluate("Math.ceil(document.getElementById('qa').getBoundingClientRect().bottom)")
    page.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], bottom + 24)})
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": PHONE["width"], "height": bottom + 24})
    page.set_viewport_size(PHONE)
    return path


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else OUT_DIR
    with launched_chromium() as browser:
        for path in take_screenshots(browser, out_dir):
            sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
