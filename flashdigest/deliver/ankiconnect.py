"""The AnkiConnect route: the same delivery through a running Anki desktop's AnkiConnect add-on,
with its documented actions only (protocol version 6).

AnkiConnect reports no GUIDs and Anki's importer gives imported notes new ids, so which note holds
which GUID is remembered between deliveries (:mod:`.notemap`). A run asks ``findNotes`` for the
notes of flashdigest's note types (one call per note type), looks up only the notes the map does
not know yet (``exportPackage`` of the decks holding their cards, into a private temporary
folder), and reads the fields and tags of the run's notes with one ``notesInfo``: the calls grow
with the new and changed notes, not with the decks delivered before. New notes arrive as one
package of only the new notes, imported from a private temporary folder (``importPackage``:
Anki's importer keeps GUIDs, note type ids, decks and media), so nothing is put into, or left in,
the collection's media folder or Anki's ``media.trash``; changed notes get ``updateNoteFields``
with flashdigest's fields only, ``addTags``/``removeTags``, and ``storeMediaFile`` for a new image
they show. Anki reads and writes those packages itself: AnkiConnect must run on this machine.

The add-on's client (each call a connection of its own, with deadlines) is
:mod:`.ankiconnect_client`; what the collection has of flashdigest's note types,
:mod:`.ankiconnect_notetypes`.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import DeliveryError
from ..export.bundle import write_bundle
from . import notetypes
from .ankiconnect_client import PROTOCOL_VERSION, AnkiConnect
from .ankiconnect_notetypes import LearnerNotetypes
from .notemap import load_map, map_path, save_map
from .package import PackageContent, PackageNote, latest_notes, read_package
from .plan import CollectionNote, Memory, NoteUpdate, make_plan, plan_notices
from .types import AnkiConnectTarget, DeliveryReport

__all__ = ["AnkiConnect", "deliver_to_anki_connect"]


def deliver_to_anki_connect(
    contents: Sequence[PackageContent], target: AnkiConnectTarget, memory: Memory | None = None
) -> DeliveryReport:
    """Put the notes of ``contents`` into the collection open in Anki, through AnkiConnect."""
    anki = AnkiConnect(target)
    version = anki.call("version")
    if not isinstance(version, int) or version < PROTOCOL_VERSION:
        raise anki.error(f"AnkiConnect {version} is too old: version {PROTOCOL_VERSION} needed")
    notes = latest_notes(contents)
    profile = f"{target.url} {anki.call('getMediaDirPath')}"
    where = map_path(contents[0].path.parent)
    lookup = NoteLookup(anki, load_map(where, profile), sorted({n.notetype_id for n in notes.values()}))
    seen = LearnerNotetypes(anki)
    changes = notetypes.changes_for(contents, notes, seen.fields)
    ours = {guid: notetypes.translate(note, changes.get(note.notetype_id)) for guid, note in notes.items()}
    plan, refused = notetypes.leave_out_refused(make_plan(ours, lookup.existing(notes), memory), changes)
    # a note type the learner edited stays theirs; one as an earlier flashdigest wrote it is
    # brought up to date, by AnkiConnect's model actions (the import never changes one: see below)
    upgraded = seen.bring_up_to_date(notetypes.earlier_versions(contents, seen.look), contents)
    if plan.new:
        renames = {mid: change.renamed for mid, change in changes.items()}
        _import_new(anki, [content.path for content in contents], plan.new, renames, seen.held())
        lookup.learn_unknown()
    if lookup.learned:
        save_map(where, profile, lookup.known)
    for update in plan.updates:
        _update(anki, update, contents)
    return DeliveryReport(
        tuple(content.path for content in contents),
        added=len(plan.new),
        updated=len(plan.updates),
        unchanged=len(plan.unchanged),
        notices=(
            *plan_notices(plan),
            *notetypes.notices(changes, plan, refused),
            *notetypes.upgrade_notices(upgraded),
        ),
        left_out=len(plan.deleted),
        present=plan.present(),
    )


class NoteLookup:
    """The collection's notes by GUID, from the map of earlier deliveries; a note of the deck's
    note types that the map does not know is looked up by exporting the decks that hold its cards."""

    def __init__(self, anki: AnkiConnect, known: dict[str, int], notetypes: Sequence[int]):
        self.anki = anki
        self.known = known
        self.notetypes = notetypes
        #: whether the map gained notes
        self.learned = False
        #: note id -> note type id, of every note of ``notetypes`` in the collection
        self.typed: dict[int, int] = {}

    def learn_unknown(self) -> None:
        """Find every note of the note types and learn the GUIDs of those the map does not know."""
        self.typed = {}
        for notetype in self.notetypes:
            self.typed.update((nid, notetype) for nid in _find(self.anki, f"mid:{notetype}"))
        unknown = set(self.typed) - set(self.known.values())
        if unknown:
            self.known.update(_guids_by_export(self.anki, unknown))
            self.learned = True

    def existing(self, notes: Mapping[str, PackageNote]) -> dict[str, CollectionNote]:
        """The collection's notes with the GUIDs of ``notes``, wherever their cards are; a note
        now of another note type (the learner changed it) has the note type id -1."""
        self.learn_unknown()
        wanted = {guid: self.known[guid] for guid in notes if guid in self.known}
        if not wanted:
            return {}
        ordered = sorted(set(wanted.values()))
        infos = self.anki.call("notesInfo", notes=ordered)
        if not isinstance(infos, list) or len(infos) != len(ordered):
            raise self.anki.error("AnkiConnect's notesInfo did not answer for every note asked")
        by_id = {nid: info for nid, info in zip(ordered, infos, strict=True) if isinstance(info, dict)}
        found: dict[str, CollectionNote] = {}
        for guid, nid in wanted.items():
            info = by_id.get(nid)
            if info:  # else the learner deleted the note
                fields = {str(name): str(value["value"]) for name, value in info["fields"].items()}
                tags = tuple(str(tag) for tag in info["tags"])
                found[guid] = CollectionNote(nid, self.typed.get(nid, -1), fields, tags)
        return found


def _find(anki: AnkiConnect, query: str) -> list[int]:
    result = anki.call("findNotes", query=query)
    if not isinstance(result, list):
        raise anki.error("AnkiConnect's findNotes gave no list")
    return [int(nid) for nid in result]


def _guids_by_export(anki: AnkiConnect, notes: Iterable[int]) -> dict[str, int]:
    """GUID -> note id of every note in the decks that hold a card of ``notes``: the decks are
    exported by Anki into a private temporary folder on this machine and read back."""
    cards = anki.call("findCards", query="nid:" + ",".join(str(nid) for nid in sorted(notes)))
    if not cards:
        return {}
    decks: dict[str, Any] = anki.call("getDecks", cards=cards)
    guids: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="flashdigest-ankiconnect-") as folder:
        for number, deck in enumerate(outermost(decks)):
            local = Path(folder) / f"{number}.apkg"
            _export(anki, deck, local)
            guids.update((note.guid, note.note_id) for note in read_package(local).notes)
    return guids


def _export(anki: AnkiConnect, deck: str, local: Path) -> None:
    """Anki's export of ``deck`` (its notes, no scheduling) written to ``local``."""
    try:
        exported = anki.call("exportPackage", deck=deck, path=str(local.resolve()), includeSched=False)
    except DeliveryError as error:
        raise _not_here(anki, error) from None
    if exported is not True or not local.is_file():
        raise anki.error(f"AnkiConnect could not export deck {deck!r} into {local.parent}: {NOT_HERE}")


