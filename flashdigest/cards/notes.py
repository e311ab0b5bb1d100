"""Notes and cards with stable identity: ids from the GUID, a place of their own in the new-card
queue, and the daily budget's suspension (a suspended card is written with queue -1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from .anki_notes import Card, Note


class StableNote(Note):
    """A note whose note and card ids come from its GUID (:func:`stable_ids`), not from the clock,
    whose modification time is its own (``mod``, set by the exporter), and whose cards are due at
    ``due`` onwards in ord order, so that a digest's new cards come in order. The cards whose ord
    is in ``suspended`` are left out of the day's budget (queue -1) and due at ``late`` onwards
    (after every chosen card of the deck: an import that drops the suspension still shows the
    chosen cards first)."""

    suspended: frozenset[int] = frozenset()
    late: int | None = None

    @property
    def cards(self) -> list[Card]:
        cards = super().cards  # in ord order
        chosen = [card for card in cards if card.ord not in self.suspended]
        waiting = [card for card in cards if card.ord in self.suspended]
        late = self.due + len(chosen) if self.late is None else self.late
        return [Card(card.ord, self.due + place) for place, card in enumerate(chosen)] + [
            Card(card.ord, late + place, suspend=True) for place, card in enumerate(waiting)
        ]


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
