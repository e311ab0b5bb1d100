"""What a delivery changes: which notes are new, and which fields and tags of existing notes.

The rules that keep the learner's work: of an existing note only flashdigest's own fields (every
field but ``Extra``) and flashdigest's own tags are compared and written; the learner's tags stay,
and a tag flashdigest no longer gives is removed only when it is in one of flashdigest's own
namespaces (``digest::``, ``arxiv::``). Content is compared, never modification times, so a
correction always arrives and an unchanged note is never written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from ..frozen import frozen
from .package import PackageNote

#: the fields that belong to the learner: never written to an existing note
LEARNER_FIELDS = frozenset({"Extra"})
#: tag namespaces only flashdigest gives (docs/cards.md): a stale one may be removed
OWN_TAG_PREFIXES = ("digest::", "arxiv::")

_MEDIA_RE = re.compile(r"""src=["']([^"'<>]+)["']""")


@frozen
class CollectionNote:
    """A note already in the collection, found by the GUID of a deck's note."""

    note_id: int
    notetype_id: int
    fields: Mapping[str, str]
    tags: tuple[str, ...]


@frozen
class NoteUpdate:
    """The changes to one existing note: only what differs."""

    note_id: int
    guid: str
    fields: Mapping[str, str]
    add_tags: tuple[str, ...]
    remove_tags: tuple[str, ...]
    #: media files the changed fields refer to
    media: tuple[str, ...]


@frozen
class Memory:
    """What delivery remembers of one target (the state keeps it per target): the GUIDs of the
    notes it delivered there. Such a note missing from the collection was deleted by the learner
    and stays deleted, unless ``restore_deleted``."""

    delivered: frozenset[str] = frozenset()
    restore_deleted: bool = False


@frozen
class DeliveryPlan:
    new: tuple[PackageNote, ...]
    updates: tuple[NoteUpdate, ...]
    unchanged: tuple[str, ...]
    #: GUIDs found under another note type (the learner changed it): left alone
    conflicts: tuple[PackageNote, ...]
    #: notes delivered before and since deleted by the learner: left out
    deleted: tuple[PackageNote, ...] = ()

    def present(self) -> tuple[str, ...]:
        """The GUIDs of the notes in the collection once the plan is carried out."""
        kept = (*(note.guid for note in self.new), *(update.guid for update in self.updates))
        return (*kept, *self.unchanged, *(note.guid for note in self.conflicts))


def make_plan(
    notes: Mapping[str, PackageNote], existing: Mapping[str, CollectionNote], memory: Memory | None = None
) -> DeliveryPlan:
    """Compare each deck note with the collection's note of the same GUID."""
    memory = memory or Memory()
    new: list[PackageNote] = []
    updates: list[NoteUpdate] = []
    unchanged: list[str] = []
    conflicts: list[PackageNote] = []
    deleted: list[PackageNote] = []
    for guid, note in notes.items():
        found = existing.get(guid)
        if found is None and guid in memory.delivered and not memory.restore_deleted:
            deleted.append(note)
        elif found is None:
            new.append(note)
        elif found.notetype_id != note.notetype_id:
            conflicts.append(note)
        else:
            update = note_update(note, found)
            if update is None:
                unchanged.append(guid)
            else:
                updates.append(update)
    return DeliveryPlan(tuple(new), tuple(updates), tuple(unchanged), tuple(conflicts), tuple(deleted))


def plan_notices(plan: DeliveryPlan) -> tuple[str, ...]:
    """What the plan leaves alone and why, one line each."""
    conflicts = tuple(
        f"{note.source}: note {note.guid} is in the collection under another note type; left alone"
        for note in plan.conflicts
    )
    if not plan.deleted:
        return conflicts
    left_out = (
        f"{len(plan.deleted)} note(s) you deleted in Anki were left out (--restore-deleted brings them back)"
    )
    return (*conflicts, left_out)


def note_update(note: PackageNote, found: CollectionNote) -> NoteUpdate | None:
    """The changes that bring ``found`` up to ``note`` without touching the learner's work."""
    fields = {
        name: value
        for name, value in ((name, normalized(value)) for name, value in note.fields)
        if name not in LEARNER_FIELDS and name in found.fields and found.fields[name] != value
    }
    have = {tag.casefold() for tag in found.tags}
    give = {tag.casefold() for tag in note.tags}
    add = tuple(tag for tag in note.tags if tag.casefold() not in have)
    remove = tuple(tag for tag in found.tags if tag.casefold() not in give and is_own_tag(tag))
    if not (fields or add or remove):
        return None
    media = tuple(sorted({name for value in fields.values() for name in _MEDIA_RE.findall(value)}))
    return NoteUpdate(found.note_id, note.guid, fields, add, remove, media)


def is_own_tag(tag: str) -> bool:
    return tag.casefold().startswith(OWN_TAG_PREFIXES)


def normalized(text: str) -> str:
    """Field text as Anki stores it (NFC), so that a stored note compares equal to its deck's."""
    return unicodedata.normalize("NFC", text)
