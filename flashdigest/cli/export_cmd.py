"""`flashdigest export`: digests -> decks, then optionally a bundle and a delivery into Anki."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import FlashdigestError, NoInputError, OutputBusy, OutputError, ParseError, WorkerLost
from ..inputs import scan_inputs
from ..lock import output_lock
from ..options import (
    CARD_KINDS,
    DECK_ROOT,
    DEFAULT_ANKI_CONNECT_URL,
    DEFAULT_MAX_CARDS,
    DEFAULT_WAIT_SECONDS,
    DeckOptions,
    ParseOptions,
)
from .common import (
    DEBUG_OPTION,
    FORMAT_OPTION,
    JSON_OPTION,
    LANG_OPTION,
    PROGRESS_FROM,
    QUIET_OPTION,
    RECHECK_OPTION,
    SINCE_OPTION,
    SITE_OPTION,
    as_date,
)
from .export_opts import CardKinds, delivery_options, delivery_target, sync_target_of
from .export_report import print_report, report_as_data
from .fetch_cmd import fetch_limit_options, limits_of, run_fetch
from .output import exit_code, fail, stop, worst

if TYPE_CHECKING:
    from ..fetch import FetchOptions
    from ..pipeline import ExportOptions, ExportReport

# The pipeline is imported when the command runs, not when the CLI loads: `--help` and `-V`
# import nothing of it, and delivery only when asked for.

EXPORT_EPILOG = """\b
Examples:
  flashdigest export digest.txt                 # -> decks/YYYY-MM-DD.apkg
  flashdigest export ~/digests --out ~/decks    # every digest in a folder
  flashdigest export ~/digests --quiet          # for cron: silent unless something fails
  flashdigest export ~/digests --json | jq .    # a report for scripts
  flashdigest export --fetch ~/digests --out ~/decks -q    # cron: fetch the site's new pages first
  flashdigest export ~/digests --collection ~/.local/share/Anki2/User\\ 1/collection.anki2
  flashdigest export --fetch ~/digests --out ~/decks --sync -q    # cron: onto the phone

\b
Exit codes: 0 every input exported (or was unchanged); 2 usage error;
65 some input failed, one stderr line each (the others were still
exported); 66 no digest found among the inputs; 69 the Anki backend is
missing (--collection); 70 a bug (--debug shows the traceback); 71 a
worker process was killed (out of memory, or by hand); 73 --out,
a deck, the bundle, the collection or the --fetch folder cannot be
created or written; 75 another run holds --out (without --wait, or
past --wait-timeout), the collection is open in Anki, with --sync the
server could not be reached or only a full sync would do, or with --fetch
some page could not be fetched (in time: --page-time, --max-time);
77 AnkiConnect refused the request for want of its apiKey (give it with
--anki-connect-key), or with --sync not logged in or the sync key was
refused (run `flashdigest login`); 78 the config file is broken
(--no-config ignores it). With several, the worst of them (in that order:
70 71 73 78 66 69 77 65 75).

