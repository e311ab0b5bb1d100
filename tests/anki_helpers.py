"""Reading back what the real Anki backend holds after an import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashdigest.options import DeckOptions
from flashdigest.verify import ImportCounts, import_package


@dataclass(frozen=True)
class ImportedNote:
    notetype: str
    guid: str
    fields: dict[str, str]
    tags: tuple[str, ...]
    decks: tuple[str, ...]
    cards: int


def import_deck(collection: Any, path: Path) -> ImportCounts:
    return import_package(collection, path)


def import_with(collection: Any, deck: Path, *, presets: bool, scheduling: bool) -> None:
    """Import ``deck`` with or without its deck presets and its cards' scheduling (Anki's import
    options "Import any deck presets" and "Import any learning progress")."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    options = ImportAnkiPackageOptions(with_scheduling=scheduling, with_deck_configs=presets)
    collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(deck), options=options))


def imported_notes(collection: Any) -> list[ImportedNote]:
    """Every note in the collection, with its fields by name, its decks and its card count."""
    notes = []
    for note_id in collection.find_notes(""):
        note = collection.get_note(note_id)
        notetype = note.note_type()
        names = [field["name"] for field in notetype["flds"]]
        cards = note.cards()
        decks = tuple(sorted({collection.decks.name(card.did) for card in cards}))
        notes.append(
            ImportedNote(
                notetype["name"],
                note.guid,
                dict(zip(names, note.fields, strict=True)),
                tuple(sorted(note.tags)),
                decks,
                len(cards),
            )
        )
    return notes


PAPER = "FlashDigest Paper"
MCQ = "FlashDigest MCQ"
CLOZE = "FlashDigest Cloze"


def family(notetype: str) -> str:
    """A note type's name without its version ("FlashDigest Paper v2" -> "FlashDigest Paper")."""
    return re.sub(r" v\d+$", "", notetype)


def by_type(notes: list[ImportedNote], notetype: str) -> list[ImportedNote]:
    """The notes of ``notetype``, any version of it ("FlashDigest Paper" finds v2 too)."""
    return [note for note in notes if family(note.notetype) == family(notetype)]


def without_cloze(notes: list[ImportedNote]) -> list[ImportedNote]:
    """The paper and MCQ notes: one per paper with points and one per answered question."""
    return [note for note in notes if family(note.notetype) != CLOZE]


#: every card of a digest, as before the daily budget: for tests of what export writes of each note
FULL_SET = DeckOptions(cards=("all",))
