"""The command line: thin commands that call the stages and report. Only this module imports click."""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .config import Config, ConfigError, load_config
from .deliver.types import DEFAULT_ANKI_CONNECT_URL, AnkiConnectTarget, CollectionTarget, DeliveryTarget
from .errors import (
    BackendMissing,
    CollectionBusy,
    CollectionUnavailable,
    FlashdigestError,
    InternalError,
    NoInputError,
    OutputError,
)
from .handoff import HandOff
from .lock import OutputBusy
from .options import FORMATS, LANGUAGES, ParseOptions
from .pipeline import DEFAULT_WAIT_SECONDS, ExportOptions, ExportReport, export_inputs, scan_inputs

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATAERR = 65  # EX_DATAERR: some input could not be exported
EXIT_NOINPUT = 66  # EX_NOINPUT: no digest at all among the inputs
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: the Anki backend for `verify` is not installed
EXIT_SOFTWARE = 70  # EX_SOFTWARE: a bug in flashdigest (one line; --debug shows the traceback)
EXIT_CANTCREAT = 73  # EX_CANTCREAT: the output directory or a deck cannot be created or written
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL: another export holds the output directory
EXIT_CONFIG = 78  # EX_CONFIG: the config file cannot be read or sets an option no command has
#: what each failure exits with, the first class that matches (one place; pypa/build's way)
EXIT_FOR: tuple[tuple[type[FlashdigestError], int], ...] = (
    (NoInputError, EXIT_NOINPUT),
    (OutputError, EXIT_CANTCREAT),
    (OutputBusy, EXIT_TEMPFAIL),
    (ConfigError, EXIT_CONFIG),
    (CollectionBusy, EXIT_TEMPFAIL),
    (CollectionUnavailable, EXIT_CANTCREAT),
    (BackendMissing, EXIT_UNAVAILABLE),
    (FlashdigestError, EXIT_DATAERR),
)
#: when a run ends with several codes, the one it exits with is the first of these it has
SEVERITY = (
    EXIT_SOFTWARE,
    EXIT_CANTCREAT,
    EXIT_CONFIG,
    EXIT_NOINPUT,
    EXIT_UNAVAILABLE,
    EXIT_DATAERR,
    EXIT_TEMPFAIL,
)


def exit_code(error: FlashdigestError) -> int:
    return next(code for kind, code in EXIT_FOR if isinstance(error, kind))


def worst(codes: list[int]) -> int:
    """The code a run with these outcomes exits with (0 when all are 0)."""
    return next((code for code in SEVERITY if code in codes), max(codes, default=EXIT_OK))


# C0 and C1 control characters (newline among them) and DEL: escaped, so one message is one line
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """``text`` as one printable line: control characters escaped (``\\n``, ``\\x1b``)."""
    return _CONTROL_RE.sub(lambda m: repr(m.group())[1:-1], text)


