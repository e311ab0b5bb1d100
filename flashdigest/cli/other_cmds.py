"""`flashdigest verify` and `flashdigest inspect`: checking decks, and what the parser reads."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import FlashdigestError, NoInputError, VerifyError
from ..options import ParseOptions
from .common import DEBUG_OPTION, FORMAT_OPTION, LANG_OPTION
from .output import exit_code, fail, say, stop, worst

VERIFY_EPILOG = """\b
Examples:
  flashdigest verify decks/2025-04-14.apkg
  flashdigest verify decks/*.apkg

\b
Exit codes: 0 every deck imported; 65 Anki refused a deck; 69 the Anki
backend is not installed (the message says how to add it); 78 the config
file is broken.
"""


@click.command(epilog=VERIFY_EPILOG)
@click.argument(
    "decks", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@DEBUG_OPTION
def verify(decks: tuple[Path, ...]) -> None:
    """Import decks into a throwaway collection of the real Anki backend.

    Reports what Anki's importer says of each package and the notes and cards
    per deck, or the importer's own error. Nothing touches your collection.
    """
    from ..verify import verify_decks

    try:
        imports, decks_found = verify_decks(list(decks))
    except FlashdigestError as error:  # the backend is missing
        stop(error)
    refused = [item for item in imports if isinstance(item, VerifyError)]
    for item in imports:
        if isinstance(item, VerifyError):
            fail(item)
        else:
            say(f"{item.path}: {item.new} new, {item.updated} updated, {item.duplicate} unchanged")
    for deck in decks_found:
        say(f"{deck.deck}: {deck.notes} notes, {deck.cards} cards")
    sys.exit(worst([exit_code(error) for error in refused]))


INSPECT_EPILOG = """\b
Examples:
  flashdigest inspect digest.txt > digest.yaml  # fix it by hand, then:
  flashdigest export digest.yaml                # the same deck as the .txt gives
  flashdigest inspect summaries.jsonl           # one YAML document per date
  flashdigest inspect page.html --json | jq '.[0].papers[].title'

\b
Exit codes: 0 every input read; 65 some input (or JSONL line) failed, one
stderr line each (what could be read is still printed); 66 no digest found
among the inputs; 78 the config file is broken; 2 usage error.
"""


@click.command("inspect", epilog=INSPECT_EPILOG)
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, readable=False, path_type=Path)
)
@FORMAT_OPTION
@LANG_OPTION
@click.option(
    "--json/--no-json", "as_json", default=False, help="Print a JSON array of the digests instead of YAML."
)
@DEBUG_OPTION
def inspect_command(inputs: tuple[Path, ...], fmt: str | None, lang: str, as_json: bool) -> None:
    """Print what the parser finds in digests, as a hand-written YAML digest.

    The output is the YAML digest format (one document per digest date,
    notices as comments): edit it and export it like any digest.
    """
    from ..inspect import digest_yaml, digests_json, inspect_inputs, yaml_preamble

    digests = []
    codes = []
    try:
        items = inspect_inputs(inputs, ParseOptions(format=fmt, lang=lang))
    except NoInputError as error:
        stop(error)
    if not as_json:
        click.echo(yaml_preamble(), nl=False)
    for item in items:
        if isinstance(item, FlashdigestError):
            codes.append(exit_code(item))
            fail(item)
        elif as_json:
            digests.append(item)
            for notice in item.notices:
                say(f"notice: {notice}", err=True)
        else:
            click.echo(digest_yaml(item), nl=False)
    if as_json:
        click.echo(digests_json(digests))
    sys.exit(worst(codes))
