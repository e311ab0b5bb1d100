"""What an export run is asked to do and what it reports: the pipeline's options and results.

Kept apart from :mod:`flashdigest.pipeline` (which re-exports them) for its size.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FlashdigestError
from .frozen import frozen
from .handoff import HandOff, HandOffResult
from .options import DEFAULT_WAIT_SECONDS, DeckOptions, ParseOptions


@frozen
class ExportOptions:
    """What an export run is asked to do: where, how to read and name, when, and the hand-off."""

    out_dir: Path = Path("decks")
    parse: ParseOptions = field(default_factory=ParseOptions)
    #: the clock for new modification times; None: $SOURCE_DATE_EPOCH if set, else now
    now: float | None = None
    #: wait for another export into the same directory to finish instead of failing at once
    wait: bool = False
    #: how long to wait, at most, before giving up as if not waiting
    wait_timeout: float = DEFAULT_WAIT_SECONDS
    #: the decks' names and extra tags
    deck: DeckOptions = field(default_factory=DeckOptions)
    #: where the run's decks go besides out_dir: a bundle, a delivery into Anki
    hand_off: HandOff = field(default_factory=HandOff)


@frozen
class DeckResult:
    """One deck written."""

    date: dt.date
    path: Path
    source: Path
    paper_notes: int
    mcq_notes: int
    cloze_notes: int = 0
    #: the daily budget (flashdigest/cards/budget.py): cards shown as new, paper cards suspended,
    #: cloze and MCQ notes left out, and of the questions left out, the give-aways
    new_cards: int = 0
    suspended_cards: int = 0
    clozes_left_out: int = 0
    questions_left_out: int = 0
    giveaways_left_out: int = 0


@dataclass
class ExportReport:
    """What an export run did: the decks written and unchanged, the failures and notices."""

    written: list[DeckResult] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failures: list[FlashdigestError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: the bundle and delivery of the run's decks, when asked for
    hand_off: HandOffResult | None = None

    def decks(self) -> list[Path]:
        """Every deck this run stands behind: written or unchanged."""
        return [deck.path for deck in self.written] + self.unchanged


def run_clock(options: ExportOptions) -> int:
    """The time new modification times start from: the option, else SOURCE_DATE_EPOCH (the
    reproducible-builds convention), else now. Read once per run."""
    if options.now is not None:
        return int(options.now)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else int(time.time())
