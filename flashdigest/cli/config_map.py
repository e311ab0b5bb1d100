"""The config file mapped onto click's defaults: every long option of a command can be set there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import click

from ..config import Config


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
