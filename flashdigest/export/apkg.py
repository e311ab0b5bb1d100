"""Reading and writing an Anki package (``.apkg``): a zip of the collection database, a media map
and the media files. The one place that knows the layout; every reader and writer uses it.

A package's zip entries get a fixed time and mode, so its bytes depend on its content only.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from ..frozen import frozen

#: fixed zip entry time, so that the archive's bytes depend on its content only
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: what reading a package that is not one (or not whole) can raise
BAD_PACKAGE = (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, sqlite3.Error)


@frozen
class PackageFiles:
    """A package's database and its media map (media file name -> zip member)."""

    database: bytes
    media: Mapping[str, str]


def read_package_files(path: Path) -> PackageFiles:
    """The database (``collection.anki21`` when there is one, else ``collection.anki2``) and the media
    map of the package at ``path``; one of :data:`BAD_PACKAGE` when it is not a package."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        member = "collection.anki21" if "collection.anki21" in names else "collection.anki2"
        database = archive.read(member)
        index = json.loads(archive.read("media")) if "media" in names else {}
    if not isinstance(index, dict):
        raise ValueError("its media map is not an object")
    return PackageFiles(database, {str(name): str(number) for number, name in index.items()})


def read_media(path: Path, members: Mapping[str, str], names: list[str] | None = None) -> dict[str, bytes]:
    """The bytes of the media files ``names`` (all when None) of the package at ``path``."""
    wanted = list(members) if names is None else names
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(members[name]) for name in wanted}


@contextlib.contextmanager
def database_of(data: bytes) -> Iterator[sqlite3.Connection]:
    """An in-memory connection to a package's database (its bytes), closed afterwards."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        yield connection
    finally:
        connection.close()


def zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


#: deflate's fastest level: 0.7 ms a deck instead of 1.6 ms at the default 6, for packages 14% larger
#: (23 KiB instead of 20; measured on the benchmark's decks, docs/performance.md)
ZIP_LEVEL = 1


def package_bytes_into(handle: BinaryIO, database: bytes, media: Mapping[str, bytes]) -> None:
    """A package of ``database`` and ``media`` (name -> bytes, numbered in name order) into ``handle``."""
    names = sorted(media)
    with zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(zip_entry("collection.anki2"), database, compresslevel=ZIP_LEVEL)
        index = {str(number): name for number, name in enumerate(names)}
        archive.writestr(zip_entry("media"), json.dumps(index, sort_keys=True), compresslevel=ZIP_LEVEL)
        for number, name in enumerate(names):
            archive.writestr(zip_entry(str(number)), media[name], compresslevel=ZIP_LEVEL)