def outermost(decks: Iterable[str]) -> list[str]:
    """The deck names that are not below another of them (an export includes the subdecks)."""
    names = set(decks)
    return sorted(name for name in names if not any(name.startswith(other + "::") for other in names))


def _import_new(
    anki: AnkiConnect,
    decks: list[Path],
    new: Sequence[PackageNote],
    renames: Mapping[int, Mapping[str, str]],
    held: Iterable[int],
) -> None:
    """One package of the new notes, imported by Anki from a private folder on this machine (its note
    types under the learner's field names, so Anki adds no copy of them; those the collection
    ``held`` dated 0, so that Anki's "update note types if newer" never puts them over the
    collection's: a learner's edits stay, and AnkiConnect's cached note types stay true)."""
    # AnkiConnect's import puts a package's deck presets over the decks it already has: a preset
    # the learner chose for a deck of theirs is set back after it
    present = set(anki.call("deckNames"))
    chosen = {deck: anki.call("getDeckConfig", deck=deck)["id"] for deck in {n.deck for n in new} & present}
    with tempfile.TemporaryDirectory(prefix="flashdigest-ankiconnect-") as folder:
        package = write_bundle(decks, Path(folder) / "new.apkg", {note.guid for note in new})
        notetypes.rewrite_package_models(package, renames, dict.fromkeys(held, 0))
        try:
            imported = anki.call("importPackage", path=str(package.resolve()))
        except DeliveryError as error:
            raise _not_here(anki, error) from None
    if imported is not True:
        raise anki.error("AnkiConnect could not import the new notes (is a profile open in Anki?)")
    for deck, preset in sorted(chosen.items()):
        anki.call("setDeckConfigId", decks=[deck], configId=preset)


#: why Anki cannot reach a package flashdigest wrote (or read one Anki wrote)
NOT_HERE = "AnkiConnect must run on this machine, with access to its temporary folder"


def _not_here(anki: AnkiConnect, error: DeliveryError) -> DeliveryError:
    """``error``, or, when Anki could not reach the temporary folder, an error saying why."""
    if "No such file" in error.reason or "os error 2" in error.reason:
        return anki.error(f"Anki cannot reach this machine's temporary folder: {NOT_HERE}")
    return error


def _update(anki: AnkiConnect, update: NoteUpdate, contents: Sequence[PackageContent]) -> None:
    for name in update.media:
        for content in contents:
            if name in content.media:
                data = base64.b64encode(content.media_bytes(name)).decode("ascii")
                # named by a hash of its bytes: an existing file of that name is this one, kept as it is
                anki.call("storeMediaFile", filename=name, data=data, deleteExisting=False)
                break
    if update.fields:
        anki.call("updateNoteFields", note={"id": update.note_id, "fields": dict(update.fields)})
    if update.add_tags:
        anki.call("addTags", notes=[update.note_id], tags=" ".join(update.add_tags))
    if update.remove_tags:
        anki.call("removeTags", notes=[update.note_id], tags=" ".join(update.remove_tags))
