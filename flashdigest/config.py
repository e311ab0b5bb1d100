"""The config file: long options of the commands, read with :mod:`tomllib`.

``config.toml`` in the platform's config folder (``$XDG_CONFIG_HOME/flashdigest``, by default
``~/.config/flashdigest``, on Linux), or the file named by ``--config`` or ``FLASHDIGEST_CONFIG``.
Top-level keys apply to every command that has that option; a table named after a command
(``[export]``, ``[fetch]``...) applies to that command only and wins over the top level. Keys are
long option names, with ``-`` or ``_``::

    out = "~/decks"
    deck_root = "AI Papers"

    [export]
    quiet = true

The CLI turns this into click's defaults, so options given on the command line win. This module
only reads and locates; it knows nothing of click.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .frozen import frozen

#: a config file larger than this is refused (a real one is a few hundred bytes)
MAX_CONFIG_BYTES = 1024 * 1024


@frozen
class Config:
    """A config file's settings: the top level and each command's table (keys with ``_``)."""

    path: Path | None = None
    text: str = ""
    common: dict[str, Any] = field(default_factory=dict)
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_command(self, name: str) -> dict[str, Any]:
        return {**self.common, **self.commands.get(name, {})}

    def line_of(self, key: str, table: str | None = None) -> int | None:
        """The line where ``key`` is set (in ``[table]`` when given), for a message."""
        in_table = table is None
        for number, line in enumerate(self.text.splitlines(), start=1):
            header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                if table is None and header.group(1) == key:
                    return number
                in_table = table is not None and header.group(1) == table
            elif in_table and re.match(rf"\s*{re.escape(key)}\s*=", line.replace("-", "_")):
                return number
        return None

    def error(self, reason: str, key: str | None = None, table: str | None = None) -> ConfigError:
        line = self.line_of(key, table) if key else None
        return ConfigError(reason, self.path, line)


def default_config_path(config_dir: Path) -> Path:
    """Where the config file is looked for when none is named: ``FLASHDIGEST_CONFIG``, else
    ``config.toml`` in the platform's config folder (the CLI passes it)."""
    named = os.environ.get("FLASHDIGEST_CONFIG")
    if named:
        return Path(named).expanduser()
    return config_dir / "config.toml"


def load_config(path: Path, commands: set[str], required: bool = False) -> Config:
    """Read the config file at ``path``; an empty Config when there is none (a named file must
    exist when ``required``). ConfigError when it cannot be read."""
    try:
        text = _read_text(path)
    except FileNotFoundError:
        if required:
            raise ConfigError("config file not found", path) from None
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {getattr(exc, 'strerror', None) or exc}", path) from None
    import tomllib  # (only when there is a config file: a run without one skips its import)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"not valid TOML: {reason}", path, int(where.group(1)) if where else None) from None
    except RecursionError:
        raise ConfigError("not valid TOML: arrays or tables nest too deep", path) from None
    common = {_key(k): v for k, v in data.items() if not (isinstance(v, dict) and k in commands)}
    tables = {k: {_key(kk): vv for kk, vv in v.items()} for k, v in data.items() if k in commands}
    for name, value in common.items():
        if isinstance(value, dict):
            raise Config(path, text).error(
                f"[{name}] is not a command; tables are {', '.join(sorted(commands))}", name
            )
    return Config(path, text, common, tables)


def _key(name: str) -> str:
    return name.replace("-", "_")


def _read_text(path: Path) -> str:
    """The file's text: a regular file only (a FIFO or a device is refused at once, without
    waiting or reading), and at most MAX_CONFIG_BYTES by the bytes actually read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise ConfigError("config file is not a regular file", path)
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file is over the {MAX_CONFIG_BYTES} bytes it may be", path)
    return data.decode("utf-8")