\b
Size limits (file bytes, field length, nesting...) are raised with
FLASHDIGEST_MAX_* environment variables, e.g. FLASHDIGEST_MAX_FIELD_CHARS=50000;
the README lists them.
"""


@click.command(epilog=EXPORT_EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    default=Path("decks"),
    show_default=True,
    type=click.Path(path_type=Path),
    help="Directory the decks are written to.",
)
@FORMAT_OPTION
@LANG_OPTION
@QUIET_OPTION
@JSON_OPTION
@click.option(
    "--wait/--no-wait",
    default=False,
    help="Wait for another export into --out to finish instead of exiting 75.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="With --wait: give up (exit 75) after this long, so cron runs cannot pile up.",
)
@click.option(
    "--deck-root",
    default=DECK_ROOT,
    show_default=True,
    metavar="NAME",
    help="Decks are NAME::YYYY-MM-DD (Anki does not move cards already imported under another root).",
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    help="Also give every note this tag (repeatable; spaces become _).",
)
@click.option(
    "--cards",
    type=CardKinds(),
    default="best",
    show_default=True,
    metavar="KINDS",
    help="Cards shown as new, comma-separated: best (by worth, within --max-cards), all (every card), "
    f"or kinds: {', '.join(CARD_KINDS)}. The paper cards left out are suspended in the deck.",
)
@click.option(
    "--max-cards",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help=f"At most N cards shown as new per digest [{DEFAULT_MAX_CARDS}; --cards all or 0: no limit].",
)
@delivery_options
@click.option(
    "--fetch/--no-fetch",
    default=False,
    help="First fetch the site's new pages into the first INPUT (a folder).",
)
@SITE_OPTION
@SINCE_OPTION
@RECHECK_OPTION
@fetch_limit_options
@DEBUG_OPTION
def export(inputs: tuple[Path, ...], out_dir: Path, **chosen: Any) -> None:
    """Export digests (files or directories of them) to Anki decks.

    INPUTS are digest files or directories; a directory contributes every
    supported file below it (answer keys *.answers.yaml are read beside their
    digest, never as digests). Inputs unchanged since the last export into
    --out are not read again, and unchanged decks are not rewritten.

    With --fetch, the digest site's new pages are first saved into the first
    INPUT (as `flashdigest fetch --into` does); the exit code is the worse of
    the two runs.
    """
    _check_inputs(inputs, chosen["fetch"])
    _check_fetch_options(chosen["fetch"])
    options = _export_options(out_dir, chosen)
    fetch_options = _fetch_options(inputs, out_dir, chosen) if chosen["fetch"] else None
    silent = chosen["quiet"] or chosen["as_json"]
    try:
        with _held_by_command(fetch_options, chosen["wait_timeout"]) as locked_out:
            if locked_out is not None:  # a read-only fetch folder: no fetch, its pages still export
                fail(locked_out)
            fetching = fetch_options if locked_out is None else None
            fetched = run_fetch(fetching, not silent, silent) if fetching else None
            report = _run_export(inputs, options, show_progress=not silent)
            if fetch_options is not None:
                _recheck_unreadable(fetch_options.into, report.failures)
    except (NoInputError, OutputError, OutputBusy, WorkerLost) as error:
        stop(error)
    handed = report.hand_off.failures if report.hand_off else ()
    for failure in [*report.failures, *handed]:
        fail(failure)
    if chosen["as_json"]:
        data = report_as_data(report, [locked_out] if locked_out is not None else [])
        click.echo(json.dumps({"fetch": fetched.as_data(), **data} if fetched else data, indent=2))
    elif not chosen["quiet"]:
        print_report(report)
    fetch_codes = [exit_code(failure) for failure in fetched.failures] if fetched else []
    fetch_codes += [exit_code(locked_out)] if locked_out is not None else []
    sys.exit(worst([exit_code(failure) for failure in [*report.failures, *handed]] + fetch_codes))


def _export_options(out_dir: Path, chosen: dict[str, Any]) -> ExportOptions:
    from ..handoff import HandOff
    from ..pipeline import ExportOptions

    url = chosen["anki_connect_url"] or (DEFAULT_ANKI_CONNECT_URL if chosen["anki_connect"] else None)
    target = delivery_target(chosen["collection"], url, chosen["anki_connect_key"])
    if chosen["sync"]:
        target = sync_target_of(chosen["collection"], url, chosen)
    return ExportOptions(
        out_dir=out_dir,
        parse=ParseOptions(format=chosen["fmt"], lang=chosen["lang"]),
        wait=chosen["wait"],
        wait_timeout=chosen["wait_timeout"],
        hand_off=HandOff(chosen["bundle"], target, bool(chosen.get("restore_deleted"))),
        deck=DeckOptions(
            deck_root=chosen["deck_root"],
            extra_tags=tuple(chosen["tags"]),
            cards=tuple(chosen["cards"]),
            max_cards=chosen["max_cards"],
        ),
    )


def _fetch_options(inputs: tuple[Path, ...], out_dir: Path, chosen: dict[str, Any]) -> FetchOptions:
    """Into the first input; its lock is held over both runs, unless it is --out itself."""
    from ..fetch import FetchOptions

    since: dt.datetime | None = chosen["since"]
    same = inputs[0].resolve() == out_dir.resolve()
    return FetchOptions(
        site=chosen["site"],
        into=inputs[0],
        since=as_date(since),
        recheck_all=chosen["recheck_all"],
        wait=chosen["wait"],
        lock=same,
        **limits_of(chosen),
    )


def _recheck_unreadable(into: Path, failures: list[FlashdigestError]) -> None:
    """Pages of the fetch folder that could not be read are fetched again next run, whatever their age."""
    from ..fetch import mark_for_recheck

    unreadable = {
        failure.file
        for failure in failures
        if isinstance(failure, ParseError)
        and failure.file is not None
        and failure.file.parent.resolve() == into.resolve()
    }
    if unreadable:
        mark_for_recheck(into, unreadable)


def _check_fetch_options(fetch: bool) -> None:
    """--site, --since, --recheck-all and the fetch's limits given on the command line mean nothing
    without --fetch."""
    context = click.get_current_context()
    given = [
        f"--{name.replace('_', '-')}"
        for name in ("site", "since", "recheck_all", "max_time", "page_time", "max_new_pages")
        if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    ]
    if given and not fetch:
        raise click.UsageError(f"{', '.join(given)}: only with --fetch (they choose what it fetches)")


def _check_inputs(inputs: tuple[Path, ...], fetch: bool) -> None:
    """Every input exists, but for the folder --fetch saves into (it is created)."""
    if fetch and inputs[0].exists() and not inputs[0].is_dir():
        raise click.BadParameter(
            f"--fetch saves pages into the first input, and {str(inputs[0])!r} is a file"
        )
    for path in inputs[1 if fetch else 0 :]:
        if not path.exists() and not path.is_symlink():
            raise click.BadParameter(f"Path {str(path)!r} does not exist.", param_hint="'INPUTS...'")


@contextlib.contextmanager
def _held_by_command(options: FetchOptions | None, timeout: float) -> Iterator[OutputError | None]:
    """The fetch folder's lock when the command holds it over the fetch and the export; yields the
    OutputError when the folder cannot be locked (read-only): the fetch is skipped then."""
    with contextlib.ExitStack() as stack:
        refused = None
        if options is not None and not options.lock:
            try:
                stack.enter_context(output_lock(options.into, options.wait, timeout))
            except OutputError as error:
                refused = error
        yield refused


def _run_export(inputs: tuple[Path, ...], options: ExportOptions, show_progress: bool) -> ExportReport:
    from ..pipeline import export_inputs

    scan = scan_inputs(inputs)
    if not (show_progress and len(scan.files) >= PROGRESS_FROM and sys.stderr.isatty()):
        return export_inputs(scan, options)
    with click.progressbar(length=len(scan.files), label="exporting", file=sys.stderr) as bar:
        return export_inputs(scan, options, progress=lambda _path: bar.update(1))
