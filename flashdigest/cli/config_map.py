"""The config file mapped onto click's defaults: every long option of a command can be set there.

Every value is checked against its option's type before anything runs (a TOML string for a path,
a number for seconds, true or false for a flag; a TOML date where a date is meant), so a wrong
one is one line naming the file, the line and the key (78), never a crash later.
"""

from __future__ import annotations

import datetime as dt
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
    if getattr(option.type, "comma_list", False) and isinstance(value, list):
        if not all(isinstance(one, str) for one in value):
            raise config.error(f"{key}: expected strings, got {_toml_type(value)}", key, where)
        value = ",".join(value)  # a list of names, as the command line's comma-separated one
    if option.multiple and isinstance(value, str):
        value = [value]
    if option.multiple and not isinstance(value, list):
        raise config.error(f"{key}: expected a list, got {_toml_type(value)}", key, where)
    values = value if option.multiple else [value]
    for number, one in enumerate(values):
        wanted = _wanted(option)
        if (
            not isinstance(one, wanted[0])
            or (isinstance(one, bool) and bool not in wanted[0])
            or isinstance(one, dt.datetime)  # a TOML date-time where a date is meant
        ):
            raise config.error(f"{key}: expected {wanted[1]}, got {_toml_type(one)}", key, where)
        if isinstance(one, dt.date) and not isinstance(one, dt.datetime):
            values[number] = dt.datetime.combine(one, dt.time())
        if isinstance(option.type, click.Path) and isinstance(one, str):
            values[number] = os.path.expanduser(one)
    value = values if option.multiple else values[0]
    try:
        option.type_cast_value(click.Context(command), value)
    except click.BadParameter as exc:
        raise config.error(f"{key}: {exc.message}", key, where) from None
    return value


def _wanted(option: click.Option) -> tuple[tuple[type, ...], str]:
    """The TOML value types ``option`` takes, and how a message names them."""
    if option.is_flag:
        return (bool,), "true or false"
    if isinstance(option.type, click.DateTime):
        return (str, dt.date), "a date (2026-01-01)"
    if isinstance(option.type, click.types.IntParamType):
        return (int,), "a whole number"
    if isinstance(option.type, click.types.FloatParamType):
        return (int, float), "a number"
    return (str,), "a string"


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"a TOML {type(value).__name__} ({value})"
    return next((name for kind, name in names.items() if isinstance(value, kind)), type(value).__name__)
