"""Many per-date decks -> one package holding them all, for a first import in one dialog.

Public entry point: :func:`write_bundle`. The bundle is made from the written ``.apkg`` files,
not rebuilt: every note keeps its GUID, note id, card ids and modification time, and every card
its deck, so importing the per-date decks after the bundle adds and updates nothing. A note in
several decks (the same paper in two digests) is taken once, in its newest version (highest
modification time; on a tie, the later deck), which is the one an import of the decks in order
would leave. Written like the decks: in memory, then atomically, with fixed zip entry times.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExportError
from . import _write_atomically
from .apkg import BAD_PACKAGE, database_of, package_bytes_into, read_package_with_media


@dataclass
class _Merged:
    """The bundle being assembled: rows by note GUID, and the union of note types, decks, media."""

    notes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    cards: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    decks: dict[str, dict[str, Any]] = field(default_factory=dict)
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)


def write_bundle(deck_paths: Sequence[Path], target: Path, guids: Collection[str] | None = None) -> Path:
    """Write one package at ``target`` holding every note, card and media file of ``deck_paths``
    (only the notes whose GUID is in ``guids``, when given, and the media they use); return it."""
    if not deck_paths:
        raise ExportError("no decks to bundle", target)
    merged = _Merged()
    template = b""
    for path in deck_paths:
        database = _merge_package(path, merged, guids)
        template = template or database
    database = _bundle_database(template, merged)
    media = _used_media(merged) if guids is not None else merged.media
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, lambda handle: package_bytes_into(handle, database, media))
    except OSError as exc:
        raise ExportError(f"cannot write bundle: {exc.strerror or exc}", target) from None
    return target


def _merge_package(path: Path, merged: _Merged, guids: Collection[str] | None) -> bytes:
    """Add the notes, cards, note types, decks and media of the package at ``path`` to ``merged``;
    return its database (the bundle's starting point)."""
    try:
        files, media = read_package_with_media(path)
        for name, data in media.items():
            merged.media.setdefault(name, data)
        with database_of(files.database) as connection:
            _merge_rows(connection, merged, guids)
    except BAD_PACKAGE as exc:
        raise ExportError(f"not a deck flashdigest wrote: {exc}", path) from None
    return files.database


def _merge_rows(connection: sqlite3.Connection, merged: _Merged, guids: Collection[str] | None) -> None:
    models, decks, presets = connection.execute("select models, decks, dconf from col").fetchone()
    for key, preset in json.loads(presets).items():  # the decks' own presets (cards/preset.py)
        merged.presets.setdefault(key, preset)
    for key, model in json.loads(models).items():
        if key not in merged.models or model.get("mod", 0) >= merged.models[key].get("mod", 0):
            merged.models[key] = model
    for key, deck in json.loads(decks).items():
        merged.decks.setdefault(key, deck)
    # columns: id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data
    for note in connection.execute("select * from notes order by id"):
        guid = str(note[1])
        if guids is not None and guid not in guids:
            continue
        known = merged.notes.get(guid)
        if known is None or note[3] >= known[3]:
            merged.notes[guid] = tuple(note)
            merged.cards[guid] = connection.execute(
                "select * from cards where nid = ?", (note[0],)
            ).fetchall()


def _bundle_database(template: bytes, merged: _Merged) -> bytes:
    """The first deck's database with its notes and cards replaced by the merged ones."""
    with database_of(template) as connection:
        connection.execute("delete from notes")
        connection.execute("delete from cards")
        for guid, note in merged.notes.items():
            connection.execute(f"insert into notes values ({', '.join('?' * len(note))})", note)
            for card in merged.cards[guid]:
                connection.execute(f"insert into cards values ({', '.join('?' * len(card))})", card)
        used = {str(card[2]) for cards in merged.cards.values() for card in cards} | {"1"}
        decks = {key: deck for key, deck in merged.decks.items() if key in used}
        presets = {
            key: preset
            for key, preset in merged.presets.items()
            if key == "1" or any(str(deck.get("conf")) == key for deck in decks.values())
        }
        connection.execute(
            "update col set models = ?, decks = ?, dconf = ?",
            (json.dumps(merged.models), json.dumps(decks), json.dumps(presets)),
        )
        connection.commit()
        return connection.serialize()


def _used_media(merged: _Merged) -> dict[str, bytes]:
    fields = "".join(str(note[6]) for note in merged.notes.values())
    return {name: data for name, data in merged.media.items() if name in fields}
