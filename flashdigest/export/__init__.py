"""Stage 3, the exporter: a :class:`~flashdigest.cards.DeckBuild` -> ``<out>/YYYY-MM-DD.apkg``.

Public entry point: :func:`write_deck`. The SQLite collection is built in memory and the
package is written to a temporary file beside the target, flushed and renamed into place, so
a deck on disk is always either the previous one or the new one, whole. Modification times
come from the output directory's state (:mod:`flashdigest.state`): unchanged notes keep theirs,
so unchanged input gives a byte-identical package, and changed notes get newer ones. Each note
type has its own modification time, taken from a hash of that note type alone: a new version of
one note type leaves the others' times (and a learner's edits to them) alone.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

import genanki

from ..cards import DeckBuild
from ..errors import ExportError
from ..state import TEMP_PREFIX, ExportState, sha256_hex

#: fixed zip entry time, so that the archive's bytes depend on its content only
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DeckStamps:
    """Modification times for one deck's notes and note types (by note type id), and the hash of
    all it holds."""

    note_mods: dict[str, int]
    notetype_mods: dict[int, int]
    content_hash: str


def deck_path(out_dir: Path, build: DeckBuild) -> Path:
    return out_dir / f"{build.date.isoformat()}.apkg"


@cache
def notetype_hash(model: genanki.Model) -> str:
    """A hash of one note type as written (fields, templates, CSS): a new value is a new version."""
    fields = [field["name"] for field in model.fields]
    templates = [[t["name"], t["qfmt"], t["afmt"]] for t in model.templates]
    return sha256_hex(
        json.dumps([model.model_id, model.name, model.model_type, fields, templates, model.css])
    )


def note_hash(note: genanki.Note, deck_id: int) -> str:
    """64 bits of the SHA-256 of what the note holds: enough to tell a change, small in the state."""
    fields = "\x1f".join(note.fields)
    return sha256_hex(str(note.model.model_id), str(deck_id), fields, " ".join(note.tags))[:16]


def stamp_deck(build: DeckBuild, state: ExportState, now: float | None = None) -> DeckStamps:
    """Give every note of ``build`` its modification time from ``state`` (which it updates)."""
    clock = int(time.time() if now is None else now)
    date = build.date.isoformat()
    note_mods: dict[str, int] = {}
    models = {note.model.model_id: note.model for note in build.notes}
    notetype_mods = {
        model_id: state.notetype_mod(notetype_hash(model), clock)
        for model_id, model in sorted(models.items())
    }
    hashes = [
        f"{notetype_hash(model)}:{notetype_mods[model_id]}" for model_id, model in sorted(models.items())
    ]
    for note in build.notes:
        content = note_hash(note, build.deck_id)
        note_mods[note.guid] = state.note_mod(date, note.guid, content, clock)
        hashes.append(f"{note.guid}:{content}:{note_mods[note.guid]}")
    hashes.extend(f"{media.name}:{sha256_hex(media.data)}" for media in build.media)
    return DeckStamps(note_mods, notetype_mods, sha256_hex(*hashes))


def write_deck(build: DeckBuild, out_dir: Path, stamps: DeckStamps) -> Path:
    """Write ``build`` as ``out_dir/YYYY-MM-DD.apkg`` with ``stamps``; return that path."""
    target = deck_path(out_dir, build)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        collection = _collection_bytes(build, stamps)
        _write_atomically(target, lambda handle: _write_zip(handle, collection, build))
    except OSError as exc:
        raise ExportError(f"cannot write deck: {exc.strerror or exc}", target) from None
    return target


def _collection_bytes(build: DeckBuild, stamps: DeckStamps) -> bytes:
    deck = genanki.Deck(build.deck_id, build.deck_name)
    for note in build.notes:
        note.mod = stamps.note_mods[note.guid]
        deck.add_note(note)
    connection = sqlite3.connect(":memory:")
    try:
        cursor = connection.cursor()
        genanki.Package(deck).write_to_db(cursor, max(stamps.notetype_mods.values(), default=0), id_gen=None)
        _stamp_notetypes(cursor, stamps.notetype_mods)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def _stamp_notetypes(cursor: sqlite3.Cursor, mods: dict[int, int]) -> None:
    """Give each note type in the collection its own modification time (genanki gives them one)."""
    (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
    models = json.loads(models_json)
    for model_id, model in models.items():
        model["mod"] = mods.get(int(model_id), model["mod"])
    cursor.execute("UPDATE col SET models = ?", (json.dumps(models),))


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_zip(handle: BinaryIO, collection: bytes, build: DeckBuild) -> None:
    media = sorted(build.media, key=lambda item: item.name)
    with zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(_zip_entry("collection.anki2"), collection)
        media_index = {str(index): item.name for index, item in enumerate(media)}
        archive.writestr(_zip_entry("media"), json.dumps(media_index, sort_keys=True))
        for index, item in enumerate(media):
            archive.writestr(_zip_entry(str(index)), item.data)


def _write_atomically(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(handle)`` on a temporary file beside ``target``, then rename it into place."""
    descriptor, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
