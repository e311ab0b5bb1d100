"""The options of a multiple-choice note: stored in a fixed shuffled order, each with a key that
only the MCQ script (which computes :func:`option_key`) reads as right or wrong."""

from __future__ import annotations

import hashlib
import re

from ..model import Paper, PointKind, Question
from .fields import field_text


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


def stating_point(paper: Paper, question: Question) -> PointKind | None:
    """The summary point of ``paper`` that states ``question``'s answer, if one does: the point
    that holds the answer's words in order, or, for an answer with figures, all of its figures
    and most of its words."""
    answer = question.answer_text
    if not answer:
        return None
    words = _WORD_RE.findall(answer.lower())
    numbers = _NUMBER_RE.findall(answer)
    for kind in PointKind:
        point = paper.points.get(kind, "")
        if not point:
            continue
        if words and " ".join(words) in " ".join(_WORD_RE.findall(point.lower())):
            return kind
        if numbers and all(number in point for number in numbers):
            in_point = set(_WORD_RE.findall(point.lower()))
            if sum(word in in_point for word in words) * 3 >= len(words) * 2:
                return kind
    return None
