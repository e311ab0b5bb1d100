"""What the learner did to flashdigest's note types, and what delivery does about it.

flashdigest's note types have fixed ids. In the learner's collection one may be renamed, have a
field renamed, added or deleted, or be deleted. Anki's importer, given a package whose note type
has the same id but other field names, adds a copy ("FlashDigest Paper v2+") and puts the new notes
there; :mod:`.plan` compares fields by name, so a renamed field's corrections would stop. Instead:

* a field renamed (the same number of fields, another name in a place): flashdigest's field is
  written into the learner's, and new notes come in under the learner's note type;
* a field deleted or added (another number of fields): that field's corrections are not delivered,
  and new notes of that note type are left out rather than added under a copy;
* the note type deleted: its notes delivered before stay deleted (:class:`.plan.Memory`); new
  notes add it again;
* the note type renamed: kept, notes are delivered into it;
* the note type as flashdigest wrote it in an earlier version, never edited (its templates and CSS
  look like one of :data:`~flashdigest.export.notetype_times.EARLIER`): brought up to this version's
  templates and CSS by the collection routes (:func:`upgrades`); one the learner edited is theirs.

Each is said in a notice naming what the learner changed and what flashdigest does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from ..export.apkg import database_of, package_bytes_into, read_package_with_media
from ..export.notetype_times import EARLIER, look_of
from ..frozen import frozen
from .package import PackageContent, PackageNote
from .plan import LEARNER_FIELDS, DeliveryPlan


@frozen
class NotetypeChange:
    """One of flashdigest's note types as the learner's collection has it, where it differs."""

    notetype_id: int
    #: flashdigest's name, and the learner's (None: the learner deleted the note type)
    name: str
    learner_name: str | None
    #: flashdigest's field -> the learner's name for it (renamed in place)
    renamed: Mapping[str, str] = field(default_factory=dict)
    #: flashdigest's fields the learner's note type lacks, or has in another number of fields
    missing: tuple[str, ...] = ()

    @property
    def refuses_new_notes(self) -> bool:
        """Whether new notes would need a copy of the note type (another set of fields)."""
        return self.learner_name is not None and bool(self.missing)


def compare(
    notetype_id: int, name: str, fields: tuple[str, ...], learner: tuple[str, list[str]] | None
) -> NotetypeChange | None:
    """How the learner's note type (name, field names), or None when deleted, differs from ours."""
    if learner is None:
        return NotetypeChange(notetype_id, name, None)
    learner_name, learner_fields = learner
    if tuple(learner_fields) == fields and learner_name == name:
        return None
    if len(learner_fields) == len(fields):
        renamed = {
            ours: theirs for ours, theirs in zip(fields, learner_fields, strict=True) if ours != theirs
        }
        return NotetypeChange(notetype_id, name, learner_name, renamed)
    missing = tuple(ours for ours in fields if ours not in learner_fields)
    return NotetypeChange(notetype_id, name, learner_name, {}, missing or fields)


def changes_for(
    contents: Sequence[PackageContent],
    notes: Mapping[str, PackageNote],
    learner: Callable[[int], tuple[str, list[str]] | None],
) -> dict[int, NotetypeChange]:
    """How the learner's collection has each of the run's note types, where it differs;
    ``learner(id)`` gives the collection's (name, field names) of a note type, None when it has none."""
    fields = {note.notetype_id: tuple(name for name, _value in note.fields) for note in notes.values()}
    names = {mid: str(model.get("name", "")) for mid, model in _models(contents).items()}
    changes = {}
    for mid, ours in fields.items():
        change = compare(mid, names.get(mid, str(mid)), ours, learner(mid))
        if change is not None:
            changes[mid] = change
    return changes


def translate(note: PackageNote, change: NotetypeChange | None) -> PackageNote:
    """``note`` with its fields under the learner's names (a learner's own field is dropped, so
    that a rename never makes it written)."""
    if change is None or not change.renamed:
        return note
    fields = tuple(
        (change.renamed.get(name, name), value) for name, value in note.fields if name not in LEARNER_FIELDS
    )
    return replace(note, fields=fields)


