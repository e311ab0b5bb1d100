"""Cards rendered the way Anki renders them, served on 127.0.0.1 and driven in headless Chromium.

The HTML of a card side is the real Anki backend's (``card.question()`` / ``card.answer()``:
the note type's CSS in a ``<style>`` and the rendered template). It is shown in one of two page
shells, like the two apps do it:

- desktop: one reviewer page whose ``#qa`` gets the front, then the back, the way Anki's
  reviewer script does (``innerHTML``, then each ``<script>`` replaced so that it runs, then the
  body's class set); the page, its globals and its sessionStorage live on across both sides.
- AnkiDroid: a fresh page per side, the card in the body from the start.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashdigest.cards.builder import build_deck
from flashdigest.export import deck_path, stamp_deck, write_deck
from flashdigest.model import Digest, Paper, PointKind, Question
from tests.anki_helpers import CLOZE, PAPER, family, import_deck

#: the page scripts and the demo flowchart the helpers use
CARD_DATA = Path(__file__).resolve().parent / "data" / "cards"


def _card_data(name: str) -> str:
    return (CARD_DATA / name).read_text(encoding="utf-8")


CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV = "FLASHDIGEST_REQUIRE_BROWSER"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}

#: body classes as the apps set them (Anki desktop's theme manager; AnkiDroid's card page)
LIGHT = ""
DESKTOP_NIGHT = "nightMode night_mode"
ANKIDROID_NIGHT = "night_mode"

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body class="{body_class}"><div id="qa">{content}</div></body></html>
"""

#: the stylesheets the apps put around a card, which cap every image: Anki desktop's reviewer
#: (ts/reviewer/reviewer.scss) and AnkiDroid's card page (its body has the class "chrome")
DESKTOP_REVIEWER_CSS = "img { max-width: 100%; max-height: 95vh; }"
ANKIDROID_CSS = ".chrome img { max-width: 100%; max-height: 90%; }"
#: the least a tap must enlarge the flowchart by, as drawn
ZOOM = 2.5
#: the flowchart as drawn (tests/data/cards/zoom_measure.js), for ``locator.evaluate``
ZOOM_MEASURE = _card_data("zoom_measure.js")

# Anki's reviewer (ts/reviewer): _updateQA -> setInnerHTML (scripts replaced to run them, in
# order) -> onupdate (the body's class). Kept as close to it as a test page allows.
_REVIEWER_SCRIPT = "<script>\n" + _card_data("reviewer.js") + "</script>"


@dataclass(frozen=True)
class RenderedCard:
    """One card as the Anki backend renders it."""

    notetype: str
    template: str
    ordinal: int
    question: str
    answer: str
    fields: dict[str, str]

    def body_class(self, night: str = LIGHT) -> str:
        return " ".join(part for part in ("card", f"card{self.ordinal + 1}", night) if part)


def rendered_cards(collection: Any) -> list[RenderedCard]:
    """Every card of the collection, rendered by the backend, by note type, template, ordinal."""
    cards = []
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        notetype = card.note_type()
        note = card.note()
        names = [field["name"] for field in notetype["flds"]]
        cards.append(
            RenderedCard(
                notetype["name"],
                card.template()["name"],
                card.ord,
                card.question(),
                card.answer(),
                dict(zip(names, note.fields, strict=True)),
            )
        )
    return sorted(cards, key=lambda c: (c.notetype, c.fields[_sort_field(c)], c.ordinal))


def _sort_field(card: RenderedCard) -> str:
    return {PAPER: "Title", CLOZE: "Text"}.get(family(card.notetype), "Question")


def page_html(content: str, body_class: str, title: str = "card") -> str:
    """AnkiDroid's card page: its stylesheet, and the class "chrome" on the body."""
    page = _PAGE.format(title=html.escape(title), body_class=f"{body_class} chrome".strip(), content=content)
    return page.replace("</head>", f"<style>{ANKIDROID_CSS}</style></head>")


def reviewer_html() -> str:
    """The desktop reviewer's page (its stylesheet), empty until ``_fdShowSide`` puts a card
    side in it."""
    page = _PAGE.format(title="reviewer", body_class="", content="")
    return page.replace("</head>", f"<style>{DESKTOP_REVIEWER_CSS}</style>{_REVIEWER_SCRIPT}</head>")


class CardServer:
    """A folder of pages and media served over HTTP on 127.0.0.1, on a free port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/{name}"

    def publish(self, name: str, text: str) -> str:
        (self.folder / name).write_text(text, encoding="utf-8")
        return self.url(name)

    def add_media(self, media_dir: Path) -> None:
        for item in media_dir.iterdir():
            if item.is_file():
                shutil.copy(item, self.folder / item.name)

    def __enter__(self) -> CardServer:
        (self.folder / "favicon.ico").write_bytes(b"")  # asked for by every page; a 404 is a console error
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def served_collection(collection: Any, folder: Path) -> Iterator[CardServer]:
    """A server for ``folder`` holding the collection's media and the desktop reviewer page."""
    folder.mkdir(parents=True, exist_ok=True)
    with CardServer(folder) as server:
        server.add_media(Path(collection.media.dir()))
        server.publish("reviewer.html", reviewer_html())
        yield server


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright's driver; no network but 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def browser_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def browser_required() -> bool:
    return bool(os.environ.get(REQUIRE_BROWSER_ENV))


