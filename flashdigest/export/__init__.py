"""Stage 3, the exporter: a :class:`~flashdigest.cards.DeckBuild` -> ``<out>/YYYY-MM-DD.apkg``.

Public entry point: :func:`write_deck`. The SQLite collection is built in memory and the
package is written to a temporary file beside the target, flushed and renamed into place, so
a deck on disk is always either the previous one or the new one, whole. Note modification
times come from the deck being replaced (:func:`read_previous`): unchanged notes keep theirs, so
unchanged input gives a byte-identical package (which is then not written at all), and changed
ones get newer times, which is what makes Anki's importer take a correction. Note types' times
come from their content alone (:mod:`.notetype_times`).
"""

from __future__ import annotations

import functools
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ..atomic import atomic_file
from ..cards import DeckBuild
from ..cards.anki_notes import Model, Note
from ..cards.notes import stable_ids
from ..cards.preset import deck_preset
from ..errors import OutputError
from ..frozen import frozen
from ..state import sha256_hex
from .anki_schema import empty_collection
from .apkg import BAD_PACKAGE, database_of, package_bytes_into, read_package_files
from .models_json import models_json
from .notetype_times import notetype_mod


@frozen
class DeckStamps:
    """Modification times for one deck's notes and note types, and the hash of all it holds."""

    note_mods: dict[str, int]
    notetype_mods: dict[int, int]
    content_hash: str


@frozen
class PreviousDeck:
    """What the deck being replaced holds: per note GUID and per note type id, (mod, content hash)."""

    notes: dict[str, tuple[int, str]]
    notetypes: dict[int, tuple[int, str]]


def deck_path(out_dir: Path, build: DeckBuild) -> Path:
    return out_dir / f"{build.date.isoformat()}.apkg"


def note_hash(mid: int, fields: str, tags: str) -> str:
    """64 bits of the SHA-256 of what a note holds (its fields joined as Anki stores them)."""
    return sha256_hex(str(mid), fields, " ".join(tags.split()))[:16]


def notetype_hash(model_json: dict[str, Any]) -> str:
    """A hash of a note type as written (name, fields, templates, CSS): a new value is a new version."""
    keys = ("name", "type", "css", "latexPre", "latexPost")
    parts = [str(model_json.get(key)) for key in keys]
    parts += [str(f.get("name")) for f in model_json.get("flds", [])]
    parts += [f"{t.get('name')}|{t.get('qfmt')}|{t.get('afmt')}" for t in model_json.get("tmpls", [])]
    return sha256_hex(*parts)[:16]


@functools.lru_cache(maxsize=16)
def _shipped_notetype_hash(model: Model) -> str:
    """:func:`notetype_hash` of one of this run's note types (the deck's id is not in it): once a run."""
    return notetype_hash(model.to_json(0, 0))


def read_previous(path: Path) -> PreviousDeck | None:
    """The notes and note types of the deck at ``path``, or None if there is none that reads."""
    try:
        with database_of(read_package_files(path).database) as connection:
            rows = connection.execute("SELECT guid, mid, mod, flds, tags FROM notes").fetchall()
            (models_json,) = connection.execute("SELECT models FROM col").fetchone()
        models = json.loads(models_json)
        notes = {str(g): (int(mod), note_hash(int(mid), str(f), str(t))) for g, mid, mod, f, t in rows}
        notetypes = {int(key): (int(m["mod"]), notetype_hash(m)) for key, m in models.items()}
    except BAD_PACKAGE:
        return None
    return PreviousDeck(notes, notetypes)


def _newer(previous: tuple[int, str] | None, content: str, now: int) -> int:
    """The mod of something holding ``content``: kept while unchanged, else newer than before."""
    if previous is None:
        return now
    mod, old_content = previous
    return mod if old_content == content else max(now, mod + 1)


def stamp_deck(build: DeckBuild, previous: PreviousDeck | None, now: int) -> DeckStamps:
    """Give every note and note type of ``build`` its modification time: the previous deck's while
    its content is unchanged (so the package is byte-identical), else ``now`` or newer."""
    old_notes = previous.notes if previous else {}
    note_mods: dict[str, int] = {}
    hashes = [f"deck:{build.deck_id}:{build.deck_name}"]
    for note in build.notes:
        content = note_hash(note.model.model_id, "\x1f".join(note.fields), " ".join(note.tags))
        note_mods[note.guid] = _newer(old_notes.get(note.guid), content, now)
        suspended = sorted(getattr(note, "suspended", ()))  # the daily budget's choice is in the file too
        hashes.append(f"{note.guid}:{content}:{note_mods[note.guid]}:{suspended}")
    notetype_mods: dict[int, int] = {}
    for model in {note.model.model_id: note.model for note in build.notes}.values():
        content = _shipped_notetype_hash(model)
        notetype_mods[model.model_id] = notetype_mod(model.model_id, content)
        hashes.append(f"{model.model_id}:{content}:{notetype_mods[model.model_id]}")
    hashes.extend(f"{media.name}:{sha256_hex(media.data)}" for media in build.media)
    hashes.append("preset:" + json.dumps(deck_preset(build.choice.shown), sort_keys=True))
    return DeckStamps(note_mods, notetype_mods, sha256_hex(*sorted(hashes)))


