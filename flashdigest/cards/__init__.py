"""Stage 2, the card builder: a :class:`~flashdigest.model.Digest` -> the notes of one deck.

Public entry point: :func:`build_deck` (with :class:`DeckOptions`).
"""

from __future__ import annotations

from .builder import DeckBuild, DeckOptions, MediaFile, StableNote, build_deck, deck_id_for, deck_name_for
from .notetypes import CLOZE_FIELDS, MCQ_FIELDS, PAPER_FIELDS, all_models, cloze_model, mcq_model, paper_model

__all__ = [
    "CLOZE_FIELDS",
    "MCQ_FIELDS",
    "PAPER_FIELDS",
    "DeckBuild",
    "DeckOptions",
    "MediaFile",
    "StableNote",
    "all_models",
    "build_deck",
    "cloze_model",
    "deck_id_for",
    "deck_name_for",
    "mcq_model",
    "paper_model",
]
