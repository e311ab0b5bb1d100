"""The options of a multiple-choice note: stored in a fixed shuffled order, each with a key that
only the MCQ script (which computes :func:`option_key`) reads as right or wrong."""

from __future__ import annotations

import functools
import hashlib
import re

from ..frozen import frozen
from ..model import Paper, PointKind, Question
from .fields import field_text
from .figures import sentences
from .wording import point_label


def _hash_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def stored_order(count: int, guid: str) -> list[int]:
    """The options' order in the field (indexes into the digest's order): a Fisher-Yates shuffle
    driven by the note's GUID, the same on every run; never the digest's order when there are
    three options or more (two options keep or swap as the hash says, so neither place is a tell)."""
    order = list(range(count))
    for last in range(count - 1, 0, -1):
        pick = _hash_int(f"order:{guid}:{last}") % (last + 1)
        order[last], order[pick] = order[pick], order[last]
    if count > 2 and order == sorted(order):
        order = order[1:] + order[:1]
    return order


def choices_field(question: Question, guid: str, seed: str) -> str:
    """The options as a list the MCQ template's script shuffles and checks, in
    :func:`stored_order`. Which option is right shows only to someone who computes
    :func:`option_key`, not to a reader of the front's HTML."""
    order = stored_order(len(question.options), guid)
    items = "".join(
        f'<li class="fd-option" data-fd-key="{option_key(seed, position, index == question.answer)}">'
        f'<span class="fd-letter">{option_letter(position)}</span> '
        f'<span class="fd-option-text">{field_text(question.options[index])}</span></li>'
        for position, index in enumerate(order)
    )
    return f'<ol class="fd-options" data-fd-seed="{seed}">{items}</ol>'


def option_letter(index: int) -> str:
    """A, B, C ... for the option at 0-based ``index`` (numbers past Z)."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def option_key(seed: str, index: int, correct: bool) -> str:
    """FNV-1a (32 bits, hex) of ``seed:index:right`` or ``...:wrong``, as the MCQ script computes it."""
    value = 0x811C9DC5
    for byte in f"{seed}:{index}:{'right' if correct else 'wrong'}".encode("ascii"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


_WORD_RE = re.compile(r"[^\W_]+")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
#: the same figures in an ASCII text (where \d is [0-9]: 25% less time)
_ASCII_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*", re.ASCII)
#: every ASCII character but a letter or digit, as a space: an ASCII text's words (_WORD_RE's) are
#: then its split, in 40% of the time
_NOT_ALNUM = {code: " " for code in range(128) if not chr(code).isalnum()}
#: the answer's own words in the Answer field, before the block of the point that states it
_OWN_RE = re.compile(r'^<span class="fd-answer-own">(.*?)</span>', re.DOTALL)


@frozen
class StatedAnswer:
    """Where a paper's summary points state a question's answer: the point, and its one sentence
    that does (the whole point when no one sentence holds the answer's words and figures)."""

    kind: PointKind
    text: str


#: what a stated answer may not begin after or end before (inside a longer Latin word or number)
_LATIN = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def _holds(haystack: str, needle: str) -> bool:
    """Whether ``needle`` is in ``haystack`` with no Latin letter or digit right before or after it
    (a plain scan: a pattern compiled per answer cost more than the rest of building a deck)."""
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = haystack[start - 1] if start else " "
        after = haystack[end] if end < len(haystack) else " "
        if before not in _LATIN and after not in _LATIN:
            return True
        start = haystack.find(needle, start + 1)
    return False


@functools.lru_cache(maxsize=128)
def _tokens(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """``text``'s words (lowercase) joined by spaces, as a set, and its figures (a paper's points
    are asked about by each of its questions: tokenized once; a few papers' worth are kept, as
    a cache of every text of a run would grow with it)."""
    words = _words(text)
    return " ".join(words), frozenset(words), frozenset(_numbers(text))


def _words(text: str) -> list[str]:
    """``text``'s words, lowercase (letters and digits; ``_`` and the rest part them)."""
    lower = text.lower()
    return lower.translate(_NOT_ALNUM).split() if lower.isascii() else _WORD_RE.findall(lower)


def _numbers(text: str) -> list[str]:
    """``text``'s figures (``47.90``, ``1,000``)."""
    return (_ASCII_NUMBER_RE if text.isascii() else _NUMBER_RE).findall(text)


def _states(text: str, words: list[str], numbers: list[str]) -> bool:
    """Whether ``text`` holds the answer's words in order (not inside longer Latin words or
    numbers: "4" is not stated by "47.90%"), or all of its figures and most of its words."""
    joined, in_text, figures = _tokens(text)
    if words and _holds(joined, " ".join(words)):
        return True
    if numbers and figures.issuperset(numbers):
        return sum(word in in_text for word in words) * 3 >= len(words) * 2
    return False


def stated_answer(paper: Paper, question: Question) -> StatedAnswer | None:
    """The first summary point of ``paper`` (in the digest's order) that states ``question``'s
    answer, with its sentence that states it (split by :func:`.figures.sentences`)."""
    answer = question.answer_text
    if not answer:
        return None
    words = _words(answer)
    numbers = _numbers(answer)
    for kind in PointKind:
        point = paper.points.get(kind, "").strip()
        if point and _states(point, words, numbers):
            found = (sentence for sentence in sentences(point) if _states(sentence, words, numbers))
            return StatedAnswer(kind, next(found, point))
    return None


def answer_field(question: Question, stated: StatedAnswer | None, lang: str) -> str:
    """The MCQ note's Answer field: the answer's words, then, when a summary point states the
    answer (``stated``: :func:`stated_answer` of the question), that point's label and sentence
    (``fd-stated``); the script hides the words (the marked option shows them) and never the
    point's sentence."""
    own = f'<span class="fd-answer-own">{field_text(question.answer_text or "")}</span>'
    if stated is None:
        return own
    label = f'<span class="fd-kicker">{field_text(point_label(stated.kind, lang))}</span>'
    return f'{own}<div class="fd-stated">{label} {field_text(stated.text)}</div>'


def answer_of(answer: str) -> str:
    """The answer's own words (field HTML) of an Answer field written by :func:`answer_field`, or
    of one from before it (the whole field)."""
    own = _OWN_RE.match(answer)
    return own.group(1) if own else answer