def show_desktop_side(page: Any, content: str, body_class: str) -> None:
    """Put a card side into the open reviewer page, as Anki desktop does."""
    page.evaluate("([content, bodyClass]) => window._fdShowSide(content, bodyClass)", [content, body_class])


def wait_for_images(page: Any) -> None:
    """Until every image of the page has loaded (or failed to)."""
    page.wait_for_function("Array.from(document.images).every(image => image.complete)")


def visible_text(page: Any, selector: str = "#qa") -> str:
    return " ".join(str(page.inner_text(selector)).split())


def json_of(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


FLOWCHART_SVG = _card_data("flowchart.svg")

DEMO_QUESTION = "Where does the pocket-sized model get its knowledge from?"
DEMO_OPTIONS = (
    "Human demonstrations recorded on the robot",
    "A large teacher world model it is distilled from",
    "Random exploration without any teacher",
)
DEMO_ANSWER = 1


def demo_digest() -> Digest:
    """A small digest of our own: one paper with all five points (math in one), a flowchart
    and two answered questions."""
    paper = Paper(
        number=1,
        title="Tiny Gardens: Sample-Efficient Planning with Pocket-Sized World Models",
        published=dt.date(2025, 5, 1),
        link="https://arxiv.org/abs/2505.00001",
        points={
            PointKind.TOPIC: "World models for planning in small robotic control tasks.",
            PointKind.PRIOR_WORK: "Builds on latent world models; new is a model small enough "
            "for a microcontroller.",
            PointKind.PROBLEM: "Large world models are too slow and power-hungry for the cheap "
            "microcontrollers that small robots carry.",
            PointKind.METHODS: "Distils a large world model into a 2M-parameter student and plans "
            "with short rollouts.",
            PointKind.RESULTS: "Matches the teacher on four of five tasks at 1/100 of the energy "
            "($3 of power a year); planning costs $O(H \\cdot d^2)$ for horizon $H$ and width $d$.",
        },
        flowchart_text="Teacher world model -> distillation -> pocket model -> planner -> robot",
        flowchart_svg=FLOWCHART_SVG,
        questions=(
            Question(1, DEMO_QUESTION, DEMO_OPTIONS, DEMO_ANSWER),
            Question(
                2,
                "How many parameters does the student model have?",
                ("2 million", "20 million", "2 billion"),
                0,
            ),
        ),
    )
    return Digest(dt.date(2025, 5, 2), (paper,), Path("demo.yaml"), "yaml")


def import_demo_deck(collection: Any, folder: Path) -> Path:
    """Build, write and import the demo digest's deck; the deck's path."""
    build = build_deck(demo_digest())
    stamps = stamp_deck(build, None, now=1_746_000_000)
    write_deck(build, folder, stamps)
    deck = deck_path(folder, build)
    import_deck(collection, deck)
    return deck


@dataclass(frozen=True)
class OptionRow:
    """An option as the page shows it."""

    letter: str
    text: str
    marks: frozenset[str]
    badge: str


_OPTION_ROWS_JS = _card_data("option_rows.js")


# AnkiDroid's card script (and AnkiMobile) treat a tap as a gesture unless the element has an
# onclick handler or the class "tappable": both must hold, or a tap on an option flips the card.
TAPS_REACH_THE_CARD = """(selector) => Array.from(document.querySelectorAll(selector)).map(
  element => typeof element.onclick === "function" && element.classList.contains("tappable"))"""


def option_rows(page: Any, root: str = ".fd-mcq") -> list[OptionRow]:
    """The MCQ options in the order shown, with their marks (chosen, correct, wrong)."""
    rows = page.evaluate(_OPTION_ROWS_JS, root)
    return [
        OptionRow(
            row["letter"].strip(),
            " ".join(row["text"].split()),
            frozenset(row["marks"]),
            row["badge"].strip(),
        )
        for row in rows
    ]


def click_option(page: Any, text: str) -> None:
    page.locator(".fd-mcq .fd-choices ol > li", has_text=text).click()


# WCAG 2.x contrast of every visible text run against the background behind it (backgrounds
# composited up the tree onto white, as a page's canvas is).
_CONTRAST_JS = _card_data("contrast.js")


@dataclass(frozen=True)
class TextContrast:
    text: str
    ratio: float
    color: str
    background: str
    background_luminance: float


def text_contrasts(page: Any) -> list[TextContrast]:
    """Every visible piece of text on the card with its WCAG contrast ratio."""
    return [
        TextContrast(row["text"], row["ratio"], row["color"], row["background"], row["backgroundLuminance"])
        for row in page.evaluate(_CONTRAST_JS)
    ]
