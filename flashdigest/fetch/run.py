"""One fetch: the index, then each page not saved yet and each recent page re-checked.

Bounded in time (``max_time`` for the run, ``page_time`` a page) and in new pages a run
(``max_new_pages``); a page is saved only when it reads as a digest page (:mod:`.check`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import urllib3

from ..errors import FetchError, OutputBusy, OutputError, SiteUnreachable
from ..lock import output_lock
from .check import page_problem
from .client import download, make_pool
from .files import cannot_write
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
    other pages are still fetched (unless GIVE_UP_AFTER pages in a row got no answer at all, the
    run's ``max_time`` is over, or ``into`` cannot be written: then the rest wait for the next run,
    with one failure saying so; an OutputError failure when it is ``into`` that refuses). Raises
    FetchError for a site address that is not http(s), and :class:`~flashdigest.lock.OutputBusy`
    when another fetch holds the folder (unless ``wait``).
    """
    deadline = time.monotonic() + options.max_time
    report = FetchReport(index_url(options.site))
    with contextlib.ExitStack() as stack:
        try:
            _make_folder(options.into)
            if options.lock:
                _hold_folder(stack, options)
            if removed := _remove_leftovers(options.into):
                report.notices.append(
                    f"{options.into}: removed {removed} temporary file(s) of an interrupted fetch"
                )
            pool = make_pool(options.http())
            stack.callback(pool.clear)
            links = _read_index(pool, report.index, options, deadline)
        except (FetchError, OutputError) as error:  # the index, or a folder that cannot be written
            report.failures.append(error)
            return report
        memory = FetchMemory.load(options.into)
        plan = _plan(links, options, memory, report)
        _fetch_pages(pool, plan, memory, options, report, progress, deadline)
    return report


def mark_for_recheck(into: Path, pages: set[Path]) -> None:
    """Have the next fetch into ``into`` request these saved pages again, whatever their age (an
    export could not read them). Best effort: a memory that cannot be written is left as it was."""
    memory = FetchMemory.load(into)
    memory.mark_for_recheck({page.name for page in pages})
    with contextlib.suppress(OSError):
        memory.save()


def _fetch_pages(
    pool: urllib3.PoolManager,
    plan: list[tuple[PageLink, Validators]],
    memory: FetchMemory,
    options: FetchOptions,
    report: FetchReport,
    progress: Progress | None,
    deadline: float,
) -> None:
    unanswered = 0  # pages in a row the site did not answer at all
    for number, (link, validators) in enumerate(plan):
        left = len(plan) - number
        if unanswered == GIVE_UP_AFTER:
            report.failures.append(
                FetchError(
                    f"{report.index}: no answer for {unanswered} pages in a row; {left} left for the next run"
                )
            )
            return
        if number and options.delay > 0:
            time.sleep(options.delay)
        if time.monotonic() >= deadline:
            report.failures.append(
                FetchError(
                    f"{report.index}: the run is over its --max-time ({options.max_time:g} s); "
                    f"{left} page(s) left for the next run"
                )
            )
            return
        result = _fetch_page(pool, link, validators, memory, options, deadline)
        unanswered = unanswered + 1 if isinstance(result.error, SiteUnreachable) else 0
        report.pages.append(result)
        if result.error is not None:
            report.failures.append(result.error)
        writable = not isinstance(result.error, OutputError) and _save_memory(memory, options.into, report)
        if progress is not None:
            progress(result, len(plan))
        if not writable:
            return  # the folder cannot be written (a full disk): the rest wait, the pages saved stay


def _save_memory(memory: FetchMemory, into: Path, report: FetchReport) -> bool:
    """Save after each page (a killed run keeps what it learnt); False when ``into`` refuses."""
    try:
        memory.save()
    except OSError as error:
        report.failures.append(cannot_write(into, error))
        return False
    return True


def page_path(into: Path, link: PageLink) -> Path:
    return into / f"{link.date.isoformat()}.html"