def write_deck(build: DeckBuild, out_dir: Path, stamps: DeckStamps) -> bool:
    """Write ``build`` as ``out_dir/YYYY-MM-DD.apkg`` with ``stamps``.

    False when the file there already holds exactly these bytes (it is left alone). Raises
    OutputError when the deck cannot be written (the temporary file is removed)."""
    return write_package(deck_path(out_dir, build), deck_bytes(build, stamps))


def deck_bytes(build: DeckBuild, stamps: DeckStamps) -> bytes:
    """The package (.apkg) of ``build`` with ``stamps``, in memory."""
    buffer = io.BytesIO()
    package_bytes_into(
        buffer, _collection_bytes(build, stamps), {item.name: item.data for item in build.media}
    )
    return buffer.getvalue()


def write_package(target: Path, data: bytes) -> bool:
    """Write ``data`` atomically at ``target``; False when the file there already holds exactly
    these bytes (it is left alone). OutputError when it cannot be written."""
    try:
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
        _write_atomically(target, lambda handle: _write_all(handle, data))
    except OSError as exc:
        raise OutputError(f"cannot write deck: {exc.strerror or exc}", target) from None
    return True


def _write_all(handle: BinaryIO, data: bytes) -> None:
    handle.write(data)


def _collection_bytes(build: DeckBuild, stamps: DeckStamps) -> bytes:
    """The deck's SQLite collection: a copy of the empty one, filled with the rows (and in the order
    of statements) genanki's ``Package.write_to_db`` writes, so its bytes are the same. (genanki
    reads ``col``'s JSON back before each change; here it is kept in memory: the same values;
    the note types' JSON is made once per run, :mod:`.models_json`.)"""
    timestamp = max(stamps.notetype_mods.values(), default=0)
    connection = empty_collection()
    try:
        cursor = connection.cursor()
        row = cursor.execute("SELECT decks, dconf FROM col").fetchone()
        decks, dconf = (json.loads(value) for value in row)
        decks[str(build.deck_id)] = _deck_json(build.deck_id, build.deck_name)
        cursor.execute("UPDATE col SET decks = ?", (json.dumps(decks),))
        note_types = {note.model.model_id: note.model for note in build.notes}.values()
        # (the empty collection has no note types: col.models is the deck's own)
        made, final = models_json(list(note_types), int(timestamp), build.deck_id, stamps.notetype_mods)
        cursor.execute("UPDATE col SET models = ?", (made,))
        for note in build.notes:
            _insert_note(cursor, note, build.deck_id, stamps.note_mods[note.guid])
        cursor.execute("UPDATE col SET models = ?", (final,))
        _add_preset(cursor, build, decks, dconf)
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def _insert_note(cursor: sqlite3.Cursor, note: Note, deck_id: int, mod: int) -> None:
    """The note's row and its cards' rows, ids from its GUID (genanki's columns and values)."""
    ids = stable_ids(note.guid)
    tags = " " + " ".join(note.tags) + " "
    row = (
        next(ids),
        note.guid,
        note.model.model_id,
        mod,
        -1,
        tags,
        "\x1f".join(note.fields),
        note.sort_field,
    )
    cursor.execute("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);", (*row, 0, 0, ""))
    note_id = cursor.lastrowid
    for card in note.cards:
        cursor.execute(
            "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);",
            (
                next(ids),
                note_id,
                deck_id,
                card.ord,
                mod,
                -1,
                0,
                -1 if card.suspend else 0,
                card.due,
                *(0,) * 8,
                "",
            ),
        )


def _deck_json(deck_id: int, name: str) -> dict[str, Any]:
    """A deck as genanki writes it into ``col.decks``."""
    return {
        "collapsed": False,
        "conf": 1,
        "desc": "",
        "dyn": 0,
        "extendNew": 0,
        "extendRev": 50,
        "id": deck_id,
        "lrnToday": [163, 2],
        "mod": 1425278051,
        "name": name,
        "newToday": [163, 2],
        "revToday": [163, 0],
        "timeToday": [163, 23598],
        "usn": -1,
    }


def _add_preset(
    cursor: sqlite3.Cursor, build: DeckBuild, decks: dict[str, Any], dconf: dict[str, Any]
) -> None:
    """The deck's own deck-options preset (flashdigest/cards/preset.py), beside Anki's default one
    (``decks`` and ``dconf``: the collection's as they stand)."""
    preset = deck_preset(build.choice.shown)
    dconf[str(preset["id"])] = preset
    decks[str(build.deck_id)]["conf"] = preset["id"]
    cursor.execute(
        "UPDATE col SET dconf = ?, decks = ?",
        (json.dumps(dconf, sort_keys=True), json.dumps(decks, sort_keys=True)),
    )


def _write_atomically(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(handle)`` on a temporary file beside ``target``, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target) as handle:
        write(handle)
