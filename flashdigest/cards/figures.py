"""The figures of a summary point, each blanked on a cloze card of its own.

What counts as a figure: a number written in digits, with what belongs to it:

- a sign or currency before it (``+3.2``, ``$20``, ``~2``), a unit suffix after it (``%``,
  ``×``/``x``, a magnitude ``K``/``M``/``B``/``T``), thousands separators and decimals
  (``665,000``, ``27.7``);
- a range as one figure (``7-15%``, ``1–3B``, ``10 to 20%``).

Not a figure: digits that are part of a name or word (``Seaweed-7B``, ``GPT-4o``, ``H100``,
``1D``, ``2nd``, ``mAP@1``, ``f(1)``), a bare number right after a capitalised or alphanumeric
word (a version: ``Claude Sonnet 4.6``, ``Gemini 3.0``; ``Table 3``), numbers inside math
(``$O(n^2)$``) and ISO dates. Unit words after a figure
stay visible ("{{c1::665,000}} H100 GPU hours"), so the card asks for the number, not the unit.
A point gives at most :data:`MAX_FIGURES_PER_POINT` cards, its first figures in reading order.
"""

# ruff: noqa: RUF001, RUF002  (figures are written with look-alike signs: dashes, minus, times, percent)

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..textutil import clean_text
from .fields import math_delimiters

MAX_FIGURES_PER_POINT = 4

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT = r"(?:\s?[%％]|×|x|[KMBT])?"
_FIGURE_RE = re.compile(
    r"(?<![A-Za-z0-9_.,@#/])(?<![A-Za-z0-9][-(])"  # not in a word or name (GPT-4o, H100, mAP@1, f(1))
    rf"(?:[+~≈$€£]|(?<![A-Za-z0-9])[-−](?=\d))?"  # a sign or currency
    rf"{_NUMBER}{_UNIT}"
    rf"(?:\s?(?:-|–|—|to|/)\s?[$€£]?{_NUMBER}{_UNIT})?"  # a range or a ratio (7-15%, 16/22)
    r"(?![A-Za-z0-9_]|[.,]\d|-\d)"  # not followed by letters (1D, 2nd) or a date's -04
)
# math as the card builder reads it (see builder.math_delimiters): figures inside are left alone
_MATH_RE = re.compile(r"(?<![\\$])\$\$?(?=[^\s$])(?:\\.|[^$\\\n])+?(?<=[^\s\\])\$\$?(?![\d$])")
#: a bare number right after a capitalised or alphanumeric word is a version of a name
#: ("Claude Sonnet 4.6", "Gemini 3.0 Pro", "HY-ViT 2.0"), unless a unit or separator marks it
_NAME_BEFORE_RE = re.compile(r"(?:^|[\s(])(?:[A-Z][\w.\-]*|[\w\-]*\d[\w\-]*)\s$")
_MARKED_RE = re.compile(r"[%％×x,$€£]")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“'‘\d])")
_CHINESE_SENTENCE_END_RE = re.compile(r"(?<=[。！？])")
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class ClozeSentence:
    """One sentence of a point with its figures; ``index`` is its place in the point (0-based)."""

    index: int
    text: str
    figures: tuple[tuple[int, int], ...]  # (start, end) of each figure in ``text``


def sentences(point: str) -> list[str]:
    """The sentences of ``point`` (English and Chinese punctuation)."""
    parts = _SENTENCE_END_RE.split(point)
    if any(mark in point for mark in "。！？"):
        parts = [piece for part in parts for piece in _CHINESE_SENTENCE_END_RE.split(part)]
    return [part.strip() for part in parts if part.strip()]


def figure_spans(sentence: str) -> list[tuple[int, int]]:
    """Where the figures of ``sentence`` are (see the module docstring)."""
    math = [match.span() for match in _MATH_RE.finditer(sentence)] if "$" in sentence else []
    spans = []
    for match in _FIGURE_RE.finditer(sentence):
        start, end = match.span()
        if any(start < math_end and math_start < end for math_start, math_end in math):
            continue
        # (a sentence's capitalised first word counts too: "Table 3 shows", "Topic 1." are no figures)
        if not _MARKED_RE.search(match.group()) and _NAME_BEFORE_RE.search(
            sentence[max(0, start - 40) : start]
        ):
            continue
        spans.append((start, end))
    return spans


def cloze_sentences(point: str, cap: int = MAX_FIGURES_PER_POINT) -> list[ClozeSentence]:
    """The sentences of ``point`` that hold figures, with at most ``cap`` figures in all."""
    found: list[ClozeSentence] = []
    if not _DIGIT_RE.search(point):  # most points: no work
        return found
    left = cap
    for index, sentence in enumerate(sentences(clean_text(point))):
        if left <= 0:
            break
        spans = figure_spans(sentence)[:left]
        if spans:
            found.append(ClozeSentence(index, sentence, tuple(spans)))
            left -= len(spans)
    return found


def cloze_field(sentence: ClozeSentence) -> str:
    """The sentence as the HTML of a cloze field, figure n as ``{{cn::figure}}``. Braces of the
    text are written as entities so that they never read as a cloze."""
    parts: list[str] = []
    position = 0
    for number, (start, end) in enumerate(sentence.figures, start=1):
        parts.append(_escaped(sentence.text[position:start]))
        parts.append(f"{{{{c{number}::{_escaped(sentence.text[start:end])}}}}}")
        position = end
    parts.append(_escaped(sentence.text[position:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    escaped = math_delimiters(html.escape(text))
    return escaped.replace("{", "&#123;").replace("}", "&#125;").replace("::", ":&#58;")
