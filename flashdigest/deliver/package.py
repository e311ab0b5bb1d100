"""Reading an ``.apkg`` back: its notes (GUID, note type, fields by name, tags, deck) and media.

Delivery works from the packages flashdigest wrote, not from how they were built, so that the
collection gets exactly what an import of the decks would give. The same reader reads the
packages that Anki exports (AnkiConnect's ``exportPackage``): ``collection.anki21`` when the
package has one (Anki's legacy export), else ``collection.anki2`` (genanki's).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from ..errors import DeliveryError
from ..export.apkg import BAD_PACKAGE, database_of, read_media, read_package_files
from ..frozen import frozen

#: Anki's separator of a note's fields in the database
FIELD_SEPARATOR = "\x1f"


@frozen
class PackageNote:
    """One note of a package, as the package holds it."""

    guid: str
    note_id: int
    notetype_id: int
    #: (field name, value) in the note type's order
    fields: tuple[tuple[str, str], ...]
    tags: tuple[str, ...]
    mod: int
    #: the deck of the note's first card
    deck: str
    source: Path


@frozen
class PackageContent:
    """What one package holds: its notes and its media (file name -> zip member)."""

    path: Path
    notes: tuple[PackageNote, ...]
    media: Mapping[str, str]
    #: the package's note types as written (Anki's JSON): id -> note type
    models: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    def media_bytes(self, name: str) -> bytes:
        """The bytes of the media file ``name`` shipped in the package."""
        try:
            return read_media(self.path, self.media, [name])[name]
        except BAD_PACKAGE as exc:
            raise DeliveryError(f"cannot read media file {name!r}: {exc}", self.path) from None


def read_package(path: Path) -> PackageContent:
    """The notes and media of the package at ``path``; a file that is not one raises DeliveryError."""
    try:
        files = read_package_files(path)
    except BAD_PACKAGE as exc:
        raise DeliveryError(f"not an Anki package: {exc}", path) from None
    notes, models = _read_notes(files.database, path)
    return PackageContent(path, notes, files.media, models)


def _read_notes(database: bytes, path: Path) -> tuple[tuple[PackageNote, ...], dict[int, dict[str, Any]]]:
    try:
        with database_of(database) as connection:
            models_json, decks = connection.execute("select models, decks from col").fetchone()
            note_decks = dict(connection.execute("select nid, did from cards order by ord desc").fetchall())
            rows = connection.execute(
                "select id, guid, mid, mod, tags, flds from notes order by id"
            ).fetchall()
        table = json.loads(models_json)
        fields = _field_names(table)
        models = {int(key): dict(model) for key, model in table.items()}
        deck_names = {int(key): str(deck["name"]) for key, deck in json.loads(decks).items()}
    except BAD_PACKAGE as exc:
        raise DeliveryError(f"not an Anki package: {exc}", path) from None
    notes = tuple(_note(row, fields, deck_names.get(note_decks.get(row[0], 0), ""), path) for row in rows)
    return notes, models


def _field_names(models: Mapping[str, Any]) -> dict[int, tuple[str, ...]]:
    return {
        int(key): tuple(str(field["name"]) for field in sorted(model["flds"], key=lambda f: f["ord"]))
        for key, model in models.items()
    }


def _note(row: tuple[Any, ...], fields: Mapping[int, tuple[str, ...]], deck: str, path: Path) -> PackageNote:
    note_id, guid, notetype_id, mod, tags, values = row
    names = fields.get(int(notetype_id))
    split = str(values).split(FIELD_SEPARATOR)
    if names is None or len(names) != len(split):
        raise DeliveryError(f"note {guid} does not fit its note type {notetype_id}", path)
    return PackageNote(
        str(guid),
        int(note_id),
        int(notetype_id),
        tuple(zip(names, split, strict=True)),
        split_tags(str(tags)),
        int(mod),
        deck,
        path,
    )


def split_tags(tags: str) -> tuple[str, ...]:
    """Anki's space-separated tag string as a tuple."""
    return tuple(tag for tag in tags.split() if tag)


def latest_notes(contents: Iterable[PackageContent]) -> dict[str, PackageNote]:
    """One note per GUID over all packages: the newest (highest ``mod``; on a tie, the later
    package), as importing the packages in order with "update if newer" would leave it."""
    chosen: dict[str, PackageNote] = {}
    for content in contents:
        for note in content.notes:
            known = chosen.get(note.guid)
            if known is None or note.mod >= known.mod:
                chosen[note.guid] = note
    return chosen
