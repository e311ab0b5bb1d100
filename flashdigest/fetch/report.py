"""What a fetch is asked to do and what it did: the small typed values the fetch stage passes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..errors import FlashdigestError
from ..frozen import frozen
from ..limits import LIMITS
from ..options import DEFAULT_SITE, MAX_NEW_PAGES, MAX_TIME, PAGE_TIME
from .client import HttpSettings

#: the newest dates the index lists whose pages are re-checked on every run (corrections land there)
RECENT_DATES = 7


@frozen
class FetchOptions:
    site: str = DEFAULT_SITE
    into: Path = Path("digests")
    since: dt.date | None = None
    #: re-check every listed page already saved, not only the newest RECENT_DATES
    recheck_all: bool = False
    recent_dates: int = RECENT_DATES
    #: wait for another fetch into the same folder instead of failing at once
    wait: bool = False
    #: take the folder's lock (False: the caller holds it)
    lock: bool = True
    #: seconds between two requests (politeness); tests set 0
    delay: float = 0.25
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: retries after the first attempt, on connection errors, 429 and 5xx
    retries: int = 4
    #: waits between retries: backoff_factor * 2**(n-1) s, at most backoff_max
    backoff_factor: float = 1.0
    backoff_max: float = 30.0
    #: a Retry-After longer than this is cut to it
    retry_after_max: float = 60.0
    max_page_bytes: int = LIMITS.max_page_bytes
    max_time: float = MAX_TIME
    page_time: float = PAGE_TIME
    max_new_pages: int = MAX_NEW_PAGES

    def http(self) -> HttpSettings:
        return HttpSettings(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries=self.retries,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            retry_after_max=self.retry_after_max,
            max_bytes=self.max_page_bytes,
            page_seconds=self.page_time,
        )


class Outcome(StrEnum):
    NEW = "new"  # not saved before: saved now
    UPDATED = "updated"  # saved before and changed on the site: replaced
    UNCHANGED = "unchanged"  # re-checked: the same as saved (the file was not touched)
    FAILED = "failed"  # could not be fetched this run (see ``error``)


@frozen
class PageResult:
    """One page that was requested."""

    date: dt.date
    url: str
    path: Path
    outcome: Outcome
    error: FlashdigestError | None = None


@dataclass
class FetchReport:
    index: str
    listed: int = 0  # digest pages the index links (from --since on)
    not_rechecked: int = 0  # saved pages not requested (older than the newest few dates)
    pages: list[PageResult] = field(default_factory=list)
    #: failures: pages that failed, the index itself, the run's deadline, a local write failure
    failures: list[FlashdigestError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def with_outcome(self, outcome: Outcome) -> list[PageResult]:
        return [page for page in self.pages if page.outcome is outcome]

    def lines(self) -> list[str]:
        """What a run says on stdout: notices, one line per page saved, a summary."""
        said = [f"notice: {notice}" for notice in self.notices]
        said += [f"{page.outcome} {page.path}" for page in self.pages if page.outcome in SAVED]
        counts = ", ".join(f"{len(self.with_outcome(outcome))} {outcome}" for outcome in Outcome)
        return [*said, f"{counts}, {self.not_rechecked} not re-checked ({self.listed} listed)"]

    def as_data(self) -> dict[str, Any]:
        """The report as JSON-ready data (``--json``)."""
        data: dict[str, Any] = {"index": self.index, "listed": self.listed}
        for outcome in (Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED):
            data[str(outcome)] = [str(page.path) for page in self.with_outcome(outcome)]
        data["not_rechecked"] = self.not_rechecked
        data["failed"] = [
            {"file": str(error.file) if error.file else None, "reason": error.reason}
            for error in self.failures
        ]
        data["notices"] = self.notices
        return data


SAVED = (Outcome.NEW, Outcome.UPDATED)
