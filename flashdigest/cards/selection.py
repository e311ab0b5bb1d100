"""The daily budget applied to a deck's notes: which of their cards are shown as new, which
suspended, which notes left out, and the account of it (:class:`CardChoice`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..frozen import frozen
from .budget import Budget, Candidate, choose
from .notes import StableNote


@frozen
class CardChoice:
    """What the daily budget made of a deck: cards shown as new, cards suspended in the deck,
    cloze and MCQ notes left out of it, and of those, questions left out as give-aways."""

    shown: int
    suspended: int
    clozes_left_out: int
    questions_left_out: int
    giveaways_left_out: int
    #: per paper (in the digest's order, repeated papers not counted): its cards new, suspended, left out
    lines: tuple[str, ...] = ()


@dataclass
class Item:
    """A note that may go into the deck, with the cards of it the budget may choose:
    ``(ord, kind, rank, label)``; an ``optional`` note (a cloze or MCQ) is left out when none is chosen."""

    note: StableNote
    slots: int
    paper: int
    cards: list[tuple[int, str, int, str]]
    optional: bool
    giveaway: bool = False


def apply_budget(items: list[Item], budget: Budget, add: Callable[[StableNote, int], None]) -> CardChoice:
    """Choose the cards of ``items`` shown as new: ``add(note, slots)`` each note that goes into
    the deck, in order, its unchosen cards suspended; the optional notes none of whose cards is
    chosen are left out."""
    candidates: list[Candidate] = []
    where: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        for ordinal, kind, rank, _label in item.cards:
            if item.giveaway and not budget.giveaways:
                continue
            candidates.append(Candidate(item.paper, kind, rank, len(where)))
            where.append((index, ordinal))
    chosen = choose(candidates, budget)
    shown_ords: dict[int, set[int]] = {}
    for place in chosen:
        index, ordinal = where[place]
        shown_ords.setdefault(index, set()).add(ordinal)
    suspended = clozes = questions = giveaways = 0
    fates: dict[int, dict[str, list[str]]] = {}
    for index, item in enumerate(items):
        shown = shown_ords.get(index, set())
        fate = fates.setdefault(item.paper, {"new": [], "suspended": [], "left out": []})
        for ordinal, _kind, _rank, label in item.cards:
            went = "new" if ordinal in shown else "left out" if item.optional else "suspended"
            fate[went].append(label)
        if item.optional and not shown:
            clozes += item.cards[0][1] == "figures"
            questions += item.cards[0][1] == "quiz"
            giveaways += item.giveaway and not budget.giveaways
            continue
        item.note.suspended = frozenset(o for o, _, _, _ in item.cards if o not in shown)
        suspended += len(item.note.suspended)
        add(item.note, item.slots)
    lines = tuple(
        f"paper {place + 1}: "
        + "; ".join(f"{where} {', '.join(names)}" for where, names in fate.items() if names)
        for place, fate in sorted(fates.items())
    )
    return CardChoice(len(chosen), suspended, clozes, questions, giveaways, lines)
