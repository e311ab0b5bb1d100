"""The command line: thin commands that call the stages and report. Only this module imports click."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .parse import FORMATS, ParseOptions
from .pipeline import ExportOptions, ExportReport, export_inputs

EXIT_OK = 0
EXIT_DATAERR = 65  # EX_DATAERR: some input could not be exported

EXPORT_EPILOG = """\b
Examples:
  flashdigest export digest.txt                 # -> decks/YYYY-MM-DD.apkg
  flashdigest export ~/digests --out ~/decks    # every digest in a folder
  flashdigest export 2025-04-14.txt --quiet     # for cron: silent unless something fails

\b
Exit codes: 0 all inputs exported; 65 some input failed (the others were
still exported); 2 usage error.
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flashdigest")
def main() -> None:
    """Turn daily AI-paper digests into Anki decks, one .apkg per digest date."""


@main.command(epilog=EXPORT_EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", default=Path("decks"), show_default=True, type=click.Path(path_type=Path),
              help="Directory the decks are written to.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Read every input as this format instead of detecting it.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless an input fails.")
def export(inputs: tuple[Path, ...], out_dir: Path, fmt: str | None, quiet: bool) -> None:
    """Export digests (files or directories of them) to Anki decks.

    INPUTS are digest files or directories; a directory contributes every
    supported file below it (answer keys *.answers.yaml are read beside their
    digest, never as digests).
    """
    options = ExportOptions(out_dir=out_dir, parse=ParseOptions(format=fmt))
    report = export_inputs(inputs, options)
    _print_report(report, quiet)
    sys.exit(EXIT_DATAERR if report.failures else EXIT_OK)


def _print_report(report: ExportReport, quiet: bool) -> None:
    for failure in report.failures:
        click.echo(f"flashdigest: error: {failure}", err=True)
    if quiet:
        return
    for notice in report.notices:
        click.echo(f"notice: {notice}")
    for deck in report.written:
        click.echo(f"wrote {deck.path}: {deck.paper_notes} paper notes, {deck.mcq_notes} MCQ notes")
    click.echo(f"{len(report.written)} decks written, {len(report.failures)} inputs failed")