def _make_folder(into: Path) -> None:
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise cannot_write(into, error) from None


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
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    return len(leftovers)


def _read_index(
    pool: urllib3.PoolManager, index: str, options: FetchOptions, deadline: float
) -> list[PageLink]:
    target = options.into / ".flashdigest-index.html"
    try:
        got = download(pool, index, target, Validators(), options.http(), deadline)
        assert got.temp is not None  # an unconditional request: 200, or an error
        try:
            links = page_links(got.temp.read_bytes(), got.url)  # relative to where it was found
        finally:
            got.temp.unlink(missing_ok=True)
    except FetchError as error:
        raise FetchError(f"index {error.reason}") from None
    if not links and (saved := len(list(options.into.glob("????-??-??.html")))):
        raise FetchError(
            f"index {index}: lists no digest page, and {saved} were saved here before "
            "(a maintenance page, or the site changed its layout); nothing fetched"
        )
    return links


def _plan(
    links: list[PageLink], options: FetchOptions, memory: FetchMemory, report: FetchReport
) -> list[tuple[PageLink, Validators]]:
    """The pages to request, each with the validators to send (none for a page not saved yet)."""
    listed = [link for link in links if options.since is None or link.date >= options.since]
    report.listed = len(listed)
    recent = set(sorted({link.date for link in listed}, reverse=True)[: options.recent_dates])
    plan, new = [], 0
    for link in listed:
        path = page_path(options.into, link)
        if path.exists() and not path.is_file():  # a folder (or a FIFO) where the page would go
            report.failures.append(OutputError("not a regular file: the page cannot be saved here", path))
        elif not path.exists():
            new += 1
            if new <= options.max_new_pages:
                plan.append((link, Validators()))
        elif options.recheck_all or link.date in recent or path.name in memory.recheck:
            plan.append((link, memory.get(path.name)))
        else:
            report.not_rechecked += 1
    if new > options.max_new_pages:
        report.notices.append(
            f"{new - options.max_new_pages} new page(s) wait for the next run "
            f"(at most {options.max_new_pages} a run: --max-new-pages)"
        )
    return plan


def _fetch_page(
    pool: urllib3.PoolManager,
    link: PageLink,
    validators: Validators,
    memory: FetchMemory,
    options: FetchOptions,
    deadline: float,
) -> PageResult:
    path = page_path(options.into, link)
    try:
        got = download(pool, link.url, path, validators, options.http(), deadline)
        if got.temp is None and not path.is_file():
            raise FetchError(f"{link.url}: 304 Not Modified for a page not saved here", path)
        if got.temp is not None:
            _check(got.temp, link, path, got.content_type)
        memory.remember(path.name, got.validators)
        if got.temp is None:
            return PageResult(link.date, link.url, path, Outcome.UNCHANGED)
        existed = path.is_file()
        if existed and _same_bytes(got.temp, path):
            got.temp.unlink()  # the same page again (a server without validators): left alone, mtime too
            return PageResult(link.date, link.url, path, Outcome.UNCHANGED)
        _put_in_place(got.temp, path)
    except (FetchError, OutputError) as error:
        return PageResult(link.date, link.url, path, Outcome.FAILED, error)
    return PageResult(link.date, link.url, path, Outcome.UPDATED if existed else Outcome.NEW)


def _check(temp: Path, link: PageLink, path: Path, content_type: str) -> None:
    """FetchError (the temporary file removed) unless ``temp`` reads as ``link``'s digest page."""
    problem = page_problem(temp.read_bytes(), link.date, content_type)
    if problem is not None:
        temp.unlink(missing_ok=True)
        raise FetchError(f"{link.url}: {problem}; not saved (tried again next run)", path)


def _put_in_place(temp: Path, path: Path) -> None:
    try:
        os.replace(temp, path)  # (made readable like any file the user makes: atomic.new_temp)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise cannot_write(path.parent, error) from None


def _same_bytes(first: Path, second: Path) -> bool:
    return first.stat().st_size == second.stat().st_size and first.read_bytes() == second.read_bytes()
