"""The options of `flashdigest export` that need more than click gives: the card kinds, the
AnkiConnect URL, the delivery options, and the delivery target they make."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import FlashdigestError
from ..options import CARD_CHOICES, DEFAULT_ANKI_CONNECT_URL
from .output import stop

if TYPE_CHECKING:
    from ..deliver import DeliveryTarget


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


def delivery_target(collection: Path | None, url: str | None, key: str | None) -> DeliveryTarget | None:
    if collection is not None and url is not None:
        raise click.UsageError("give --collection or --anki-connect(-url), not both")
    if collection is None and url is None:
        return None
    from ..deliver import AnkiConnectTarget, CollectionTarget  # only when delivering

    if collection is not None:
        upgrade = bool(click.get_current_context().params.get("upgrade_collection"))
        return CollectionTarget(collection, upgrade=upgrade)
    return AnkiConnectTarget(url, key) if url is not None else None


def sync_target_of(collection: Path | None, url: str | None, chosen: dict[str, Any]) -> DeliveryTarget:
    from ..deliver.account import load_account
    from ..deliver.sync import sync_target

    if url is not None:
        raise click.UsageError("--sync syncs a collection: give --collection or none, not --anki-connect")
    try:
        account = load_account()
    except FlashdigestError as error:
        stop(error)
    return sync_target(account, collection, chosen["wait_timeout"] if chosen["wait"] else 0.0)
