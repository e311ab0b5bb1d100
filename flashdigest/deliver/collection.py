"""The collection route: the learner's ``collection.anki2`` changed with the real Anki backend.

One run is one database transaction, after Anki's own backup: the new notes come in through
Anki's package importer (a package of only the new notes, "never update" for notes and note
types, so the importer adds note types under their ids, notes under their GUIDs and decks, and
media) and the changed notes through ``update_notes``, fields and tags only.

The collection is never put at risk (:mod:`.guard`): its real path (a symlink resolved) is used
for it, its media and its backups; it is read read-only first (an Anki collection, undamaged, of
the backend's schema); a collection another program has open is refused; the backend's exclusive
lock is held from the open, through the backup, to the end of the transaction, and checked
before anything is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BackendMissing, CollectionBusy, CollectionUnavailable, DeliveryError
from ..export.bundle import write_bundle
from ..hints import anki_install_hint
from . import notetypes
from .backup import make_backup
from .guard import FileHold, damaged, refuse_if_open_elsewhere, survey
from .package import PackageContent, PackageNote, latest_notes, split_tags
from .plan import CollectionNote, DeliveryPlan, Memory, make_plan, plan_notices
from .types import CollectionTarget, DeliveryReport

SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_WORDS = ("already open", "locked", "busy")
_DAMAGED_WORDS = ("malformed", "corrupt", "not a database")
_GUID_CHUNK = 500
#: how the backend words a write the disk refused (full, read-only, failing)
_WRITE_WORDS = ("disk i/o error", "disk is full", "no space", "readonly", "read-only")
#: less free space than this where the collection is: the disk counts as full
_FULL_BYTES = 1 << 20


def deliver_to_collection(
    contents: Sequence[PackageContent], target: CollectionTarget, memory: Memory | None = None
) -> DeliveryReport:
    """Put the notes of ``contents`` into the collection at ``target.path``."""
    notes = latest_notes(contents)
    path = real_path(target.path)
    _check_collection_file(path)
    refuse_if_open_elsewhere(path)  # first: what another program is writing cannot be surveyed
    survey(path, target.upgrade)
    backup = None
    with FileHold(path) as hold, open_collection(path) as col:
        hold.verify_locked()
        refuse_if_open_elsewhere(path)  # opened between the first look and the lock
        changes = notetype_changes(col, contents, notes)
        ours = {
            guid: notetypes.translate(note, changes.get(note.notetype_id)) for guid, note in notes.items()
        }
        plan = make_plan(ours, _read(path, lambda: existing_notes(col, list(notes))), memory)
        plan, refused = notetypes.leave_out_refused(plan, changes)
        upgraded = notetypes.upgrades(contents, col.models.get)
        if plan.new or plan.updates or upgraded:
            backup = make_backup(col, hold, target.backup_dir or path.parent / "backups")
            renames = {mid: change.renamed for mid, change in changes.items()}
            _write(col, hold, plan, contents, renames, upgraded)
    return DeliveryReport(
        tuple(content.path for content in contents),
        added=len(plan.new),
        updated=len(plan.updates),
        unchanged=len(plan.unchanged),
        backup=backup,
        notices=(
            *plan_notices(plan),
            *notetypes.notices(changes, plan, refused),
            *notetypes.upgrade_notices([model["name"] for model in upgraded.values()]),
        ),
        left_out=len(plan.deleted) + sum(refused.values()),
        present=plan.present(),
    )


def notetype_changes(
    col: Any, contents: Sequence[PackageContent], notes: Mapping[str, PackageNote]
) -> dict[int, notetypes.NotetypeChange]:
    """How the learner's collection has each of the run's note types, where it differs."""

    def learner(mid: int) -> tuple[str, list[str]] | None:
        model = col.models.get(mid)
        return None if model is None else (str(model["name"]), [str(f["name"]) for f in model["flds"]])

    return notetypes.changes_for(contents, notes, learner)


def real_path(path: Path) -> Path:
    """The collection's real path: a symlinked ``--collection`` is followed to the profile."""
    try:
        return path.expanduser().resolve(strict=True)
    except (OSError, RuntimeError):
        return path


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
        if any(word in message.lower() for word in _DAMAGED_WORDS):
            raise damaged(path, message) from None
        raise CollectionUnavailable(f"cannot open the collection: {message}", path) from None
    try:
        yield col
    finally:
        col.close()


