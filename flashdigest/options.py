"""What a user can choose about reading inputs, and which files count as inputs.

Kept apart from the parsers so that the CLI and an incremental run can know these without
importing any parser.
"""

from __future__ import annotations

from pathlib import Path

from .frozen import frozen

FORMATS = ("text", "html", "jsonl", "yaml")
LANGUAGES = ("en", "zh")
SUPPORTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".jsonl", ".yaml", ".yml")
ANSWER_KEY_SUFFIX = ".answers.yaml"
#: where AnkiConnect listens by default (`export --anki-connect` without a URL)
DEFAULT_ANKI_CONNECT_URL = "http://127.0.0.1:8765"
#: seconds a whole fetch run may take (index and pages); the pages left wait for the next run
MAX_TIME = 1800.0
#: seconds one page may take in all (headers, body, retries and their waits)
PAGE_TIME = 120.0
#: pages not saved yet that one run fetches; the others wait for the next run
MAX_NEW_PAGES = 300
#: the digest site `fetch` reads by default (its index.html links every page)
DEFAULT_SITE = "https://xinzhang-ops.github.io/daily_paper/"


#: how long `export --wait` waits for another export by default
DEFAULT_WAIT_SECONDS = 900.0

#: the root of the decks' names: ``Paper Digests::YYYY-MM-DD``
DECK_ROOT = "Paper Digests"


#: the kinds of cards `--cards` chooses from: a paper's point cards by point, its figure clozes,
#: its multiple-choice questions
CARD_KINDS = ("topic", "prior", "problem", "methods", "results", "figures", "quiz")
#: what `--cards` accepts: the kinds, ``best`` (the default: by worth, within the budget) and
#: ``all`` (every card, as before the daily budget)
CARD_CHOICES = (*CARD_KINDS, "best", "all")
#: cards shown as new per digest, at most, unless `--max-cards` says otherwise
DEFAULT_MAX_CARDS = 20


@frozen
class DeckOptions:
    """How a digest's deck is named and tagged: decks are ``deck_root::YYYY-MM-DD``, and every
    note gets ``extra_tags`` after flashdigest's own (spaces become ``_``; Anki splits tags on them).
    ``cards`` (of :data:`CARD_CHOICES`; empty = ``best``) and ``max_cards`` (None = the default,
    0 = no limit) choose the cards shown as new (see flashdigest/cards/budget.py)."""

    deck_root: str = DECK_ROOT
    extra_tags: tuple[str, ...] = ()
    cards: tuple[str, ...] = ()
    max_cards: int | None = None


@frozen
class ParseOptions:
    """What the user chose about reading inputs."""

    format: str | None = None  # one of FORMATS, or None to detect
    lang: str = "en"  # one of LANGUAGES: which language of a bilingual page


def answer_key_path(digest_path: Path) -> Path:
    """Where the answer key of ``digest_path`` lives (it may not exist)."""
    return digest_path.with_name(digest_path.stem + ANSWER_KEY_SUFFIX)


def is_answer_key(path: Path) -> bool:
    return path.name.endswith(ANSWER_KEY_SUFFIX)


def is_candidate_input(path: Path) -> bool:
    """Whether a file found in an input directory is worth trying as a digest."""
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and not is_answer_key(path)
        and not path.name.startswith(".")
    )
