"""Options shared by several commands."""

from __future__ import annotations

import datetime as dt

import click

from ..options import DEFAULT_SITE, FORMATS, LANGUAGES

#: inputs (or pages) from which a progress bar is shown on a terminal
PROGRESS_FROM = 20

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
QUIET_OPTION = click.option(
    "--quiet/--no-quiet", "-q", default=False, help="Print nothing unless something fails (for cron)."
)
JSON_OPTION = click.option(
    "--json/--no-json", "as_json", default=False, help="Print a JSON report on stdout instead of lines."
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
    "--recheck-all/--no-recheck-all",
    default=False,
    help="Re-check every saved page, not only the newest 7 dates.",
)


def _debug(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    if value is not None:
        ctx.find_root().meta["flashdigest.debug"] = value


#: --debug after the subcommand too (``flashdigest export --debug ...``)
DEBUG_OPTION = click.option(
    "--debug/--no-debug",
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_debug,
    help="Show the traceback of an internal error (also FLASHDIGEST_DEBUG=1).",
)


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None
