"""Import decks into a throwaway collection of the real Anki backend and count what arrived.

Needs the optional extra ``flashdigest[verify]`` (the PyPI package ``anki``). Users run it as
``flashdigest verify DECK...`` before importing; the tests use the same code.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import BackendMissing, VerifyError
from .frozen import frozen
from .hints import anki_install_hint


@frozen
class ImportCounts:
    """What Anki's importer said about one package."""

    path: Path
    new: int
    updated: int
    duplicate: int
    conflicting: int


@frozen
class DeckCounts:
    """Notes and cards of one Anki deck after import."""

    deck: str
    notes: int
    cards: int


@contextmanager
def throwaway_collection() -> Iterator[Any]:
    """A fresh, empty collection of the real Anki backend, deleted afterwards."""
    try:
        from anki.collection import Collection
    except ImportError:
        raise BackendMissing(f"the Anki backend is not installed: {anki_install_hint()}") from None
    with tempfile.TemporaryDirectory(prefix="flashdigest-verify-") as folder:
        collection = Collection(str(Path(folder) / "collection.anki2"))
        try:
            yield collection
        finally:
            collection.close()


def import_package(collection: Any, path: Path) -> ImportCounts:
    """Import ``path`` the way Anki desktop and AnkiDroid do (update notes if newer)."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    options = ImportAnkiPackageOptions(
        with_scheduling=False,
        with_deck_configs=False,
        merge_notetypes=False,
        update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
    )
    try:
        response = collection.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(path), options=options)
        )
    except Exception as error:  # the backend raises its own error types
        raise VerifyError(f"Anki refused the package: {error}", path) from None
    log = response.log
    return ImportCounts(path, len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting))


def deck_counts(collection: Any) -> list[DeckCounts]:
    """Notes and cards per deck that holds any cards, by deck name."""
    counts = []
    for entry in sorted(collection.decks.all_names_and_ids(), key=lambda e: e.name):
        card_ids = collection.find_cards(f'deck:"{_quote(entry.name)}" -deck:"{_quote(entry.name)}::*"')
        if not card_ids:
            continue
        note_ids = {collection.get_card(card_id).nid for card_id in card_ids}
        counts.append(DeckCounts(entry.name, len(note_ids), len(card_ids)))
    return counts


def _quote(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"').replace("*", "\\*").replace("_", "\\_")


def verify_decks(paths: list[Path]) -> tuple[list[ImportCounts | VerifyError], list[DeckCounts]]:
    """Import each package into one throwaway collection: per package the importer's counts or
    its error (a refused package does not stop the others), then notes and cards per deck."""
    with throwaway_collection() as collection:
        imports: list[ImportCounts | VerifyError] = []
        for path in paths:
            try:
                imports.append(import_package(collection, path))
            except VerifyError as error:
                imports.append(error)
        return imports, deck_counts(collection)
