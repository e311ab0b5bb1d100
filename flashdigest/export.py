"""Stage 3, the exporter: a :class:`~flashdigest.cards.DeckBuild` -> ``<out>/YYYY-MM-DD.apkg``.

Public entry point: :func:`write_deck`. The SQLite collection is built in memory and the
package is written to a temporary file beside the target, flushed and renamed into place, so
a deck on disk is always either the previous one or the new one, whole.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

import genanki

from .cards import DeckBuild
from .errors import ExportError

TEMP_PREFIX = ".flashdigest-"
#: fixed zip entry time, so that the archive's bytes depend on its content only
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def deck_path(out_dir: Path, build: DeckBuild) -> Path:
    return out_dir / f"{build.date.isoformat()}.apkg"


def write_deck(build: DeckBuild, out_dir: Path, timestamp: float | None = None) -> Path:
    """Write ``build`` as ``out_dir/YYYY-MM-DD.apkg`` and return that path."""
    target = deck_path(out_dir, build)
    stamp = time.time() if timestamp is None else timestamp
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        collection = _collection_bytes(build, stamp)
        _write_atomically(target, lambda handle: _write_zip(handle, collection, build))
    except OSError as exc:
        raise ExportError(f"cannot write deck: {exc.strerror or exc}", target) from None
    return target


def _collection_bytes(build: DeckBuild, timestamp: float) -> bytes:
    deck = genanki.Deck(build.deck_id, build.deck_name)
    for note in build.notes:
        deck.add_note(note)
    connection = sqlite3.connect(":memory:")
    try:
        cursor = connection.cursor()
        genanki.Package(deck).write_to_db(cursor, timestamp, id_gen=None)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_zip(handle: object, collection: bytes, build: DeckBuild) -> None:
    with zipfile.ZipFile(handle, "w") as archive:  # type: ignore[arg-type]
        archive.writestr(_zip_entry("collection.anki2"), collection)
        media_index = {str(index): media.name for index, media in enumerate(build.media)}
        archive.writestr(_zip_entry("media"), json.dumps(media_index, sort_keys=True))
        for index, media in enumerate(build.media):
            archive.writestr(_zip_entry(str(index)), media.data)


def _write_atomically(target: Path, write: object) -> None:
    """Call ``write(handle)`` on a temporary file beside ``target``, then rename it into place."""
    descriptor, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)  # type: ignore[operator]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