def notices(
    changes: Mapping[int, NotetypeChange], plan: DeliveryPlan, refused: Mapping[int, int]
) -> tuple[str, ...]:
    """One line per note type the learner changed that this delivery meets."""
    lines = []
    deleted_before = {note.notetype_id for note in plan.deleted}
    new_of = {mid: sum(note.notetype_id == mid for note in plan.new) for mid in changes}
    for mid, change in sorted(changes.items()):
        if change.learner_name is None:  # deleted, if notes of it were delivered before (else: new)
            if mid in deleted_before:
                lines.append(
                    f"note type '{change.name}' is not in your collection (deleted): its notes delivered "
                    f"before stay deleted; {new_of[mid]} new note(s) add it again"
                )
            continue
        if change.learner_name != change.name:
            lines.append(
                f"note type '{change.name}' is named '{change.learner_name}' in your collection: kept"
            )
        for ours, theirs in sorted(change.renamed.items()):
            lines.append(
                f"note type '{change.learner_name}': you renamed field '{ours}' to '{theirs}'; "
                f"flashdigest writes '{ours}' into '{theirs}'"
            )
        if change.missing:
            fields = ", ".join(repr(name) for name in change.missing)
            lines.append(
                f"note type '{change.learner_name}' has other fields than flashdigest's (no {fields}): "
                f"their corrections are not delivered, and {refused.get(mid, 0)} new note(s) of it are "
                "left out rather than added under a copy of the note type"
            )
    return tuple(lines)


def leave_out_refused(
    plan: DeliveryPlan, changes: Mapping[int, NotetypeChange]
) -> tuple[DeliveryPlan, dict[int, int]]:
    """``plan`` without the new notes whose note type the learner gave other fields; how many, by
    note type."""
    refused = {mid for mid, change in changes.items() if change.refuses_new_notes}
    left = [note for note in plan.new if note.notetype_id in refused]
    if not left:
        return plan, {}
    counts = {mid: sum(note.notetype_id == mid for note in left) for mid in refused}
    return replace(plan, new=tuple(note for note in plan.new if note.notetype_id not in refused)), counts


def rewrite_package_models(
    package: Path, renames: Mapping[int, Mapping[str, str]], mods: Mapping[int, int] | None = None
) -> None:
    """Give the note types of the package at ``package`` the learner's field names, so that Anki's
    importer puts its notes under the learner's note type instead of a copy, and the modification
    times ``mods`` (by id), so that its "update note types if newer" keeps or replaces the
    collection's as delivery decided."""
    mods = mods or {}
    if not any(renames.values()) and not mods:
        return
    files, media = read_package_with_media(package)
    with database_of(files.database) as connection:
        (models,) = connection.execute("select models from col").fetchone()
        table = json.loads(models)
        for mid, renamed in renames.items():
            for entry in table.get(str(mid), {}).get("flds", []):
                entry["name"] = renamed.get(entry["name"], entry["name"])
        for mid, mod in mods.items():
            if str(mid) in table:
                table[str(mid)]["mod"] = mod
        connection.execute("update col set models = ?", (json.dumps(table),))
        connection.commit()
        database = connection.serialize()
    with package.open("wb") as handle:  # a temporary package of this delivery's own
        package_bytes_into(handle, database, media)


def earlier_versions(contents: Sequence[PackageContent], look: Callable[[int], str | None]) -> list[int]:
    """The run's note types that the collection holds as an earlier flashdigest wrote them, never
    edited (``look(id)``: the collection's :func:`~flashdigest.export.notetype_times.notetype_look`,
    None when it has none), to bring up to date; one the learner edited is theirs, kept."""
    return [mid for mid in _models(contents) if look(mid) in EARLIER.get(mid, frozenset())]


def upgrades(
    contents: Sequence[PackageContent], collection: Callable[[int], dict[str, Any] | None]
) -> dict[int, dict[str, Any]]:
    """The run's note types that the collection holds as an earlier flashdigest wrote them and
    the learner never edited: id -> the collection's note type (``collection(id)``) with this
    version's templates and CSS. The same fields and names, so no full sync follows."""

    def look(mid: int) -> str | None:
        model = collection(mid)
        return None if model is None else look_of(model)

    found: dict[int, dict[str, Any]] = {}
    ours = _models(contents)
    for mid in earlier_versions(contents, look):
        theirs = collection(mid)
        if theirs is None:
            continue
        if [t["name"] for t in theirs["tmpls"]] != [t["name"] for t in ours[mid]["tmpls"]]:
            continue
        updated = copy.deepcopy(theirs)
        for key in ("css", "latexPre", "latexPost"):
            updated[key] = ours[mid].get(key, updated.get(key))
        for template, new in zip(updated["tmpls"], ours[mid]["tmpls"], strict=True):
            template["qfmt"], template["afmt"] = new["qfmt"], new["afmt"]
        found[mid] = updated
    return found


def _models(contents: Sequence[PackageContent]) -> dict[int, Mapping[str, Any]]:
    return {mid: model for content in contents for mid, model in content.models.items()}


def upgrade_notices(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(
        f"note type '{name}': brought up to this version's templates and style "
        "(your collection had it as an earlier flashdigest wrote it, unchanged)"
        for name in sorted(names)
    )
