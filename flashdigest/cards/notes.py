"""Notes and cards with stable identity: ids from the GUID, a place of their own in the new-card
queue, and the daily budget's suspension (genanki writes a suspended card with queue -1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import genanki


class _PlacedCard(genanki.Card):  # type: ignore[misc]
    """A card with its own place in the new-card queue (genanki gives a note's cards one)."""

    def __init__(self, ordinal: int, due: int, suspend: bool = False) -> None:
        super().__init__(ordinal, suspend=suspend)
        self.due = due

    def write_to_db(
        self, cursor: Any, timestamp: float, deck_id: int, note_id: int, id_gen: Any, due: int = 0
    ) -> None:
        super().write_to_db(cursor, timestamp, deck_id, note_id, id_gen, self.due)


class StableNote(genanki.Note):  # type: ignore[misc]
    """A genanki note whose note and card ids come from its GUID, not from the clock, whose
    modification time is its own (``mod``, set by the exporter) rather than the package's, and
    whose cards are due at ``due`` onwards in ord order, so that a digest's new cards come in
    order. The cards whose ord is in ``suspended`` are left out of the day's budget (queue -1) and
    due at ``late`` onwards (after every chosen card of the deck: an import that drops the
    suspension still shows the chosen cards first)."""

    mod: int | None = None
    suspended: frozenset[int] = frozenset()
    late: int | None = None

    @property
    def cards(self) -> list[genanki.Card]:
        cards = sorted(super().cards, key=lambda card: card.ord)
        chosen = [card for card in cards if card.ord not in self.suspended]
        waiting = [card for card in cards if card.ord in self.suspended]
        late = self.due + len(chosen) if self.late is None else self.late
        return [_PlacedCard(card.ord, self.due + place, False) for place, card in enumerate(chosen)] + [
            _PlacedCard(card.ord, late + place, True) for place, card in enumerate(waiting)
        ]

    def write_to_db(self, cursor: object, timestamp: float, deck_id: int, id_gen: object) -> None:
        stamp = timestamp if self.mod is None else self.mod
        super().write_to_db(cursor, stamp, deck_id, stable_ids(self.guid))


def stable_ids(guid: str) -> Iterator[int]:
    """Note id, then card ids, derived from ``guid``: the same on every machine and every run."""
    ordinal = 0
    while True:
        yield stable_int(f"{guid}/{ordinal}")
        ordinal += 1


def stable_int(text: str) -> int:
    """A positive id below 2**53 (exact in JavaScript, like Anki's own ids) from ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (1 << 40) + int.from_bytes(digest[:8], "big") % ((1 << 53) - (1 << 40))
