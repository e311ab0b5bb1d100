"""`flashdigest fetch`: the digest site's pages -> a folder of YYYY-MM-DD.html."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import FetchError, OutputBusy, OutputError
from .common import (
    DEBUG_OPTION,
    JSON_OPTION,
    PROGRESS_FROM,
    QUIET_OPTION,
    RECHECK_OPTION,
    SINCE_OPTION,
    SITE_OPTION,
    as_date,
)
from .output import exit_code, fail, say, stop, worst

if TYPE_CHECKING:
    from ..fetch import FetchOptions, FetchReport, PageResult

FETCH_EPILOG = """\b
Examples:
  flashdigest fetch                             # the public site -> digests/
  flashdigest fetch --into ~/digests --quiet    # for cron: silent unless a page fails
  flashdigest fetch --since 2026-01-01          # only pages from that date on
  flashdigest export --fetch ~/digests --out ~/decks --quiet   # fetch, then export

\b
A re-run transfers no page again: only the pages of the newest 7 dates the
index lists are re-checked (conditional requests), or all with --recheck-all.

\b
Exit codes: 0 every page saved or unchanged; 75 some page (or the index)
could not be fetched, one stderr line each as it happens (try again later),
the run went over --max-time, or another fetch is writing into --into
(without --wait); 73 --into cannot be written (read-only, full); 78 the
config file is broken (--no-config ignores it); 2 usage error.
"""

#: seconds between two requests (politeness); tests set it lower
DELAY_ENV = "FLASHDIGEST_FETCH_DELAY"


def fetch_limit_options(command: Any) -> Any:
    """--max-time, --page-time and --max-new-pages (fetch, and export with --fetch)."""
    from ..options import MAX_NEW_PAGES, MAX_TIME, PAGE_TIME  # (not fetch's: no urllib3 for --help)

    for option in reversed(
        [
            click.option(
                "--max-time",
                type=click.FloatRange(min=0, min_open=True),
                default=MAX_TIME,
                show_default=True,
                metavar="SECONDS",
                help="Give the fetch run at most this long; the pages left wait for the next run (75).",
            ),
            click.option(
                "--page-time",
                type=click.FloatRange(min=0, min_open=True),
                default=PAGE_TIME,
                show_default=True,
                metavar="SECONDS",
                help="Give one page at most this long in all (a server dripping bytes is cut off).",
            ),
            click.option(
                "--max-new-pages",
                type=click.IntRange(min=1),
                default=MAX_NEW_PAGES,
                show_default=True,
                metavar="N",
                help="Fetch at most N pages not saved yet a run; the others wait for the next run.",
            ),
        ]
    ):
        command = option(command)
    return command


def limits_of(chosen: dict[str, Any]) -> dict[str, Any]:
    """The FetchOptions fields the limit options (and FLASHDIGEST_FETCH_DELAY) set."""
    limits = {key: chosen[key] for key in ("max_time", "page_time", "max_new_pages")}
    delay = os.environ.get(DELAY_ENV, "")
    if delay:
        try:
            limits["delay"] = max(0.0, float(delay))
        except ValueError:
            raise click.UsageError(f"{DELAY_ENV}={delay!r}: not a number of seconds") from None
    return limits


@click.command(epilog=FETCH_EPILOG)
@click.option(
    "--into",
    default=Path("digests"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the pages are saved in, as YYYY-MM-DD.html.",
)
@SITE_OPTION
@SINCE_OPTION
@RECHECK_OPTION
@QUIET_OPTION
@JSON_OPTION
@click.option(
    "--wait/--no-wait",
    default=False,
    help="Wait for another fetch into --into to finish instead of exiting 75.",
)
@fetch_limit_options
@DEBUG_OPTION
def fetch(
    into: Path,
    site: str,
    since: dt.datetime | None,
    recheck_all: bool,
    quiet: bool,
    as_json: bool,
    wait: bool,
    **limits: Any,
) -> None:
    """Save the digest site's pages into a folder, one YYYY-MM-DD.html per date.

    Reads the site's index, saves every linked page not saved yet (byte for
    byte as served) and re-checks the newest ones, where corrections land.
    """
    from ..fetch import FetchOptions

    options = FetchOptions(
        site=site, into=into, since=as_date(since), recheck_all=recheck_all, wait=wait, **limits_of(limits)
    )
    try:
        report = run_fetch(options, show_progress=not (quiet or as_json), quiet=quiet or as_json)
    except (OutputBusy, OutputError) as error:
        stop(error)
    if as_json:
        click.echo(json.dumps(report.as_data(), indent=2))
    sys.exit(worst([exit_code(failure) for failure in report.failures]))


def run_fetch(options: FetchOptions, show_progress: bool, quiet: bool) -> FetchReport:
    """Fetch, with a progress bar on a terminal for long runs; print each failure as it happens
    and, unless ``quiet``, the report's lines."""
    from ..fetch import fetch_site

    bars: list[Any] = []
    told: list[object] = []  # the failures printed while the run went on
    try:
        with contextlib.ExitStack() as stack:

            def progress(page: PageResult, total: int) -> None:
                if page.error is not None:
                    fail(page.error)
                    told.append(page.error)
                if not bars and show_progress and total >= PROGRESS_FROM and sys.stderr.isatty():
                    bar = click.progressbar(length=total, label="fetching", file=sys.stderr)
                    bars.append(stack.enter_context(bar))
                for bar in bars:
                    bar.update(1)

            report = fetch_site(options, progress)
    except FetchError as error:  # the --site address
        raise click.BadParameter(error.reason, param_hint="'--site'") from None
    for failure in report.failures:
        if not any(failure is printed for printed in told):
            fail(failure)
    for line in [] if quiet else report.lines():
        say(line, err=line.startswith("notice:"))
    return report
