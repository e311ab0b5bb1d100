"""Text of an HTML digest page as a browser shows it, and the summary points within it.

Helpers of :mod:`flashdigest.parse.html`: visible text of a node (markup dropped, whitespace
collapsed) and the split of a ``.category-chunk`` into its point, including the repair of a
point that swallowed the points after it (``1. ... 2. **💡 ...:** ...`` inside point 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from ..model import PointKind
from .text import split_point

#: elements whose text a browser does not show
_HIDDEN_TEXT = {"script", "style", "template", "noscript", "title"}
#: elements that start a new line in a browser (so their text never runs into the text before)
_BLOCKS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}  # fmt: skip
_SPECIAL_SELECTOR = ", ".join(sorted(_HIDDEN_TEXT | _BLOCKS | {"br"}))
_LEADING_NUMBER_RE = re.compile(r"^\s*(?P<number>[1-9])\s*[.)]\s*")
#: ``2. **💡 Previous Research and New Ideas:**`` where a point swallowed the next ones
_SPILL_RE = re.compile(r"(?:^|\s)(?P<number>[1-9])\.\s*\*\*(?P<label>[^*]{1,80}?)\*\*\s*")
_ZH_LABELS = {
    "主题与领域": PointKind.TOPIC,
    "先前研究与新思路": PointKind.PRIOR_WORK,
    "问题": PointKind.PROBLEM,
    "方法": PointKind.METHODS,
    "结果与评估": PointKind.RESULTS,
}


@dataclass(frozen=True)
class ChunkPoints:
    """What one ``.category-chunk`` says: its own point, and any later points it swallowed."""

    own: tuple[PointKind, str] | None
    spilled: tuple[tuple[PointKind, str], ...]


def visible_text(node: LexborNode) -> str:
    """The text a browser shows for ``node``: markup dropped, whitespace collapsed to spaces,
    a line break only where a ``<br>`` is."""
    if node.css_first(_SPECIAL_SELECTOR) is None:  # plain inline markup: lexbor's own text is right
        return collapse_space(node.text(deep=True))
    lines: list[list[str]] = [[]]
    for child in node.traverse(include_text=True):
        tag = (child.tag or "").lower()
        if child.is_text_node:
            parent = child.parent
            if parent is None or (parent.tag or "").lower() not in _HIDDEN_TEXT:
                lines[-1].append(child.text_content or "")
        elif tag == "br":
            lines.append([])
        elif tag in _BLOCKS:
            lines[-1].append(" ")
    return "\n".join(text for text in (collapse_space("".join(parts)) for parts in lines) if text)


def collapse_space(text: str) -> str:
    return " ".join(text.split())


def label_kind(label: str) -> PointKind | None:
    """The point a label names, in English (``📘 Topic and Domain:``) or Chinese (``📘 主题与领域:``)."""
    kind = PointKind.from_label(label)
    if kind is not None:
        return kind
    return _ZH_LABELS.get(re.sub(r"[\W_]+", "", label))


def chunk_points(chunk: LexborNode, position: int) -> ChunkPoints:
    """The point of a ``.category-chunk`` (``1. <strong>📘 Topic and Domain:</strong> text``).

    The kind comes from the label, else from the chunk's number, else from its position.
    Text after a swallowed ``N. **label:**`` marker is split off as the points it names.
    """
    text = visible_text(chunk)
    number_match = _LEADING_NUMBER_RE.match(text)
    number = int(number_match["number"]) if number_match else position
    body = text[number_match.end() :] if number_match else text
    own_text, spilled = _split_spill(body)
    kind, own_text = _own_point(chunk, own_text, number)
    own = (kind, own_text) if own_text else None
    return ChunkPoints(own, spilled)


def _own_point(chunk: LexborNode, body: str, number: int) -> tuple[PointKind, str]:
    label_node = chunk.css_first("strong, b")
    label = visible_text(label_node) if label_node is not None else ""
    if label and body.startswith(label):
        kind = label_kind(label) or _kind_at(number)
        return kind, body[len(label) :].strip()
    kind, rest = split_point(body, min(max(number, 1), len(PointKind)))
    zh_label, colon, zh_rest = body.partition(":")
    if colon and rest == body.strip() and (zh_kind := label_kind(zh_label)) is not None:
        return zh_kind, zh_rest.strip()
    return kind, rest


def _kind_at(number: int) -> PointKind:
    return PointKind.from_position(min(max(number, 1), len(PointKind)))


def _split_spill(body: str) -> tuple[str, tuple[tuple[PointKind, str], ...]]:
    """Split ``text 2. **💡 Label:** text2 3. **❓ ...`` into ``text`` and the later points."""
    matches = list(_SPILL_RE.finditer(body))
    if not matches:
        return body.strip(), ()
    spilled: list[tuple[PointKind, str]] = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        kind = label_kind(match["label"]) or _kind_at(int(match["number"]))
        text = body[match.end() : end].strip()
        if text:
            spilled.append((kind, text))
    return body[: matches[0].start()].strip(), tuple(spilled)
