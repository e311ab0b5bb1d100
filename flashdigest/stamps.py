"""What an input's decks depend on, to know without reading it again whether it changed.

Public entry points: :func:`input_stamp` (settings, sizes and mtimes: no reading) and
:func:`input_fingerprint` (the hash of its bytes and its answer key's, and the settings).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .options import answer_key_path
from .state import file_sha256, sha256_hex

if TYPE_CHECKING:
    from .pipeline import ExportOptions


@cache
def code_version() -> str:
    """A key of flashdigest's own code and card templates: any change to them reads every input again."""
    return code_key(Path(__file__).parent)


def code_key(root: Path) -> str:
    """The version and the names, sizes and modification times of the code and template files
    under ``root``: a stat each, not a read, so a run over unchanged inputs reads none of them
    (an edit, a checkout or an install changes a time; a file rewritten with its old size and
    time is not seen, as ``make`` would not see it)."""
    from . import __version__

    files: list[str] = []
    _code_files(str(root), "", files)
    return sha256_hex(__version__, *sorted(files))


def _code_files(folder: str, prefix: str, files: list[str]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _code_files(entry.path, f"{prefix}{entry.name}/", files)
            elif entry.name.endswith((".py", ".html", ".css", ".js")):
                info = entry.stat()
                files.append(f"{prefix}{entry.name}:{info.st_size}:{info.st_mtime_ns}")


Stamp = tuple[str | int | None, ...]


def input_stamp(path: Path, options: ExportOptions) -> Stamp:
    """What can be known of an input without reading it: settings, size and mtime (its key's too)."""
    stamp: list[str | int | None] = [code_version(), _settings(options)]
    for file in (path, answer_key_path(path)):
        try:
            info = file.stat()
            stamp += [info.st_size, info.st_mtime_ns]
        except FileNotFoundError:
            stamp += [None, None]
    return tuple(stamp)


def input_fingerprint(path: Path, options: ExportOptions) -> str:
    """A hash of everything an input's decks depend on: its bytes, its answer key, the settings."""
    key = answer_key_path(path)
    settings = f"{code_version()}/{_settings(options)}"
    return sha256_hex(file_sha256(path), file_sha256(key) if key.is_file() else "", settings)


def _settings(options: ExportOptions) -> str:
    """The settings an input's decks depend on besides its bytes: format, language, names, tags."""
    deck = options.deck
    return repr(
        (
            options.parse.format,
            options.parse.lang,
            deck.deck_root,
            deck.extra_tags,
            deck.cards,
            deck.max_cards,
        )
    )
