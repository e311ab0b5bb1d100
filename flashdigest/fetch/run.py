"""One fetch: the index, then each page not saved yet and each recent page re-checked."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import urllib3

from ..errors import FetchError, OutputBusy, SiteUnreachable
from ..lock import output_lock
from .client import download, make_pool
from .index import PageLink, index_url, page_links
from .memory import TEMP_SUFFIX, FetchMemory, Validators
from .report import FetchOptions, FetchReport, Outcome, PageResult

#: called after each page requested, with its result and how many pages this run requests
Progress = Callable[[PageResult, int], None]
#: pages in a row without any answer (each after its retries) after which the rest wait for the next run
GIVE_UP_AFTER = 3


def fetch_site(options: FetchOptions, progress: Progress | None = None) -> FetchReport:
    """Save the digest pages ``options.site`` lists into ``options.into`` as ``YYYY-MM-DD.html``.

    Never raises for a page or the index: each failure is in the report's ``failures`` and the
    other pages are still fetched (unless GIVE_UP_AFTER pages in a row got no answer at all: the
    site is down, and the rest wait for the next run, with one failure saying so). Raises
    FetchError for a site address that is not http(s), and :class:`~flashdigest.lock.OutputBusy`
    when another fetch holds the folder (unless ``wait``).
    """
    report = FetchReport(index_url(options.site))
    with contextlib.ExitStack() as stack:
        if options.lock:
            _hold_folder(stack, options)
        else:
            options.into.mkdir(parents=True, exist_ok=True)
        if removed := _remove_leftovers(options.into):
            report.notices.append(
                f"{options.into}: removed {removed} temporary file(s) of an interrupted fetch"
            )
        pool = make_pool(options.http())
        stack.callback(pool.clear)
        try:
            links = _read_index(pool, report.index, options)
        except FetchError as error:
            report.failures.append(error)
            return report
        memory = FetchMemory.load(options.into)
        plan = _plan(links, options, memory, report)
        _fetch_pages(pool, plan, memory, options, report, progress)
    return report


def _fetch_pages(
    pool: urllib3.PoolManager,
    plan: list[tuple[PageLink, Validators]],
    memory: FetchMemory,
    options: FetchOptions,
    report: FetchReport,
    progress: Progress | None,
) -> None:
    unanswered = 0  # pages in a row the site did not answer at all
    for number, (link, validators) in enumerate(plan):
        if unanswered == GIVE_UP_AFTER:
            left = len(plan) - number
            report.failures.append(
                FetchError(
                    f"{report.index}: no answer for {unanswered} pages in a row; {left} left for the next run"
                )
            )
            return
        if number and options.delay > 0:
            time.sleep(options.delay)
        result = _fetch_page(pool, link, validators, memory, options)
        unanswered = unanswered + 1 if isinstance(result.error, SiteUnreachable) else 0
        report.pages.append(result)
        if result.error is not None:
            report.failures.append(result.error)
        memory.save()  # after each page: a killed run keeps what it learnt
        if progress is not None:
            progress(result, len(plan))


def page_path(into: Path, link: PageLink) -> Path:
    return into / f"{link.date.isoformat()}.html"


def _hold_folder(stack: contextlib.ExitStack, options: FetchOptions) -> None:
    try:
        stack.enter_context(output_lock(options.into, options.wait))
    except OutputBusy:
        raise OutputBusy(
            "another flashdigest fetch is writing here; try again later or pass --wait", options.into
        ) from None


def _remove_leftovers(into: Path) -> int:
    leftovers = list(into.glob(".*" + TEMP_SUFFIX))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)


def _read_index(pool: urllib3.PoolManager, index: str, options: FetchOptions) -> list[PageLink]:
    target = options.into / ".flashdigest-index.html"
    try:
        got = download(pool, index, target, Validators(), options.http())
        assert got.temp is not None  # an unconditional request: 200, or an error
        try:
            return page_links(got.temp.read_bytes(), got.url)  # relative to where it was found
        finally:
            got.temp.unlink(missing_ok=True)
    except FetchError as error:
        raise FetchError(f"index {error.reason}") from None


def _plan(
    links: list[PageLink], options: FetchOptions, memory: FetchMemory, report: FetchReport
) -> list[tuple[PageLink, Validators]]:
    """The pages to request, each with the validators to send (none for a page not saved yet)."""
    listed = [link for link in links if options.since is None or link.date >= options.since]
    report.listed = len(listed)
    recent = set(sorted({link.date for link in listed}, reverse=True)[: options.recent_dates])
    plan = []
    for link in listed:
        path = page_path(options.into, link)
        if not path.is_file():
            plan.append((link, Validators()))
        elif options.recheck_all or link.date in recent:
            plan.append((link, memory.get(path.name)))
        else:
            report.not_rechecked += 1
    return plan


def _fetch_page(
    pool: urllib3.PoolManager,
    link: PageLink,
    validators: Validators,
    memory: FetchMemory,
    options: FetchOptions,
) -> PageResult:
    path = page_path(options.into, link)
    try:
        got = download(pool, link.url, path, validators, options.http())
        if got.temp is None and not path.is_file():
            raise FetchError(f"{link.url}: 304 Not Modified for a page not saved here", path)
    except FetchError as error:
        return PageResult(link.date, link.url, path, Outcome.FAILED, error)
    memory.remember(path.name, got.validators)
    if got.temp is None:
        return PageResult(link.date, link.url, path, Outcome.UNCHANGED)
    existed = path.is_file()
    if existed and _same_bytes(got.temp, path):
        got.temp.unlink()  # the same page again (a server without validators): left alone, mtime too
        return PageResult(link.date, link.url, path, Outcome.UNCHANGED)
    os.chmod(got.temp, 0o644)
    os.replace(got.temp, path)
    return PageResult(link.date, link.url, path, Outcome.UPDATED if existed else Outcome.NEW)


def _same_bytes(first: Path, second: Path) -> bool:
    return first.stat().st_size == second.stat().st_size and first.read_bytes() == second.read_bytes()
