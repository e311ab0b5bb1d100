"""One export run's own state of affairs (:mod:`flashdigest.pipeline`'s): its options, clock and
report, what it has written, what it found ahead, and when it last saved the directory's state."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError
from .outcome import ExportOptions, ExportReport
from .stamps import input_fingerprint
from .state import ExportState, remove_temporary_files

if TYPE_CHECKING:
    from .export.job import JobOptions

#: how often, at most, the state is saved while a run goes on (a killed run keeps what it wrote)
SAVE_EVERY_SECONDS = 1.0


def save_state(state: ExportState, durable: bool = True) -> None:
    try:
        state.save(durable)
    except OSError as exc:
        raise OutputError(f"cannot write the state: {exc.strerror or exc}", state.path) from None


@dataclass
class ExportRun:
    """One export run: its options, clock and report, and when the state was last saved."""

    options: ExportOptions
    now: int
    report: ExportReport
    last_save: float = field(default_factory=time.monotonic)
    #: the dates whose deck this run wrote
    written_dates: set[dt.date] = field(default_factory=set)
    #: inputs found unchanged ahead of their turn, with their dates
    unchanged_ahead: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    #: the processes an input's own digests (an archive's dates) may be made in: the cores when
    #: no pool makes the inputs' decks, else 1
    spread: int = 1
    _fingerprints: dict[Path, Callable[[], str]] = field(default_factory=dict)

    @property
    def job(self) -> JobOptions:
        from .export.job import JobOptions

        return JobOptions(self.options.out_dir, self.now, self.options.parse, self.options.deck)

    def fingerprint(self, path: Path) -> Callable[[], str]:
        """The input's fingerprint, computed once per run when first asked for."""
        if path not in self._fingerprints:
            self._fingerprints[path] = cache(lambda: input_fingerprint(path, self.options))
        return self._fingerprints[path]

    def open_state(self) -> ExportState:
        out_dir = self.options.out_dir
        try:
            if removed := remove_temporary_files(out_dir):
                self.report.notices.append(
                    f"{out_dir}: removed {removed} temporary file(s) of an interrupted run"
                )
        except OSError as exc:
            raise OutputError(f"cannot clean the output directory: {exc.strerror or exc}", out_dir) from None
        state, lost = ExportState.load(out_dir)
        if lost:
            self.report.notices.append(lost)
        return state

    def save_due(self) -> bool:
        if time.monotonic() - self.last_save < SAVE_EVERY_SECONDS:
            return False
        self.last_save = time.monotonic()
        return True
