"""What a summary point looks like, in every format: the one vocabulary every parser reads it with.

A point starts with its number, its label, or both, in any of the generator's spellings::

    1. 📘 Topic and Domain: text             (text copied from a page)
    1.  **📘 Topic and Domain:** text        (the archive's Markdown)
    **📘 Topic and Domain:** text            (Markdown rows without numbers)
    1. <strong>📘 主题与领域:</strong> text   (a page's ``.category-chunk``, Chinese side)

A point may have swallowed the points after it (``text 2. **💡 Previous Research and New
Ideas:** text2 3. **❓ Problem:** ...``, as bilingual-era pages have it): it is split at each
such marker, and a swallowed point is used only where the point has no text of its own.
Markdown bold markers (``**``) are not part of a point's text. The kind of a point comes from its
label; an unknown or missing label falls back to its number, then to its position.

Not a parser: every parser may import this module; it imports none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..frozen import frozen
from ..model import ZH_LABELS, PointKind

#: label spellings (letters only, lower case, without "and"), English and Chinese
_LABELS: dict[str, PointKind] = {
    "topic domain": PointKind.TOPIC,
    "topic": PointKind.TOPIC,
    "主题和领域": PointKind.TOPIC,
    "previous research new ideas": PointKind.PRIOR_WORK,
    "previous research": PointKind.PRIOR_WORK,
    "prior work": PointKind.PRIOR_WORK,
    "先前研究和新思路": PointKind.PRIOR_WORK,
    "problem": PointKind.PROBLEM,
    "methods": PointKind.METHODS,
    "method": PointKind.METHODS,
    "results evaluation": PointKind.RESULTS,
    "results": PointKind.RESULTS,
    "结果和评估": PointKind.RESULTS,
    # the pages' own Chinese labels, which the cards show too
    **{label: kind for kind, label in ZH_LABELS.items()},
}
#: a point's head: number, then a label ending in a colon and/or closed bold, then the text
_HEAD_RE = re.compile(
    r"^\s*(?:(?P<number>[1-9])\s*[.)、]\s*)?"
    r"(?:(?P<open>\*\*)\s*)?(?P<label>[^:\uff1a*\n]{1,80}?)\s*"
    r"(?:[:\uff1a]\s*(?P<close1>\*\*)?|(?P<close2>\*\*)\s*[:\uff1a]?)\s*"
)
_NUMBER_RE = re.compile(r"^\s*(?P<number>[1-9])\s*[.)、]\s*")
#: where a swallowed point may start inside another: a number or bold after white space (the
#: match is that white space and the point starts at its end: a look-behind tried at every
#: position took 5.8 µs over a point, this 3.3)
_MARKER_RE = re.compile(r"\s(?=[1-9][.)、]|\*\*)")
_BOLD_RE = re.compile(r"\*\*")


@frozen
class PointHead:
    """The start of a point: its number (if written), its kind (if its label is known), its text."""

    number: int | None
    kind: PointKind | None
    body: str
    bold: bool = False

    @property
    def position(self) -> int:
        """1-based place of the point: its number, else its label's place."""
        return self.number or (self.kind.position if self.kind else 0)


def label_kind(label: str) -> PointKind | None:
    """The point a label names (``📘 Topic and Domain``, ``Results & Evaluation``, ``📘 主题与领域``)."""
    words = [word for word in re.sub(r"[^a-z]+", " ", label.lower()).split() if word != "and"]
    if words:
        return _LABELS.get(" ".join(words))
    return _LABELS.get(re.sub(r"[\W_\d]+", "", label))


def point_head(text: str) -> PointHead | None:
    """The head of the point ``text`` starts with: a number 1-5 or a known label; else None."""
    match = _HEAD_RE.match(text)
    if match:
        number = int(match["number"]) if match["number"] else None
        kind = label_kind(match["label"])
        bold = bool(match["open"] and (match["close1"] or match["close2"]))
        if kind is not None or (number is not None and bold):
            return PointHead(number, kind, text[match.end() :], bold)
    numbered = _NUMBER_RE.match(text)
    if numbered and int(numbered["number"]) <= len(PointKind):
        return PointHead(int(numbered["number"]), None, text[numbered.end() :])
    return None


def kind_at(position: int) -> PointKind:
    """The kind at a 1-based position, clamped to 1..5."""
    return PointKind.from_position(min(max(position, 1), len(PointKind)))


def read_point(text: str, position: int) -> tuple[tuple[PointKind, str] | None, list[tuple[PointKind, str]]]:
    """A point's own (kind, text), and the points it swallowed; ``position`` when nothing else tells."""
    head = point_head(text) or PointHead(None, None, text)
    own_kind = head.kind or kind_at(head.number or position)
    own_text, spilled = _split_swallowed(head.body)
    return ((own_kind, own_text) if own_text else None), spilled


def collect_points(blocks: Iterable[tuple[int, str]]) -> dict[PointKind, str]:
    """The points of ``(position, text)`` blocks, each the text of one point: the first text of
    each kind wins, and a swallowed point is used only where no point of that kind has its own."""
    points: dict[PointKind, str] = {}
    swallowed: dict[PointKind, str] = {}
    for position, text in blocks:
        own, spilled = read_point(text, position)
        if own is not None:
            points.setdefault(*own)
        for kind, spilled_text in spilled:
            swallowed.setdefault(kind, spilled_text)
    for kind, text in swallowed.items():
        points.setdefault(kind, text)
    return {kind: points[kind] for kind in PointKind if kind in points}


def _split_swallowed(body: str) -> tuple[str, list[tuple[PointKind, str]]]:
    """``text 2. **💡 Label:** text2 3. ...`` -> ``text`` and the later points it swallowed."""
    starts: list[tuple[int, PointHead]] = []
    covered = 0
    for marker in _MARKER_RE.finditer(body):
        if marker.end() < covered:
            continue
        head = point_head(body[marker.end() :])
        if head is not None and _is_marker(head):
            starts.append((marker.end(), head))
            covered = len(body) - len(head.body)
    if not starts:
        return _clean(body), []
    spilled: list[tuple[PointKind, str]] = []
    for index, (_, head) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(body)
        text = _clean(head.body[: len(head.body) - (len(body) - end)])
        kind = head.kind or kind_at(head.number or 0)
        if text:
            spilled.append((kind, text))
    return _clean(body[: starts[0][0]]), spilled


def _is_marker(head: PointHead) -> bool:
    """A swallowed point's head: numbered with a known label or in bold, or a known label in bold
    (a bare ``problem:`` inside a sentence is not one)."""
    if head.number is not None:
        return head.kind is not None or head.bold
    return head.kind is not None and head.bold


def _clean(text: str) -> str:
    return _BOLD_RE.sub("", text).strip()
