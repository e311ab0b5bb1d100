"""The records of the output directory's state (:mod:`flashdigest.state`) and their JSON shapes:
a record read from a state file of the wrong shape is a ValueError, never a wrong record; and the
real path an input's record is kept under."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from .frozen import frozen


@frozen
class InputRecord:
    """One input as last exported: its stamp (settings, sizes, mtimes), fingerprint and deck dates."""

    stamp: tuple[str | int | None, ...]
    fingerprint: str
    dates: tuple[str, ...]


@frozen
class DeckRecord:
    """One deck as last written: where it came from and what the file should be."""

    source: str
    richness: tuple[int, ...]
    content: str  # hash of the notes, their modification times, the note types and the media
    size: int
    mtime_ns: int
    sha256: str


#: the JSON shape of each record: per field, its type, or (list, the type of its items)
_Shape = dict[str, type | tuple[type, tuple[type, ...]]]
_SHAPES: dict[type, _Shape] = {
    InputRecord: {"stamp": (list, (str, int, type(None))), "fingerprint": str, "dates": (list, (str,))},
    DeckRecord: {
        "source": str,
        "richness": (list, (int,)),
        "content": str,
        "size": int,
        "mtime_ns": int,
        "sha256": str,
    },
}


def record_from_json(kind: type[InputRecord] | type[DeckRecord], data: Any) -> Any:
    """A record from JSON, or ValueError when ``data`` has another shape."""
    shape = _SHAPES[kind]
    if not isinstance(data, dict) or set(data) != set(shape):
        raise ValueError(f"not a {kind.__name__}")
    values: dict[str, Any] = {}
    for name, expected in shape.items():
        value = data[name]
        if isinstance(expected, tuple):
            if not isinstance(value, list) or not all(isinstance(item, expected[1]) for item in value):
                raise ValueError(f"{kind.__name__}.{name}: not a list of {expected[1]}")
            value = tuple(value)
        elif not isinstance(value, expected) or isinstance(value, bool):
            raise ValueError(f"{kind.__name__}.{name}: not a {expected.__name__}")
        values[name] = value
    return kind(**values)


def guid_lists(data: Any) -> dict[str, tuple[str, ...]]:
    """``{target: [guid, ...]}`` from JSON, or ValueError."""
    if not isinstance(data, dict):
        raise ValueError("delivered_notes: not a table")
    lists = {}
    for key, guids in data.items():
        if not isinstance(guids, list) or not all(isinstance(guid, str) for guid in guids):
            raise ValueError("delivered_notes: not lists of GUIDs")
        lists[str(key)] = tuple(guids)
    return lists


@lru_cache(maxsize=4096)
def real_path(path: str) -> str:
    """How the state names an input: its real path (resolved once per run). A file that is no
    symlink is its folder's real path and its name: one ``lstat``, where resolving the whole path
    takes one per part (a run checks every input's)."""
    folder, name = os.path.split(path)
    if name in ("", ".", "..") or ".." in folder or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(_real_folder(folder), name)


@lru_cache(maxsize=256)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder or os.curdir)