def _read(path: Path, read: Callable[[], dict[str, CollectionNote]]) -> dict[str, CollectionNote]:
    """``read()``, with a damaged collection reported as such."""
    from anki.errors import DBError

    try:
        return read()
    except DBError as error:
        raise damaged(path, str(error)) from None


def _write(
    col: Any,
    hold: FileHold,
    plan: DeliveryPlan,
    contents: Sequence[PackageContent],
    renames: Mapping[int, Mapping[str, str]],
    upgraded: Mapping[int, dict[str, Any]],
) -> None:
    """Carry out ``plan`` in one transaction, the lock checked before and at its end."""
    hold.verify_locked()
    media = _media_lookup(contents)

    def change() -> None:
        for model in upgraded.values():  # (templates and CSS only: no schema change)
            col.models.update_dict(model)
        _apply(col, plan, contents, media, renames)
        hold.verify_locked()  # still ours when the transaction commits

    _transact(col, hold.path, change)


def _transact(col: Any, path: Path, change: Callable[[], None]) -> None:
    """Run ``change`` as one transaction: a refusal by the backend rolls all of it back."""
    from anki.errors import BackendError

    try:
        col.db.transact(change)
    except (BackendError, OSError) as error:
        if any(word in str(error).lower() for word in _DAMAGED_WORDS):
            raise damaged(path, str(error)) from None
        if any(word in str(error).lower() for word in _WRITE_WORDS):
            raise CollectionUnavailable(
                f"cannot write the collection: {_why(path)}; nothing was changed", path
            ) from None
        raise DeliveryError(f"Anki refused the delivery, nothing was changed: {error}", path) from None


def _why(path: Path) -> str:
    """Why the disk refused a write: full, read-only, or an input/output error."""
    statvfs = getattr(os, "statvfs", None)  # not on Windows
    try:
        info = statvfs(path.parent) if statvfs is not None else None
    except OSError:
        info = None
    if info is None:
        return "disk I/O error"
    if info.f_bavail * info.f_frsize < _FULL_BYTES:
        return "the disk is full"
    return "the disk is read-only" if info.f_flag & os.ST_RDONLY else "disk I/O error"


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


def _apply(
    col: Any,
    plan: DeliveryPlan,
    contents: Sequence[PackageContent],
    media: Callable[[str], bytes | None],
    renames: Mapping[int, Mapping[str, str]],
) -> None:
    if plan.new:
        # the daily budget's suspended cards stay suspended; a deck's preset comes with it only
        # when every deck is new (Anki would put it over the preset a learner chose for theirs)
        fresh = not any(col.decks.id_for_name(note.deck) for note in plan.new)
        paths = [content.path for content in contents]
        _import_new(col, paths, {note.guid for note in plan.new}, renames, fresh)
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


def _import_new(
    col: Any, decks: list[Path], guids: set[str], renames: Mapping[int, Mapping[str, str]], presets: bool
) -> None:
    """Import the notes with ``guids`` (all new) with their note types, decks and media, their
    cards as the package has them (new, or suspended by the daily budget), and with ``presets``
    the decks' preset."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Condition

    never = Condition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_NEVER
    options = ImportAnkiPackageOptions(
        merge_notetypes=False, with_scheduling=True, with_deck_configs=presets, update_notes=never,
        update_notetypes=never,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="flashdigest-deliver-") as folder:
        package = write_bundle(decks, Path(folder) / "new-notes.apkg", guids)
        notetypes.rewrite_package_models(package, renames)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))


def _media_lookup(contents: Sequence[PackageContent]) -> Callable[[str], bytes | None]:
    def media(name: str) -> bytes | None:
        """The file's bytes from the first package that ships it (None: none does)."""
        for content in contents:
            if name in content.media:
                return content.media_bytes(name)
        return None

    return media
