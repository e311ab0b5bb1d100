"""The deck-options preset a digest's deck carries: the order and the siblings the deck's design
assumes (a paper's point cards, then its figures, then its quiz; never two cards of one note on
one day), and room for the day's new cards.

An `.apkg` import applies it when "Import any deck presets" is ticked (Anki's importer reads it
from the package's ``dconf``); the importer never replaces a preset that is newer in the
collection (one the learner edited), and never changes the preset of a deck that exists already.
:func:`deck_preset` gives the same data to a delivery route that creates the deck itself.
"""

from __future__ import annotations

from typing import Any

from ..options import DEFAULT_MAX_CARDS
from .notes import stable_int

PRESET_NAME = "FlashDigest"
#: the preset's modification time: fixed, so that a deck's bytes do not change from run to run and
#: any edit by the learner is newer (the importer keeps the newer one)
PRESET_MOD = 1_764_979_200  # 2025-12-06
#: Anki's ``NewCardSortOrder.NO_SORT``: new cards in the order gathered (not card type first)
NEW_SORT_ORDER_GATHERED = 1
#: Anki's ``NewCardGatherPriority.DECK``: deck by deck, each in its cards' order (position)
NEW_GATHER_DECK = 0
#: Anki's ``new.order`` 1: new cards by their due position, not at random
NEW_ORDER_DUE = 1


def preset_per_day(new_cards: int) -> int:
    """New cards a day of the preset of a deck that shows ``new_cards``: never fewer than them."""
    return max(DEFAULT_MAX_CARDS, new_cards)


def preset_id(per_day: int) -> int:
    return stable_int(f"preset:{PRESET_NAME}:{per_day}")


def deck_preset(new_cards: int) -> dict[str, Any]:
    """The preset, as the legacy (schema 11) deck-config JSON Anki reads from a package's ``dconf``."""
    per_day = preset_per_day(new_cards)
    name = PRESET_NAME if per_day == DEFAULT_MAX_CARDS else f"{PRESET_NAME} ({per_day} new a day)"
    return {
        "id": preset_id(per_day),
        "mod": PRESET_MOD,
        "name": name,
        "usn": -1,
        "maxTaken": 60,
        "autoplay": True,
        "timer": 0,
        "replayq": True,
        "dyn": False,
        "new": {
            "bury": True,
            "delays": [1.0, 10.0],
            "initialFactor": 2500,
            "ints": [1, 4, 0],
            "order": NEW_ORDER_DUE,
            "perDay": per_day,
        },
        "rev": {"bury": True, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2},
        "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0},
        "newMix": 0,
        "newPerDayMinimum": 0,
        "interdayLearningMix": 0,
        "reviewOrder": 0,
        "newSortOrder": NEW_SORT_ORDER_GATHERED,
        "newGatherPriority": NEW_GATHER_DECK,
        "buryInterdayLearning": True,
    }
