"""`flashdigest export`: digests -> decks, then optionally a bundle and a delivery into Anki."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import FlashdigestError, NoInputError, OutputBusy, OutputError, ParseError
from ..handoff import HandOff
from ..inputs import scan_inputs
from ..lock import output_lock
from ..options import (
    CARD_CHOICES,
    CARD_KINDS,
    DECK_ROOT,
    DEFAULT_ANKI_CONNECT_URL,
    DEFAULT_MAX_CARDS,
    DeckOptions,
    ParseOptions,
)
from ..pipeline import DEFAULT_WAIT_SECONDS, DeckResult, ExportOptions, ExportReport, export_inputs
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
from .fetch_cmd import fetch_limit_options, limits_of, run_fetch
from .output import exit_code, fail, say, stop, worst

if TYPE_CHECKING:
    from ..deliver import DeliveryTarget
    from ..fetch import FetchOptions

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
missing (--collection); 70 a bug (--debug shows the traceback); 73 --out,
a deck, the bundle, the collection or the --fetch folder cannot be
created or written; 75 another run holds --out (without --wait, or
past --wait-timeout), the collection is open in Anki, with --sync the
server could not be reached or only a full sync would do, or with --fetch
some page could not be fetched (in time: --page-time, --max-time);
77 AnkiConnect refused the request for want of its apiKey (give it with
--anki-connect-key), or with --sync not logged in or the sync key was
refused (run `flashdigest login`); 78 the config file is broken
(--no-config ignores it). With several, the worst of them (in that order:
70 73 78 66 69 77 65 75).

\b
Size limits (file bytes, field length, nesting...) are raised with
FLASHDIGEST_MAX_* environment variables, e.g. FLASHDIGEST_MAX_FIELD_CHARS=50000;
the README lists them.
"""


class CardKinds(click.ParamType[tuple[str, ...]]):
    """``--cards``: comma-separated names of :data:`~flashdigest.options.CARD_CHOICES` -> a tuple."""

    name = "kinds"
    #: a config file may give the names as a TOML array
    comma_list = True

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        names = value if isinstance(value, list) else str(value).split(",")
        kinds = tuple(dict.fromkeys(str(name).strip().lower() for name in names if str(name).strip()))
        unknown = [kind for kind in kinds if kind not in CARD_CHOICES]
        if unknown or not kinds:
            self.fail(f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(CARD_CHOICES)}", param, ctx)
        if len(kinds) > 1 and {"best", "all"} & set(kinds):
            self.fail(f"{','.join(kinds)}: best and all stand alone, not with other kinds", param, ctx)
        return kinds


def check_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """An http(s) address with a host and a valid port, or a usage error in one line."""
    if value is None:
        return None
    try:
        parts = urllib.parse.urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError as error:  # a port that is not a number, or out of range
        raise click.BadParameter(f"{value!r} is not a URL: {error}") from None
    if not valid:
        example = DEFAULT_ANKI_CONNECT_URL
        raise click.BadParameter(f"{value!r} is not an http(s) URL with a host, e.g. {example}")
    return value


def delivery_options(command: Any) -> Any:
    """--collection, --anki-connect, --anki-connect-url, --anki-connect-key and --bundle."""
    for option in reversed(
        [
            click.option(
                "--collection",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Then put the notes into this Anki collection.anki2 (Anki closed), keeping your work.",
            ),
            click.option(
                "--anki-connect/--no-anki-connect",
                default=False,
                help="Then put the notes into a running Anki by AnkiConnect (at --anki-connect-url).",
            ),
            click.option(
                "--anki-connect-url",
                metavar="URL",
                callback=check_url,
                help=f"Where AnkiConnect listens (implies --anki-connect) [{DEFAULT_ANKI_CONNECT_URL}].",
            ),
            click.option("--anki-connect-key", metavar="KEY", help="AnkiConnect's apiKey, if you set one."),
            click.option(
                "--restore-deleted/--no-restore-deleted",
                default=False,
                help="Deliver again the notes you deleted in Anki after an earlier delivery.",
            ),
            click.option(
                "--upgrade-collection/--no-upgrade-collection",
                default=False,
                help="Let --collection upgrade an older Anki's collection (that Anki cannot open it then).",
            ),
            click.option(
                "--sync/--no-sync",
                default=False,
                help="Then sync, deliver into --collection (or flashdigest's own collection), sync again"
                " with the account of `flashdigest login`.",
            ),
            click.option(
                "--bundle",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write one package holding every deck of the run (a first import in one go).",
            ),
        ]
    ):
        command = option(command)
    return command


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
    except (NoInputError, OutputError, OutputBusy) as error:
        stop(error)
    handed = report.hand_off.failures if report.hand_off else ()
    for failure in [*report.failures, *handed]:
        fail(failure)
    if chosen["as_json"]:
        data = _report_as_data(report)
        click.echo(json.dumps({"fetch": fetched.as_data(), **data} if fetched else data, indent=2))
    elif not chosen["quiet"]:
        _print_report(report)
    fetch_codes = [exit_code(failure) for failure in fetched.failures] if fetched else []
    fetch_codes += [exit_code(locked_out)] if locked_out is not None else []
    sys.exit(worst([exit_code(failure) for failure in [*report.failures, *handed]] + fetch_codes))


