"""A day's budget: which cards of a digest's deck are shown as new, chosen by what is most worth
remembering, and what is left for later.

Per paper, in order of worth (see docs/cards.md#what-a-deck-shows-as-new):

1. what is new in it (the *Previous Research and New Ideas* card: its key idea),
2. the problem it addresses, 3. its method,
4. its headline result figure (the first figure cloze of its Results, else its Results card),
5. its best question (the first fair one whose answer a summary point states, else the first fair one),
6. its topic, 7. its Results card, then its other figure clozes and questions.

The budget takes rank 1 of every paper, then rank 2 of every paper, and so on, at most
:data:`DEFAULT_PER_PAPER` a paper and ``max_cards`` a deck (a three-paper digest: 15, never more
than :data:`~flashdigest.options.DEFAULT_MAX_CARDS`). ``--cards KINDS`` keeps only those kinds and
drops the per-paper limit; ``--cards all`` chooses every card (give-away questions too) unless
``--max-cards`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..frozen import frozen
from ..model import PointKind
from ..options import CARD_KINDS, DEFAULT_MAX_CARDS, DeckOptions

#: cards shown as new per paper, by default
DEFAULT_PER_PAPER = 5
#: the `--cards` kind of each point card
POINT_CARD_KIND = {
    PointKind.TOPIC: "topic",
    PointKind.PRIOR_WORK: "prior",
    PointKind.PROBLEM: "problem",
    PointKind.METHODS: "methods",
    PointKind.RESULTS: "results",
}
#: the worth rank of each point card (0 = most worth)
POINT_RANK = {"prior": 0, "problem": 1, "methods": 2, "topic": 5, "results": 6}
HEADLINE_RANK = 3
BEST_QUESTION_RANK = 4
OTHER_RANK = 7


@frozen
class Candidate:
    """One card that could be shown: its paper (0-based place in the digest), its kind (one of
    :data:`~flashdigest.options.CARD_KINDS`), its worth rank and its place among the candidates."""

    paper: int
    kind: str
    rank: int
    place: int


@frozen
class Budget:
    """What the options ask: the kinds to choose from, the deck's and each paper's limit, and
    whether give-away questions may be chosen."""

    kinds: frozenset[str]
    max_cards: int | None
    per_paper: int | None
    giveaways: bool


def budget_for(options: DeckOptions) -> Budget:
    """The budget ``options`` ask for (the default: by worth, 20 a deck, 5 a paper)."""
    chosen = set(options.cards) or {"best"}
    if "all" in chosen:
        return Budget(frozenset(CARD_KINDS), options.max_cards, None, giveaways=True)
    if chosen == {"best"}:
        limit = DEFAULT_MAX_CARDS if options.max_cards is None else options.max_cards
        return Budget(frozenset(CARD_KINDS), limit, DEFAULT_PER_PAPER, giveaways=False)
    limit = DEFAULT_MAX_CARDS if options.max_cards is None else options.max_cards
    return Budget(frozenset(chosen - {"best"}), limit, None, giveaways=False)


def choose(candidates: Sequence[Candidate], budget: Budget) -> set[int]:
    """The places of the chosen candidates: by rank, then paper, within the budget's limits."""
    chosen: set[int] = set()
    per_paper: dict[int, int] = {}
    for candidate in sorted(candidates, key=lambda c: (c.rank, c.paper, c.place)):
        if candidate.kind not in budget.kinds:
            continue
        if budget.max_cards is not None and budget.max_cards > 0 and len(chosen) >= budget.max_cards:
            break
        taken = per_paper.get(candidate.paper, 0)
        if budget.per_paper is not None and taken >= budget.per_paper:
            continue
        per_paper[candidate.paper] = taken + 1
        chosen.add(candidate.place)
    return chosen