def say(text: str, err: bool = False) -> None:
    """Print one line; a name that is not UTF-8 is written as its bytes are on disk."""
    stream = sys.stderr if err else sys.stdout
    line = shown(text) + "\n"
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text-only stream: bytes that are not UTF-8 show as U+FFFD
        stream.write(line.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    else:
        buffer.write(line.encode("utf-8", "surrogateescape"))
        buffer.flush()


def fail(error: FlashdigestError) -> None:
    """Report one failure on stderr: one line, and with --debug the traceback of a bug."""
    say(f"flashdigest: error: {error}", err=True)
    if isinstance(error, InternalError) and debugging():
        click.echo(error.details, err=True, nl=False)


def debugging() -> bool:
    context = click.get_current_context(silent=True)
    flag = bool(context and context.find_root().meta.get("flashdigest.debug"))
    return flag or os.environ.get("FLASHDIGEST_DEBUG", "") not in ("", "0")


def stop(error: FlashdigestError) -> NoReturn:
    """Exit with the code of a failure that stops the whole command (see EXIT_FOR)."""
    say(f"flashdigest: {'' if isinstance(error, OutputBusy) else 'error: '}{error}", err=True)
    sys.exit(exit_code(error))


class Main(click.Group):
    """The command group: a bug anywhere gives one line and exit 70 (with --debug, the traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except (Exception, RecursionError) as error:
            if debugging():
                traceback.print_exc()
            hint = "a bug in flashdigest; --debug shows the traceback"
            say(f"flashdigest: internal error: {type(error).__name__}: {error} ({hint})", err=True)
            sys.exit(EXIT_SOFTWARE)


#: inputs from which a progress bar is shown on a terminal
PROGRESS_FROM = 20

EXPORT_EPILOG = """\b
Examples:
  flashdigest export digest.txt                 # -> decks/YYYY-MM-DD.apkg
  flashdigest export ~/digests --out ~/decks    # every digest in a folder
  flashdigest export ~/digests --quiet          # for cron: silent unless something fails
  flashdigest export ~/digests --json | jq .    # a report for scripts

\b
Exit codes: 0 every input exported (or was unchanged); 2 usage error;
65 some input failed, one stderr line each (the others were still
exported); 66 no digest found among the inputs; 70 a bug (--debug shows
the traceback); 73 --out or a deck in it cannot be created or written;
75 another export holds --out (without --wait, or past --wait-timeout).

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


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="flashdigest")
@click.option(
    "--debug", is_flag=True, help="Show the traceback of an internal error (also FLASHDIGEST_DEBUG=1)."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="FLASHDIGEST_CONFIG",
    help="Config file of default options [default: $XDG_CONFIG_HOME/flashdigest/config.toml].",
)
@click.pass_context
def main(ctx: click.Context, debug: bool, config_path: Path | None) -> None:
    """Turn daily AI-paper digests into Anki decks, one .apkg per digest date.

    Any long option can also be set in the config file (TOML), e.g. out = "~/decks";
    options on the command line win.
    """
    ctx.meta["flashdigest.debug"] = debug
    assert isinstance(ctx.command, click.Group)
    commands = ctx.command.commands
    try:
        config = load_config(config_path, set(commands), required=config_path is not None)
        ctx.default_map = config_defaults(config, commands)
    except ConfigError as error:
        stop(error)


def config_defaults(config: Config, commands: Mapping[str, click.Command]) -> dict[str, dict[str, Any]]:
    """The config's settings as click's default_map; ConfigError naming the key and its line."""
    options = {name: _long_options(command) for name, command in commands.items()}
    for key in config.common:
        if not any(key in by_name for by_name in options.values()):
            raise config.error(f"unknown option '{key}'; no command has --{key.replace('_', '-')}", key)
    defaults: dict[str, dict[str, Any]] = {}
    for name, command in commands.items():
        for key in config.commands.get(name, {}):
            if key not in options[name]:
                raise config.error(f"unknown option '{key}' for {name}", key, name)
        values = {k: v for k, v in config.for_command(name).items() if k in options[name]}
        defaults[name] = {
            options[name][k].name or k: _config_value(config, command, options[name][k], k, v, name)
            for k, v in values.items()
        }
    return defaults


def _long_options(command: click.Command) -> dict[str, click.Option]:
    found = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                if opt.startswith("--"):
                    found[opt[2:].replace("-", "_")] = param
    return found


def _config_value(
    config: Config, command: click.Command, option: click.Option, key: str, value: Any, table: str
) -> Any:
    """``value`` checked as the option would check it on the command line; ~ expanded in paths."""
    where = table if key in config.commands.get(table, {}) else None
    if isinstance(option.type, click.Path) and isinstance(value, str):
        value = os.path.expanduser(value)
    if option.is_flag and not isinstance(value, bool):
        raise config.error(f"{key}: expected true or false, got {value!r}", key, where)
    try:
        option.type_cast_value(click.Context(command), value)
    except click.BadParameter as exc:
        raise config.error(f"{key}: {exc.message}", key, where) from None
    return value


