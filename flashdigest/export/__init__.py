"""Stage 3, the exporter: a :class:`~flashdigest.cards.DeckBuild` -> ``<out>/YYYY-MM-DD.apkg``.

Public entry point: :func:`write_deck`. The SQLite collection is built in memory and the
package is written to a temporary file beside the target, flushed and renamed into place, so
a deck on disk is always either the previous one or the new one, whole. Modification times
come from the output directory's state (:mod:`flashdigest.state`): unchanged notes keep theirs,
so unchanged input gives a byte-identical package, and changed notes get newer ones.
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

from ..cards import DeckBuild, mcq_model, paper_model
from ..errors import ExportError
from ..state import TEMP_PREFIX, ExportState, sha256_hex

#: fixed zip entry time, so that the archive's bytes depend on its content only
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DeckStamps:
    """Modification times for one deck's notes and note types, and the hash of all it holds."""

    note_mods: dict[str, int]
    notetype_mod: int
    content_hash: str


def deck_path(out_dir: Path, build: DeckBuild) -> Path:
    return out_dir / f"{build.date.isoformat()}.apkg"


@cache
def notetypes_hash() -> str:
    """A hash of both note types as written (fields, templates, CSS): a new value is a new version."""
    parts = []
    for model in (paper_model(), mcq_model()):
        fields = [field["name"] for field in model.fields]
        templates = [[t["name"], t["qfmt"], t["afmt"]] for t in model.templates]
        parts.append(json.dumps([model.model_id, model.name, fields, templates, model.css]))
    return sha256_hex(*parts)


def note_hash(note: genanki.Note, deck_id: int) -> str:
    """64 bits of the SHA-256 of what the note holds: enough to tell a change, small in the state."""
    fields = "\x1f".join(note.fields)
    return sha256_hex(str(note.model.model_id), str(deck_id), fields, " ".join(note.tags))[:16]


def stamp_deck(build: DeckBuild, state: ExportState, now: float | None = None) -> DeckStamps:
    """Give every note of ``build`` its modification time from ``state`` (which it updates)."""
    clock = int(time.time() if now is None else now)
    date = build.date.isoformat()
    note_mods: dict[str, int] = {}
    hashes = [notetypes_hash()]
    for note in build.notes:
        content = note_hash(note, build.deck_id)
        note_mods[note.guid] = state.note_mod(date, note.guid, content, clock)
        hashes.append(f"{note.guid}:{content}:{note_mods[note.guid]}")
    hashes.extend(f"{media.name}:{sha256_hex(media.data)}" for media in build.media)
    notetype_mod = state.notetype_mod(notetypes_hash(), clock)
    return DeckStamps(note_mods, notetype_mod, sha256_hex(*hashes, str(notetype_mod)))


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
        genanki.Package(deck).write_to_db(cursor, stamps.notetype_mod, id_gen=None)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


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
