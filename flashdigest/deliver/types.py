"""The typed values delivery takes and gives: where the notes go, and what happened."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from ..frozen import frozen
from ..options import DEFAULT_ANKI_CONNECT_URL
from .account import SyncAccount


@frozen
class CollectionTarget:
    """The learner's ``collection.anki2``, opened with the real Anki backend (Anki must be closed)."""

    path: Path
    #: where Anki's own backup goes before anything changes (None: ``backups/`` beside the
    #: collection, which is where Anki desktop keeps a profile's backups)
    backup_dir: Path | None = None
    #: let delivery upgrade a collection of an older Anki to the backend's schema (which that
    #: older Anki then cannot open); without it such a collection is refused, unchanged
    upgrade: bool = False


@frozen
class AnkiConnectTarget:
    """A running Anki desktop with the AnkiConnect add-on."""

    url: str = DEFAULT_ANKI_CONNECT_URL
    #: AnkiConnect's ``apiKey`` setting, when the learner set one
    key: str | None = None
    #: seconds to wait for one answer (an import of a year of decks takes a while)
    timeout: float = 120.0
    #: seconds the whole delivery may take: past it, the run stops (75) and the next run delivers
    total_time: float = 900.0


@frozen
class SyncTarget:
    """A collection synced with ``account`` before and after the delivery."""

    account: SyncAccount
    collection: Path
    #: flashdigest's own collection of the account: made by a full download when missing
    own: bool = False
    #: which making of the own collection this is (a new one gets every deck again)
    generation: str = ""
    #: seconds to wait for another run syncing the same collection (0: exit 75 at once)
    wait: float = 0.0


DeliveryTarget = CollectionTarget | AnkiConnectTarget | SyncTarget


@frozen
class DeliveryReport:
    """What one delivery did. Counts are of notes; ``notices`` name what was left alone and why."""

    decks: tuple[Path, ...]
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Anki's backup made before the changes (collection route; None when nothing changed)
    backup: Path | None = None
    notices: tuple[str, ...] = field(default_factory=tuple)
    #: notes the learner deleted after an earlier delivery, left out (see ``plan.Memory``)
    left_out: int = 0
    #: the GUIDs of the decks' notes now in the target (remembered for the next delivery)
    present: tuple[str, ...] = ()
