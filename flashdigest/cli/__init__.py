"""The command line: thin commands that call the stages and report. Only this subpackage imports
click; it maps every failure to one stderr line and a sysexits code (:mod:`.output`)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..config import ConfigError, load_config
from .config_map import config_defaults
from .export_cmd import export
from .fetch_cmd import fetch
from .other_cmds import inspect_command, verify
from .output import Main, stop
from .sync_cmds import login, logout

__all__ = ["main"]


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


for command in (export, fetch, verify, inspect_command, login, logout):
    main.add_command(command)
