"""Reading and writing an Anki package (``.apkg``): a zip of the collection database, a media map
and the media files. The one place that knows the layout; every reader and writer uses it.

A package is read with :mod:`zipfile` (imported only to read one). It is written here, entry by
entry, as ``zipfile`` writes a zip whose entries are deflated whole into a seekable file (the same
headers, byte for byte: ``tests/test_apkg.py`` compares them), but deflated with ISA-L (``isal``):
``zipfile`` can only deflate with the ``zlib`` module, which takes 0.6 ms of a deck's 8 where ISA-L
takes 0.1, for a smaller package; and a run that only writes packages (a daily run) does not import
``zipfile`` and what it imports (``shutil``, ``bz2``, ``lzma``). Where ``isal`` has no wheel (Intel
macOS) it is not installed, and packages are deflated by ``zlib`` at its fastest level, as before.
Entries get a fixed time and mode, so a package's bytes depend on its content only.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

try:
    from isal import isal_zlib as _deflater
except ImportError:  # (no wheel for this platform: pyproject.toml installs it elsewhere)
    import zlib as _deflater  # type: ignore[no-redef]

from ..frozen import frozen

#: fixed zip entry time (1980-01-01 00:00, DOS date and time), so a package's bytes depend on its
#: content only
ZIP_DATE, ZIP_TIME = (0 << 9) | (1 << 5) | 1, 0
#: what reading a package that is not one (or not whole) can raise: a damaged zip is a ValueError
BAD_PACKAGE = (OSError, KeyError, ValueError, TypeError, sqlite3.Error)


@frozen
class PackageFiles:
    """A package's database and its media map (media file name -> zip member)."""

    database: bytes
    media: Mapping[str, str]


def read_package_files(path: Path) -> PackageFiles:
    """The database (``collection.anki21`` when there is one, else ``collection.anki2``) and the media
    map of the package at ``path``; one of :data:`BAD_PACKAGE` when it is not a package."""
    return _files_of(_read_zip(path, _package_members))


def read_package_with_media(path: Path) -> tuple[PackageFiles, dict[str, bytes]]:
    """:func:`read_package_files` of the package at ``path`` and the bytes of all its media files
    (by name), in one read of it (what :func:`read_media` of every name gives)."""
    members = _read_zip(path, _every_member)
    files = _files_of(members)
    return files, {name: members[member] for name, member in files.media.items()}


_COLLECTIONS = ("collection.anki21", "collection.anki2")


def _package_members(names: set[str]) -> list[str]:
    """A package's database (``collection.anki21`` when there is one) and its media map, if any."""
    member = _COLLECTIONS[0] if _COLLECTIONS[0] in names else _COLLECTIONS[1]
    return [member, "media"] if "media" in names else [member]


def _every_member(names: set[str]) -> list[str]:
    """:func:`_package_members` and the media files (members named by their number, as Anki and
    :func:`package_bytes_into` name them)."""
    return [*_package_members(names), *sorted(name for name in names if name.isdigit())]


def _files_of(members: dict[str, bytes]) -> PackageFiles:
    """The database and media map among the members read by :func:`_package_members`."""
    index = json.loads(members.get("media", b"{}"))
    if not isinstance(index, dict):
        raise ValueError("its media map is not an object")
    database = members[_COLLECTIONS[0]] if _COLLECTIONS[0] in members else members[_COLLECTIONS[1]]
    return PackageFiles(database, {str(name): str(number) for number, name in index.items()})


def read_media(path: Path, members: Mapping[str, str], names: list[str] | None = None) -> dict[str, bytes]:
    """The bytes of the media files ``names`` (all when None) of the package at ``path``."""
    wanted = list(members) if names is None else names
    read = _read_zip(path, lambda _names: [members[name] for name in wanted])
    return {name: read[members[name]] for name in wanted}


def _read_zip(path: Path, wanted: Callable[[set[str]], Iterable[str]]) -> dict[str, bytes]:
    """The members of the zip at ``path`` that ``wanted`` picks from its member names, read whole
    (KeyError for one it does not have); ValueError when it is not a zip or not a whole one (a bad
    CRC, a broken deflate stream, a cut-off file, an unknown compression)."""
    with path.open("rb") as handle:  # (no package there: OSError, without loading zipfile)
        import zipfile
        import zlib

        try:
            with zipfile.ZipFile(handle) as archive:
                return {name: archive.read(name) for name in wanted(set(archive.namelist()))}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise ValueError(f"not a whole zip: {error}") from None


@contextlib.contextmanager
def database_of(data: bytes) -> Iterator[sqlite3.Connection]:
    """An in-memory connection to a package's database (its bytes), closed afterwards."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        yield connection
    finally:
        connection.close()


#: how a zip entry's bytes are deflated (raw, as zip entries hold them)
Compress = Callable[[bytes], bytes]
#: the level for the packages' entries: ISA-L's takes 0.08 ms for a deck's 188 KB collection, 17.9 KB;
#: zlib's fastest (where isal is not installed) 0.5 ms for 18.6 KB (docs/performance.md)
DEFLATE_LEVEL = 1


def deflate(data: bytes) -> bytes:
    """``data`` as a raw deflate stream (a zip entry's)."""
    return _deflater.compress(data, DEFLATE_LEVEL, -15)


def package_bytes_into(
    handle: BinaryIO,
    database: bytes,
    media: Mapping[str, bytes],
    compress: Compress = deflate,
) -> None:
    """A package of ``database`` and ``media`` (name -> bytes, numbered in name order) into ``handle``."""
    names = sorted(media)
    index = {str(number): name for number, name in enumerate(names)}
    entries = [("collection.anki2", database), ("media", json.dumps(index, sort_keys=True).encode())]
    entries += [(str(number), media[name]) for number, name in enumerate(names)]
    zip_into(handle, entries, compress)


#: zipfile's headers (its structFileHeader, structCentralDir, structEndArchive)
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION, _UNIX, _DEFLATED, _UTF8, _MODE = 20, 3, 8, 0x800, 0o644 << 16
#: past this size or offset zipfile writes ZIP64 records
_ZIP64_LIMIT = (1 << 31) - 1


def zip_into(handle: BinaryIO, entries: Iterable[tuple[str, bytes]], compress: Compress) -> None:
    """A zip of ``entries`` (name, bytes) into ``handle``, each deflated whole by ``compress``: what
    ``zipfile.ZipFile(handle, "w")`` writes for them (entries of mode 0644, dated 1980-01-01,
    deflated, in a seekable file: no data descriptors), but with this deflate."""
    central, offset = [], 0
    for name, data in entries:
        encoded, flags = name.encode("utf-8"), 0 if name.isascii() else _UTF8
        packed, crc = compress(data), _deflater.crc32(data)
        sizes = (crc, len(packed), len(data), len(encoded))
        if max(offset, len(packed), len(data)) > _ZIP64_LIMIT:
            raise OverflowError(
                f"zip entry {name!r} would need ZIP64 (over 2 GB), which a package never does"
            )
        head = (_VERSION, 0, flags, _DEFLATED, ZIP_TIME, ZIP_DATE, *sizes)
        handle.write(_LOCAL.pack(b"PK\x03\x04", *head, 0) + encoded)
        handle.write(packed)
        central.append(
            _CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, *head, 0, 0, 0, 0, _MODE, offset) + encoded
        )
        offset += _LOCAL.size + len(encoded) + len(packed)
    directory = b"".join(central)
    handle.write(directory)
    handle.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0))
