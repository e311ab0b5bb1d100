"""The command line: thin commands that call the stages and report. Only this module imports click."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import FetchError, FlashdigestError
from .fetch import DEFAULT_SITE, FetchOptions, FetchReport, PageResult, fetch_site
from .lock import OutputBusy, output_lock
from .options import FORMATS, LANGUAGES, ParseOptions
from .pipeline import ExportOptions, ExportReport, export_inputs, find_inputs

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATAERR = 65  # EX_DATAERR: some input could not be exported
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: the Anki backend for `verify` is not installed
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL: another export holds the output directory
#: inputs from which a progress bar is shown on a terminal
PROGRESS_FROM = 20

EXPORT_EPILOG = """\b
Examples:
  flashdigest export digest.txt                 # -> decks/YYYY-MM-DD.apkg
  flashdigest export ~/digests --out ~/decks    # every digest in a folder
  flashdigest export ~/digests --quiet          # for cron: silent unless something fails
  flashdigest export ~/digests --json | jq .    # a report for scripts
  flashdigest export --fetch ~/digests -q       # cron: fetch the site's new pages first

\b
Exit codes: 0 every input exported (or was unchanged); 65 some input
failed, one stderr line each (the others were still exported); 75 another
export is writing into the same --out (without --wait), or with --fetch
some page could not be fetched (and no input failed); 2 usage error.