def _export_options(out_dir: Path, chosen: dict[str, Any]) -> ExportOptions:
    url = chosen["anki_connect_url"] or (DEFAULT_ANKI_CONNECT_URL if chosen["anki_connect"] else None)
    target = _delivery_target(chosen["collection"], url, chosen["anki_connect_key"])
    if chosen["sync"]:
        target = _sync_target(chosen["collection"], url, chosen)
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


def _delivery_target(collection: Path | None, url: str | None, key: str | None) -> DeliveryTarget | None:
    from ..deliver import AnkiConnectTarget, CollectionTarget  # only when delivering

    if collection is not None and url is not None:
        raise click.UsageError("give --collection or --anki-connect(-url), not both")
    if collection is not None:
        upgrade = bool(click.get_current_context().params.get("upgrade_collection"))
        return CollectionTarget(collection, upgrade=upgrade)
    return AnkiConnectTarget(url, key) if url is not None else None


def _sync_target(collection: Path | None, url: str | None, chosen: dict[str, Any]) -> DeliveryTarget:
    from ..deliver.account import load_account
    from ..deliver.sync import sync_target

    if url is not None:
        raise click.UsageError("--sync syncs a collection: give --collection or none, not --anki-connect")
    try:
        account = load_account()
    except FlashdigestError as error:
        stop(error)
    return sync_target(account, collection, chosen["wait_timeout"] if chosen["wait"] else 0.0)


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
    scan = scan_inputs(inputs)
    if not (show_progress and len(scan.files) >= PROGRESS_FROM and sys.stderr.isatty()):
        return export_inputs(scan, options)
    with click.progressbar(length=len(scan.files), label="exporting", file=sys.stderr) as bar:
        return export_inputs(scan, options, progress=lambda _path: bar.update(1))


def _print_report(report: ExportReport) -> None:
    for notice in report.notices:
        say(f"notice: {notice}", err=True)
    for deck in report.written:
        notes = f"{deck.paper_notes} paper + {deck.cloze_notes} cloze + {deck.mcq_notes} MCQ notes"
        say(f"wrote {deck.path}: {notes}; {_budget_line(deck)}")
    handed = report.hand_off
    if handed and handed.bundle:
        say(f"bundled {len(report.decks())} deck(s) into {handed.bundle}")
    if handed and handed.delivery:
        delivery = handed.delivery
        for notice in delivery.notices:
            say(f"notice: {notice}", err=True)
        say(
            f"delivered {len(delivery.decks)} deck(s): {delivery.added} notes added, "
            f"{delivery.updated} updated, {delivery.unchanged} unchanged"
        )
    click.echo(
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.failures)} failed"
    )


def _budget_line(deck: DeckResult) -> str:
    """What the daily budget chose and left out, in words."""
    line = f"{deck.new_cards} cards new, {deck.suspended_cards} suspended"
    left = [f"{deck.clozes_left_out} figure clozes"] if deck.clozes_left_out else []
    if deck.questions_left_out:
        giveaways = f" ({deck.giveaways_left_out} give-aways)" if deck.giveaways_left_out else ""
        left.append(f"{deck.questions_left_out} questions{giveaways}")
    return line + (f", left out {' and '.join(left)} (--cards all)" if left else "")


def _report_as_data(report: ExportReport) -> dict[str, Any]:
    handed = report.hand_off.failures if report.hand_off else ()
    done = report.hand_off.delivery if report.hand_off else None
    delivery = (
        None
        if done is None
        else {
            "decks": [str(deck) for deck in done.decks],
            "added": done.added,
            "updated": done.updated,
            "unchanged": done.unchanged,
            "left_out": done.left_out,
            "notices": list(done.notices),
        }
    )

    def failure(error: FlashdigestError) -> dict[str, Any]:
        file = str(error.file) if error.file else None
        return {"file": file, "line": error.line, "reason": error.reason}

    return {
        "written": [
            {
                **asdict(deck),
                "date": deck.date.isoformat(),
                "path": str(deck.path),
                "source": str(deck.source),
            }
            for deck in report.written
        ],
        "unchanged": [str(path) for path in report.unchanged],
        "failed": [failure(error) for error in [*report.failures, *handed]],
        "notices": report.notices,
        "bundle": str(report.hand_off.bundle) if report.hand_off and report.hand_off.bundle else None,
        "delivery": delivery,
    }
