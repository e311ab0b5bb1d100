"""The modification times of flashdigest's note types: from their content, never from the run.

Anki's importer (by ``.apkg`` import or AnkiConnect, "update note types if newer") replaces a note
type in the collection only by one with a later modification time. So every deck carries each
note type with the time of the *version flashdigest ships*: a new day's deck never puts a note
type over a learner's later edit of a template, the CSS or the name, and a new version of
flashdigest's templates (a later time, recorded here when it ships) replaces them once, as the
CHANGELOG then says. ``tests/test_notetype_mods.py`` fails when a note type's content changes
without a new entry here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..state import sha256_hex

#: per note type id: (its :func:`~flashdigest.export.notetype_hash` as shipped, its time). A new
#: version meant to replace what collections hold gets its release time, later than every
#: earlier release's; see the entries.
SHIPPED: dict[int, tuple[str, int]] = {
    # FlashDigest Paper v2, 2026-12-05: the flowchart zoom under the apps' stylesheets (replaces
    # a learner's edits of this note type once; releases before stamped note types with the
    # export's time, so this time must be later than those); then the MCQ back's stated point
    # in the shared CSS, which paper cards do not use: the same time, not put over that version
    1744601234511: ("59356d22eaed1967", 1_796_428_800),
    # FlashDigest MCQ v2, 2026-12-05 03:00: the back shows the summary point that states the
    # answer (CSS, and the script reads the answer's own words; the same fields; replaces a
    # learner's edits of this note type once)
    1744601234512: ("2dbfe7d2db64884d", 1_796_439_600),
    # FlashDigest Cloze: the shared CSS changes, which these cards do not use (they show no
    # flowchart, no answer box), so a time before every earlier release's: not put over a collection's
    1744601234513: ("825e8fa872abc345", 1_764_547_200),
}
#: per note type id: the :func:`notetype_look` of every earlier version flashdigest wrote into
#: decks (found by exporting the samples with each commit since the v2 note types, 2026-11-29,
#: that changed the card builder or the exporter). A collection holding one of these holds it as
#: flashdigest wrote it, never edited: delivery (``--collection``, ``--sync``, ``--anki-connect``)
#: brings it up to the version shipped; one the learner edited stays theirs
#: (:mod:`flashdigest.deliver.notetypes`). When a note type's content changes, the look of the
#: version before joins these (``tests/test_deliver_notetype_upgrade.py`` fails until it does).
EARLIER: dict[int, frozenset[str]] = {
    1744601234511: frozenset(
        {"47f0d113eda9007b", "ab8fbba248ecc9e5", "eeb9464ef8f23fe4", "c1de09a4d1b6d618", "6ad0720d29654584"}
    ),
    1744601234512: frozenset(
        {"6f08d76124ae5194", "0ba9e29380840b8b", "756112d083197790", "a25c14623ae04c23"}
    ),
    1744601234513: frozenset({"281f4de1d46079f2", "447823d405dc7be2", "e600dcfd08a60101"}),
}
#: the look of each note type this version ships (checked against the note types themselves)
SHIPPED_LOOKS: dict[int, str] = {
    1744601234511: "918fd6ac19cc6142",
    1744601234512: "45b753c85cef07de",
    1744601234513: "a08da1897be59170",
}
#: the time of a note type whose content is not one shipped (a template changed before its
#: release is recorded, or a test's): this plus an offset from its hash, below every shipped time
UNSHIPPED_EPOCH = 1_735_689_600  # 2025-01-01 UTC
UNSHIPPED_SPREAD = 180 * 86_400


def notetype_mod(model_id: int, content: str) -> int:
    """The modification time of note type ``model_id`` whose hash is ``content``."""
    shipped = SHIPPED.get(model_id)
    if shipped is not None and shipped[0] == content:
        return shipped[1]
    return UNSHIPPED_EPOCH + int(content[:12], 16) % UNSHIPPED_SPREAD


def notetype_look(
    name: str, css: str, fields: Sequence[str], templates: Sequence[tuple[str, str, str]]
) -> str:
    """A hash of what a learner edits of a note type, and what delivery can read of it in a
    collection, directly or through AnkiConnect: its name, field names, CSS and templates (name,
    front, back)."""
    return sha256_hex(name, css, *fields, *(f"{t[0]}|{t[1]}|{t[2]}" for t in templates))[:16]


def look_of(model: Mapping[str, Any]) -> str:
    """:func:`notetype_look` of a note type as Anki's JSON has it."""
    fields = [str(field["name"]) for field in model.get("flds", [])]
    templates = [(str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model.get("tmpls", [])]
    return notetype_look(str(model.get("name", "")), str(model.get("css", "")), fields, templates)