\b
Size limits (file bytes, field length, nesting...) are raised with
FLASHDIGEST_MAX_* environment variables, e.g. FLASHDIGEST_MAX_FIELD_CHARS=50000;
the README lists them.
"""

VERIFY_EPILOG = """\b
Examples:
  flashdigest verify decks/2025-04-14.apkg
  flashdigest verify decks/*.apkg

\b
Exit codes: 0 every deck imported; 65 Anki refused a deck; 69 the Anki
backend is not installed (pip install 'flashdigest[verify]').
"""


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Read every input as this format instead of detecting it.",
)
LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of bilingual HTML pages (a page without it gives the one it has).",
)

SITE_OPTION = click.option(
    "--site",
    metavar="URL",
    default=DEFAULT_SITE,
    show_default=True,
    help="The digest site (its index.html lists the pages).",
)
SINCE_OPTION = click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=None,
    help="Only pages of this date and later.",
)
RECHECK_OPTION = click.option(
    "--recheck-all", is_flag=True, help="Re-check every saved page, not only the newest 7 dates."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flashdigest")
def main() -> None:
    """Turn daily AI-paper digests into Anki decks, one .apkg per digest date."""


@main.command(epilog=EXPORT_EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))  # exist: _check_inputs
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
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless an input fails (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout instead of lines.")
@click.option(
    "--wait", is_flag=True, help="Wait for another export into --out to finish instead of exiting 75."
)
@click.option(
    "--fetch", is_flag=True, help="First fetch the site's new pages into the first INPUT (a folder)."
)
@SITE_OPTION
@SINCE_OPTION
@RECHECK_OPTION
def export(
    inputs: tuple[Path, ...],
    out_dir: Path,
    fmt: str | None,
    lang: str,
    quiet: bool,
    as_json: bool,
    wait: bool,
    fetch: bool,
    site: str,
    since: dt.datetime | None,
    recheck_all: bool,
) -> None:
    """Export digests (files or directories of them) to Anki decks.

    INPUTS are digest files or directories; a directory contributes every
    supported file below it (answer keys *.answers.yaml are read beside their
    digest, never as digests). Inputs unchanged since the last export into
    --out are not read again, and unchanged decks are not rewritten.

    With --fetch, the digest site's new pages are first saved into the first
    INPUT (as `flashdigest fetch --into` does); the exit code is the worse of
    the two runs.
    """
    _check_inputs(inputs, fetch)
    options = ExportOptions(out_dir=out_dir, parse=ParseOptions(format=fmt, lang=lang), wait=wait)
    fetch_options = None
    if fetch:  # into the first input; its lock is held over both runs, unless it is --out itself
        same = inputs[0].resolve() == out_dir.resolve()
        fetch_options = FetchOptions(
            site=site, into=inputs[0], since=_date(since), recheck_all=recheck_all, wait=wait, lock=same
        )
    show_progress = not (quiet or as_json)
    try:
        with _held_by_command(fetch_options):
            fetched = _run_fetch(fetch_options, show_progress, quiet or as_json) if fetch_options else None
            report = _run_export(inputs, options, show_progress)
    except OutputBusy as busy:
        click.echo(f"flashdigest: {busy}", err=True)
        sys.exit(EXIT_TEMPFAIL)
    for failure in report.failures:
        click.echo(f"flashdigest: error: {failure}", err=True)
    if as_json:
        data = _report_as_data(report)
        click.echo(json.dumps({"fetch": fetched.as_data(), **data} if fetched else data, indent=2))
    elif not quiet:
        _print_report(report)
    code = EXIT_DATAERR if report.failures else EXIT_OK
    sys.exit(EXIT_TEMPFAIL if code == EXIT_OK and fetched and fetched.failures else code)


def _check_inputs(inputs: tuple[Path, ...], fetch: bool) -> None:
    """Every input exists, but for the folder --fetch saves into (it is created)."""
    if fetch and inputs[0].exists() and not inputs[0].is_dir():
        raise click.BadParameter(
            f"--fetch saves pages into the first input, and {str(inputs[0])!r} is a file"
        )
    for path in inputs[1 if fetch else 0 :]:
        if not path.exists():
            raise click.BadParameter(f"Path {str(path)!r} does not exist.", param_hint="'INPUTS...'")


def _held_by_command(options: FetchOptions | None) -> contextlib.AbstractContextManager[None]:
    """The fetch folder's lock when the command holds it over the fetch and the export."""
    if options is None or options.lock:
        return contextlib.nullcontext()
    return output_lock(options.into, options.wait)


def _run_export(inputs: tuple[Path, ...], options: ExportOptions, show_progress: bool) -> ExportReport:
    paths = list(find_inputs(inputs))
    if not (show_progress and len(paths) >= PROGRESS_FROM and sys.stderr.isatty()):
        return export_inputs(paths, options)
    with click.progressbar(length=len(paths), label="exporting", file=sys.stderr) as bar:
        return export_inputs(paths, options, progress=lambda _path: bar.update(1))


def _print_report(report: ExportReport) -> None:
    for notice in report.notices:
        click.echo(f"notice: {notice}")
    for deck in report.written:
        click.echo(f"wrote {deck.path}: {deck.paper_notes} paper + {deck.mcq_notes} MCQ notes")
    click.echo(
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.failures)} failed"
    )


def _report_as_data(report: ExportReport) -> dict[str, Any]:
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
        "failed": [failure(error) for error in report.failures],
        "notices": report.notices,
    }


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
could not be fetched, one stderr line each (try again later), or another
fetch is writing into --into (without --wait); 2 usage error.
"""


@main.command(epilog=FETCH_EPILOG)
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
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless a page fails (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout instead of lines.")
@click.option(
    "--wait", is_flag=True, help="Wait for another fetch into --into to finish instead of exiting 75."
)
def fetch(
    into: Path,
    site: str,
    since: dt.datetime | None,
    recheck_all: bool,
    quiet: bool,
    as_json: bool,
    wait: bool,
) -> None:
    """Save the digest site's pages into a folder, one YYYY-MM-DD.html per date.

    Reads the site's index, saves every linked page not saved yet (byte for
    byte as served) and re-checks the newest ones, where corrections land.
    """
    options = FetchOptions(site=site, into=into, since=_date(since), recheck_all=recheck_all, wait=wait)
    try:
        report = _run_fetch(options, show_progress=not (quiet or as_json), quiet=quiet or as_json)
    except OutputBusy as busy:
        click.echo(f"flashdigest: {busy}", err=True)
        sys.exit(EXIT_TEMPFAIL)
    if as_json:
        click.echo(json.dumps(report.as_data(), indent=2))
    sys.exit(EXIT_TEMPFAIL if report.failures else EXIT_OK)


def _run_fetch(options: FetchOptions, show_progress: bool, quiet: bool) -> FetchReport:
    """Fetch, with a progress bar on a terminal for long runs; print the failures and, unless
    ``quiet``, the report's lines."""
    bars: list[Any] = []
    try:
        with contextlib.ExitStack() as stack:

            def progress(_page: PageResult, total: int) -> None:
                if not bars and show_progress and total >= PROGRESS_FROM and sys.stderr.isatty():
                    bar = click.progressbar(length=total, label="fetching", file=sys.stderr)
                    bars.append(stack.enter_context(bar))
                for bar in bars:
                    bar.update(1)

            report = fetch_site(options, progress)
    except FetchError as error:  # the --site address
        raise click.BadParameter(error.reason, param_hint="'--site'") from None
    for failure in report.failures:
        click.echo(f"flashdigest: error: {failure}", err=True)
    for line in [] if quiet else report.lines():
        click.echo(line)
    return report


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@main.command(epilog=VERIFY_EPILOG)
@click.argument(
    "decks", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def verify(decks: tuple[Path, ...]) -> None:
    """Import decks into a throwaway collection of the real Anki backend.

    Reports what Anki's importer says of each package and the notes and cards
    per deck, or the importer's own error. Nothing touches your collection.
    """
    from .verify import VerifyError, verify_decks

    try:
        imports, decks_found = verify_decks(list(decks))
    except VerifyError as error:
        click.echo(f"flashdigest: error: {error}", err=True)
        sys.exit(EXIT_UNAVAILABLE if error.file is None else EXIT_DATAERR)
    refused = [item for item in imports if isinstance(item, VerifyError)]
    for item in imports:
        if isinstance(item, VerifyError):
            click.echo(f"flashdigest: error: {item}", err=True)
        else:
            click.echo(f"{item.path}: {item.new} new, {item.updated} updated, {item.duplicate} unchanged")
    for deck in decks_found:
        click.echo(f"{deck.deck}: {deck.notes} notes, {deck.cards} cards")
    sys.exit(EXIT_DATAERR if refused else EXIT_OK)


INSPECT_EPILOG = """\b
Examples:
  flashdigest inspect digest.txt > digest.yaml  # fix it by hand, then:
  flashdigest export digest.yaml                # the same deck as the .txt gives
  flashdigest inspect summaries.jsonl           # one YAML document per date
  flashdigest inspect page.html --json | jq '.[0].papers[].title'

\b
Exit codes: 0 every input read; 65 some input (or JSONL line) failed, one
stderr line each (what could be read is still printed); 2 usage error.
"""


@main.command("inspect", epilog=INSPECT_EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@FORMAT_OPTION
@LANG_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the digests instead of YAML.")
def inspect_command(inputs: tuple[Path, ...], fmt: str | None, lang: str, as_json: bool) -> None:
    """Print what the parser finds in digests, as a hand-written YAML digest.

    The output is the YAML digest format (one document per digest date,
    notices as comments): edit it and export it like any digest.
    """
    from .inspect import digest_yaml, digests_json, inspect_inputs, yaml_preamble

    digests = []
    failed = False
    if not as_json:
        click.echo(yaml_preamble(), nl=False)
    for item in inspect_inputs(inputs, ParseOptions(format=fmt, lang=lang)):
        if isinstance(item, FlashdigestError):
            failed = True
            click.echo(f"flashdigest: error: {item}", err=True)
        elif as_json:
            digests.append(item)
            for notice in item.notices:
                click.echo(f"notice: {notice}", err=True)
        else:
            click.echo(digest_yaml(item), nl=False)
    if as_json:
        click.echo(digests_json(digests))
    sys.exit(EXIT_DATAERR if failed else EXIT_OK)
