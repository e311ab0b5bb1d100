"""Stage 4, delivery: the decks flashdigest wrote -> the learner's own Anki collection.

Public entry point: :func:`deliver_decks`. It reads the written ``.apkg`` files (so it does not
depend on how they were built) and puts their notes into the collection, either directly with
the real Anki backend (:class:`CollectionTarget`; Anki must be closed) or through a running Anki
desktop's AnkiConnect add-on (:class:`AnkiConnectTarget`). New notes are added with the GUIDs,
note types and decks of the packages; of an existing note only flashdigest's own fields (every
field but ``Extra``) and own tags are written, and only when they differ. The learner's
``Extra``, other tags, card decks, scheduling and review history are never touched.

Errors (all :class:`~flashdigest.errors.DeliveryError`): :class:`~flashdigest.errors.CollectionBusy`
when the collection is open elsewhere or AnkiConnect does not answer (nothing changed; retry),
:class:`~flashdigest.errors.CollectionUnavailable` when the collection path is missing or not a
collection (nothing created), plain ``DeliveryError`` for an unreadable deck, a missing backend,
a failed backup or a refusal by AnkiConnect.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..options import DEFAULT_ANKI_CONNECT_URL
from .package import read_package
from .plan import Memory
from .types import (
    AnkiConnectTarget,
    CollectionTarget,
    DeliveryReport,
    DeliveryTarget,
    SyncTarget,
)

__all__ = [
    "DEFAULT_ANKI_CONNECT_URL",
    "AnkiConnectTarget",
    "CollectionTarget",
    "DeliveryReport",
    "DeliveryTarget",
    "Memory",
    "SyncTarget",
    "deliver_decks",
]


def deliver_decks(
    decks: Sequence[Path], target: DeliveryTarget, memory: Memory | None = None
) -> DeliveryReport:
    """Put the notes of the packages ``decks`` into ``target``; a note in several decks is
    delivered in its newest version; a note ``memory`` says was delivered before and is no longer
    there (the learner deleted it) is left out. Raises DeliveryError (see the module's docstring)."""
    contents = [read_package(path) for path in decks]
    if not contents:
        return DeliveryReport(())
    if isinstance(target, CollectionTarget):
        from .collection import deliver_to_collection

        return deliver_to_collection(contents, target, memory)
    if isinstance(target, SyncTarget):
        from .sync import deliver_with_sync

        return deliver_with_sync(contents, target, memory)
    from .ankiconnect import deliver_to_anki_connect

    return deliver_to_anki_connect(contents, target, memory)
