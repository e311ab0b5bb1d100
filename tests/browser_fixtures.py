"""Fixtures for the browser tests: Debian's headless Chromium, the demo deck rendered by the real
Anki backend and served on 127.0.0.1, and phone-width tabs that record script errors and requests.
Test modules load them with ``pytest_plugins = ("tests.browser_fixtures",)``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser_helpers import (
    DEMO_QUESTION,
    PHONE,
    CardServer,
    RenderedCard,
    browser_missing_reason,
    browser_required,
    import_demo_deck,
    launched_chromium,
    page_html,
    rendered_cards,
    served_collection,
    show_desktop_side,
)


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
def serve_collection(collection: Any, tmp_path: Path) -> Iterator[Callable[[], Demo]]:
    """Serves the cards of the ``collection`` fixture once decks are imported into it."""
    with ExitStack() as stack:

        def serve() -> Demo:
            server = stack.enter_context(served_collection(collection, tmp_path / "site"))
            return Demo(rendered_cards(collection), server, collection)

        yield serve


@pytest.fixture
def demo(collection: Any, tmp_path: Path, serve_collection: Callable[[], Demo]) -> Demo:
    import_demo_deck(collection, tmp_path / "decks")
    return serve_collection()


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
def new_phone(browser: Any) -> Iterator[Callable[[], Phone]]:
    """Opens tabs, each in its own context (no shared sessionStorage); afterwards, none may have
    had a script error or asked for anything but the local server."""
    tabs: list[Phone] = []

    def open_tab() -> Phone:
        tabs.append(Phone(browser))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.context.close()
        assert tab.errors == [], tab.errors
        assert all(url.startswith("http://127.0.0.1:") for url in tab.requests), tab.requests


@pytest.fixture
def phone(new_phone: Callable[[], Phone]) -> Phone:
    return new_phone()


@pytest.fixture
def phone_without_js(browser: Any) -> Iterator[Phone]:
    tab = Phone(browser, javascript=False)
    yield tab
    tab.context.close()