@main.command(epilog=EXPORT_EPILOG)
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, readable=False, path_type=Path)
)
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
    "--wait-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="With --wait: give up (exit 75) after this long, so cron runs cannot pile up.",
)
@click.option(
    "--collection",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Then put the notes into this Anki collection.anki2 (Anki closed), keeping your own work.",
)
@click.option(
    "--anki-connect",
    metavar="[URL]",
    is_flag=False,
    flag_value=DEFAULT_ANKI_CONNECT_URL,
    default=None,
    help=f"Then put the notes into a running Anki through AnkiConnect [URL: {DEFAULT_ANKI_CONNECT_URL}].",
)
@click.option("--anki-connect-key", metavar="KEY", help="AnkiConnect's apiKey, if you set one.")
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write one package holding every deck of the run (a first import in one go).",
)
def export(
    inputs: tuple[Path, ...],
    out_dir: Path,
    fmt: str | None,
    lang: str,
    quiet: bool,
    as_json: bool,
    wait: bool,
    wait_timeout: float,
    collection: Path | None,
    anki_connect: str | None,
    anki_connect_key: str | None,
    bundle: Path | None,
) -> None:
    """Export digests (files or directories of them) to Anki decks.

    INPUTS are digest files or directories; a directory contributes every
    supported file below it (answer keys *.answers.yaml are read beside their
    digest, never as digests). Inputs unchanged since the last export into
    --out are not read again, and unchanged decks are not rewritten.
    """
    parse = ParseOptions(format=fmt, lang=lang)
    target = _delivery_target(collection, anki_connect, anki_connect_key)
    options = ExportOptions(
        out_dir=out_dir, parse=parse, wait=wait, wait_timeout=wait_timeout, hand_off=HandOff(bundle, target)
    )
    try:
        report = _run_export(inputs, options, show_progress=not (quiet or as_json))
    except (NoInputError, OutputError, OutputBusy) as error:
        stop(error)
    handed = report.hand_off.failures if report.hand_off else ()
    for failure in [*report.failures, *handed]:
        fail(failure)
    if as_json:
        click.echo(json.dumps(_report_as_data(report), indent=2))
    elif not quiet:
        _print_report(report)
    sys.exit(worst([exit_code(failure) for failure in [*report.failures, *handed]]))


def _delivery_target(collection: Path | None, url: str | None, key: str | None) -> DeliveryTarget | None:
    if collection is not None and url is not None:
        raise click.UsageError("give --collection or --anki-connect, not both")
    if collection is not None:
        return CollectionTarget(collection)
    return AnkiConnectTarget(url, key) if url is not None else None


def _run_export(inputs: tuple[Path, ...], options: ExportOptions, show_progress: bool) -> ExportReport:
    scan = scan_inputs(inputs)
    if not (show_progress and len(scan.files) >= PROGRESS_FROM and sys.stderr.isatty()):
        return export_inputs(scan, options)
    with click.progressbar(length=len(scan.files), label="exporting", file=sys.stderr) as bar:
        return export_inputs(scan, options, progress=lambda _path: bar.update(1))


def _print_report(report: ExportReport) -> None:
    for notice in report.notices:
        say(f"notice: {notice}")
    for deck in report.written:
        say(f"wrote {deck.path}: {deck.paper_notes} paper + {deck.mcq_notes} MCQ notes")
    handed = report.hand_off
    if handed and handed.bundle:
        say(f"bundled {len(report.decks())} deck(s) into {handed.bundle}")
    if handed and handed.delivery:
        delivery = handed.delivery
        for notice in delivery.notices:
            say(f"notice: {notice}")
        say(
            f"delivered {len(delivery.decks)} deck(s): {delivery.added} notes added, "
            f"{delivery.updated} updated, {delivery.unchanged} unchanged"
        )
    click.echo(
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.failures)} failed"
    )


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
        fail(error)
        sys.exit(EXIT_UNAVAILABLE if error.file is None else EXIT_DATAERR)
    refused = [item for item in imports if isinstance(item, VerifyError)]
    for item in imports:
        if isinstance(item, VerifyError):
            fail(item)
        else:
            say(f"{item.path}: {item.new} new, {item.updated} updated, {item.duplicate} unchanged")
    for deck in decks_found:
        say(f"{deck.deck}: {deck.notes} notes, {deck.cards} cards")
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
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, readable=False, path_type=Path)
)
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
            fail(item)
        elif as_json:
            digests.append(item)
            for notice in item.notices:
                say(f"notice: {notice}", err=True)
        else:
            click.echo(digest_yaml(item), nl=False)
    if as_json:
        click.echo(digests_json(digests))
    sys.exit(EXIT_DATAERR if failed else EXIT_OK)
