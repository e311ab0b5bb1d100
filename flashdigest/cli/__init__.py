"""The command line: thin commands that call the stages and report. Only this subpackage imports
click; it maps every failure to one stderr line and a sysexits code (:mod:`.output`)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..config import default_config_path, load_config
from ..errors import ConfigError
from .config_map import config_defaults
from .export_cmd import export
from .fetch_cmd import fetch
from .other_cmds import inspect_command, verify
from .output import Main, stop
from .sync_cmds import login, logout

__all__ = ["main"]


def default_config_dir() -> Path:
    """The platform's config folder: $XDG_CONFIG_HOME/flashdigest (~/.config/flashdigest) on
    Linux and BSD, ~/Library/Application Support/flashdigest on macOS, %APPDATA%\\flashdigest."""
    return Path(click.get_app_dir("flashdigest"))


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="flashdigest")
@click.option(
    "--debug/--no-debug",
    default=False,
    help="Show the traceback of an internal error (also FLASHDIGEST_DEBUG=1; also after the command).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="FLASHDIGEST_CONFIG",
    help="Config file of default options [default: config.toml in the platform's config folder: "
    "$XDG_CONFIG_HOME/flashdigest, ~/.config/flashdigest, on Linux].",
)
@click.option(
    "--no-config",
    is_flag=True,
    envvar="FLASHDIGEST_NO_CONFIG",
    help="Ignore the config file: only the command line's options and the defaults.",
)
@click.pass_context
def main(ctx: click.Context, debug: bool, config_path: Path | None, no_config: bool) -> None:
    """Turn daily AI-paper digests into Anki decks, one .apkg per digest date.

    Any long option can also be set in the config file (TOML), e.g. out = "~/decks";
    options on the command line win.
    """
    ctx.meta["flashdigest.debug"] = debug
    if no_config:
        return
    assert isinstance(ctx.command, click.Group)
    commands = ctx.command.commands
    try:
        path = config_path or default_config_path(default_config_dir())
        config = load_config(path, set(commands), required=config_path is not None)
        ctx.default_map = config_defaults(config, commands)
    except ConfigError as error:
        if _asks_for_help(ctx):
            return  # a broken config never hides --help
        stop(error)


def _asks_for_help(ctx: click.Context) -> bool:
    return bool(ctx.meta.get("flashdigest.help"))


for command in (export, fetch, verify, inspect_command, login, logout):
    main.add_command(command)
