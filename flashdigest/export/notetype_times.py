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
#: per note type id: the hashes of every earlier version flashdigest wrote into decks (found by
#: exporting the samples with each commit since the v2 note types, 2026-11-29, that changed the
#: card builder or the exporter). A collection holding one of these holds it as flashdigest wrote
#: it, never edited: delivery into the collection (``--collection``, ``--sync``) may bring it up
#: to the version shipped (:func:`flashdigest.deliver.notetypes.upgrades`). When a note type's
#: content changes, its hash in SHIPPED moves here.
EARLIER: dict[int, frozenset[str]] = {
    1744601234511: frozenset(
        {"a92244adc0e08f0b", "cd28e03b798cac77", "c6848dfcf6d70c4e", "202997c49d0e6ce3", "7c4080cf19c3e3a0"}
    ),
    1744601234512: frozenset(
        {"54f04b3ba3b1d102", "52ebf6eb8354c026", "6e7b4a9a55fc7bb2", "25e7038d9c47d501"}
    ),
    1744601234513: frozenset({"92074c1bc6b55837", "6c9eae76c25d2fb6", "7becd0917722b4d3"}),
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
