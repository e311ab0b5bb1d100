"""Stage 2, the card builder: a :class:`~flashdigest.model.Digest` -> the notes of one deck.

Public entry point: :func:`build_deck`.
"""

from __future__ import annotations

from .builder import DeckBuild, MediaFile, StableNote, build_deck, deck_id_for, deck_name_for
from .notetypes import MCQ_FIELDS, PAPER_FIELDS, mcq_model, paper_model

__all__ = [
    "MCQ_FIELDS",
    "PAPER_FIELDS",
    "DeckBuild",
    "MediaFile",
    "StableNote",
    "build_deck",
    "deck_id_for",
    "deck_name_for",
    "mcq_model",
    "paper_model",
]
