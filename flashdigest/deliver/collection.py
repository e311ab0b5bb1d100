"""The collection route: the learner's ``collection.anki2`` changed with the real Anki backend.

One run is one database transaction, after Anki's own backup: the new notes come in through
Anki's package importer (a package of only the new notes, "never update" for notes and note
types, so the importer adds note types under their ids, notes under their GUIDs and decks, and
media) and the changed notes through ``update_notes``, fields and tags only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BackendMissing, CollectionBusy, CollectionUnavailable, DeliveryError
from ..export.bundle import write_bundle
from ..hints import anki_install_hint
from .package import PackageContent, latest_notes, split_tags
from .plan import CollectionNote, DeliveryPlan, make_plan
from .types import CollectionTarget, DeliveryReport

SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_WORDS = ("already open", "locked", "busy")
_GUID_CHUNK = 500


def deliver_to_collection(contents: Sequence[PackageContent], target: CollectionTarget) -> DeliveryReport:
    """Put the notes of ``contents`` into the collection at ``target.path``."""
    notes = latest_notes(contents)
    with open_collection(target.path) as col:
        plan = make_plan(notes, existing_notes(col, list(notes)))
        backup = None
        if plan.new or plan.updates:
            backup = _backup(col, target)
            media = _media_lookup(contents)
            _transact(col, target.path, lambda: _apply(col, plan, contents, media))
    return DeliveryReport(
        tuple(content.path for content in contents),
        added=len(plan.new),
        updated=len(plan.updates),
        unchanged=len(plan.unchanged),
        backup=backup,
        notices=conflict_notices(plan),
    )


@contextmanager
def open_collection(path: Path) -> Iterator[Any]:
    """The collection at ``path``, closed afterwards; never creates one."""
    _check_collection_file(path)
    try:
        from anki.collection import Collection
        from anki.errors import BackendError
    except ImportError:
        raise BackendMissing(f"the Anki backend is not installed: {anki_install_hint()}") from None
    try:
        col = Collection(str(path))
    except BackendError as error:
        message = str(error)
        if any(word in message.lower() for word in _BUSY_WORDS):
            raise CollectionBusy("the collection is open in another program (close Anki)", path) from None
        raise CollectionUnavailable(f"cannot open the collection: {message}", path) from None
    try:
        yield col
    finally:
        col.close()


def _transact(col: Any, path: Path, change: Callable[[], None]) -> None:
    """Run ``change`` as one transaction: a refusal by the backend rolls all of it back."""
    from anki.errors import BackendError

    try:
        col.db.transact(change)
    except (BackendError, OSError) as error:
        raise DeliveryError(f"Anki refused the delivery, nothing was changed: {error}", path) from None


def _check_collection_file(path: Path) -> None:
    if not path.is_file():
        raise CollectionUnavailable("no Anki collection here (nothing was created)", path)
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CollectionUnavailable(f"cannot read the collection: {exc.strerror or exc}", path) from None
    if header != SQLITE_HEADER:
        raise CollectionUnavailable("not an Anki collection (not an SQLite database)", path)


def existing_notes(col: Any, guids: Sequence[str]) -> dict[str, CollectionNote]:
    """The collection's notes with any of ``guids``, by GUID."""
    found: dict[str, CollectionNote] = {}
    field_names: dict[int, list[str]] = {}
    for start in range(0, len(guids), _GUID_CHUNK):
        chunk = guids[start : start + _GUID_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = col.db.all(f"select id, guid, mid, tags, flds from notes where guid in ({marks})", *chunk)
        for note_id, guid, mid, tags, flds in rows:
            if mid not in field_names:
                field_names[mid] = [field["name"] for field in col.models.get(mid)["flds"]]
            fields = dict(zip(field_names[mid], flds.split("\x1f"), strict=False))
            found[guid] = CollectionNote(note_id, mid, fields, split_tags(tags))
    return found


def _backup(col: Any, target: CollectionTarget) -> Path:
    folder = target.backup_dir or target.path.parent / "backups"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        col.create_backup(backup_folder=str(folder), force=True, wait_for_completion=True)
    except Exception as error:  # the backend raises its own error types
        raise DeliveryError(f"Anki's backup failed, nothing was changed: {error}", folder) from None
    return folder


def _apply(
    col: Any, plan: DeliveryPlan, contents: Sequence[PackageContent], media: Callable[[str], bytes | None]
) -> None:
    if plan.new:
        _import_new(col, [content.path for content in contents], {note.guid for note in plan.new})
    notes = []
    for update in plan.updates:
        for name in update.media:
            data = media(name)
            if data is not None:
                col.media.write_data(name, data)
        note = col.get_note(update.note_id)
        for field, value in update.fields.items():
            note[field] = value
        for tag in update.remove_tags:
            note.remove_tag(tag)
        for tag in update.add_tags:
            note.add_tag(tag)
        notes.append(note)
    if notes:
        col.update_notes(notes)


def _import_new(col: Any, decks: list[Path], guids: set[str]) -> None:
    """Import the notes with ``guids`` (all new) with their note types, decks and media."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Condition

    never = Condition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_NEVER
    options = ImportAnkiPackageOptions(
        merge_notetypes=False, with_scheduling=False, with_deck_configs=False, update_notes=never,
        update_notetypes=never,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="flashdigest-deliver-") as folder:
        package = write_bundle(decks, Path(folder) / "new-notes.apkg", guids)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))


def _media_lookup(contents: Sequence[PackageContent]) -> Callable[[str], bytes | None]:
    def media(name: str) -> bytes | None:
        """The file's bytes from the first package that ships it (None: none does)."""
        for content in contents:
            if name in content.media:
                return content.media_bytes(name)
        return None

    return media


def conflict_notices(plan: DeliveryPlan) -> tuple[str, ...]:
    return tuple(
        f"{note.source}: note {note.guid} is in the collection under another note type; left alone"
        for note in plan.conflicts
    )
