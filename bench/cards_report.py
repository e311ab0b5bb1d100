"""What a learner gets from each deck: cards shown as new, clozes by what they blank, give-away
questions shipped as multiple choice, MCQs whose back states the answer's summary point.

    python bench/cards_report.py [INPUT ...] [--all] [--lang en|zh]

Without inputs it reads ``../shared/digests`` and ``samples``. The cloze kinds are judged here,
apart from the card builder's own rule (``flashdigest/cards/figures.py``), so that the figures before
and after a change of that rule can be compared.
"""

# ruff: noqa: RUF001  (figures are written with look-alike signs)

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flashdigest.cards import build_deck  # noqa: E402
from flashdigest.errors import FlashdigestError  # noqa: E402
from flashdigest.inputs import find_inputs  # noqa: E402

try:
    from flashdigest.model import GIVEAWAY_RATIO
except ImportError:  # a builder from before the daily budget (for the figures before a change)
    from flashdigest.inspect import GIVEAWAY_RATIO  # type: ignore[attr-defined,no-redef]
from flashdigest.options import DeckOptions  # noqa: E402
from flashdigest.parse import ParseOptions, read_digests  # noqa: E402

_CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)\}\}")
_ENUMERATOR_RE = re.compile(r"\(\{\{c\d+::\d\}\}\)|(?:^|\s)\{\{c\d+::\d\}\}\)")
_YEAR_RE = re.compile(r"(?:et al\.?|[A-Z][a-z]+),?\s*\{\{c\d+::(?:19|20)\d\d\}\}")
_LABEL_RE = re.compile(r"(?:Section|Sec\.|Table|Tab\.|Figure|Fig\.|Eq\.|Appendix)\s*\{\{c\d+::")
_TIMES_RE = re.compile(r"\d\s?[×x]\s?\{\{c\d+::|\{\{c\d+::\d+\}\}\s?[×x]\s?\d")
_FRAGMENT_START_RE = re.compile(r"^[a-z(\"“]|^(?:and|or|vs|e\.g|i\.e)\b")
_FRAGMENT_END_RE = re.compile(r"(?:\bvs|\be\.g|\bi\.e|\bet al|\bFig)\.$")
#: an MCQ's Answer field: the answer's own words, then the point that states it (when one does)
_OWN_ANSWER_RE = re.compile(r'^<span class="fd-answer-own">(.*?)</span>', re.DOTALL)
_STATED = '<div class="fd-stated">'


def cloze_kind(text: str) -> str:
    """What a cloze note's text blanks, as a learner would judge it."""
    if _ENUMERATOR_RE.search(text):
        return "list-number"
    if _YEAR_RE.search(text):
        return "citation-year"
    if _LABEL_RE.search(text):
        return "label"
    if _TIMES_RE.search(text):
        return "expression-part"
    if _FRAGMENT_START_RE.search(text) or _FRAGMENT_END_RE.search(text):
        return "fragment"
    return "figure"


def _suspended(card: Any) -> bool:
    return bool(getattr(card, "suspend", False))


def _giveaway_mcq(note: Any) -> bool:
    texts = re.findall(
        r'<li class="fd-option" data-fd-key="[0-9a-f]+">.*?fd-option-text">(.*?)</span>', note.fields[1]
    )
    own = _OWN_ANSWER_RE.match(note.fields[2])
    answer = own.group(1) if own else note.fields[2]
    if answer not in texts or len(texts) < 2:
        return False
    others = [len(t) for t in texts if t != answer]
    return len(answer) >= GIVEAWAY_RATIO * max(others)


def report(paths: list[Path], options: ParseOptions, cards: str | None) -> dict[str, Any]:
    new_per_deck: list[int] = []
    all_cards: list[int] = []
    kinds: Counter[str] = Counter()
    giveaways = 0
    siblings = 0
    mcqs = stated = 0
    for path in find_inputs(paths).files:
        try:
            digests = list(read_digests(path, options))
        except FlashdigestError:
            continue
        for digest in digests:
            build = build_deck(digest, DeckOptions(cards=tuple(cards.split(","))) if cards else None)
            shown = 0
            all_cards.append(sum(len(note.cards) for note in build.notes))
            for note in build.notes:
                live = [card for card in note.cards if not _suspended(card)]
                shown += len(live)
                siblings += max(0, len(live) - 1) if note.model.name.startswith("FlashDigest Cloze") else 0
                if note.model.name.startswith("FlashDigest Cloze") and live:
                    for _ in live:
                        kinds[cloze_kind(note.fields[0])] += 1
                if note.model.name.startswith("FlashDigest MCQ") and live:
                    mcqs += 1
                    stated += _STATED in note.fields[2]
                    giveaways += _giveaway_mcq(note)
            new_per_deck.append(shown)
    return {
        "decks": len(new_per_deck),
        "new_per_deck": new_per_deck,
        "median_new": statistics.median(new_per_deck) if new_per_deck else 0,
        "max_new": max(new_per_deck, default=0),
        "cards_per_deck_with_suspended": all_cards,
        "median_cards_with_suspended": statistics.median(all_cards) if all_cards else 0,
        "clozes_by_kind": dict(sorted(kinds.items())),
        "cloze_siblings_shown": siblings,
        "giveaway_mcqs_shown": giveaways,
        "mcqs_shipped": mcqs,
        "mcqs_shipped_whose_back_states_the_answers_point": stated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--cards", default=None, help="the export's --cards")
    args = parser.parse_args()
    inputs = args.inputs or [ROOT.parent / "shared" / "digests", ROOT / "samples"]
    for key, value in report(inputs, ParseOptions(lang=args.lang), args.cards).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
