"""Which figures of a summary point a cloze card asks: the one rule, in one place.

What counts as a figure: a number written in digits, with what belongs to it:

- a sign or currency before it (``+3.2``, ``$20``, ``~2``), a unit suffix after it (``%``,
  ``×``/``x``, a magnitude ``K``/``M``/``B``/``T``), thousands separators and decimals
  (``665,000``, ``27.7``);
- a range as one figure (``7-15%``, ``1–3B``, ``10 to 20%``, ``16.48% to 23.08%``).

Not a figure, so never blanked:

- digits that are part of a name or word (``Seaweed-7B``, ``GPT-4o``, ``H100``, ``1D``, ``2nd``,
  ``mAP@1``, ``O(1)``), a bare number right after a capitalised or alphanumeric word (a version:
  ``Claude Sonnet 4.6``, ``HY-ViT 2.0``; ``Table 3``, ``Section 4``), ISO dates;
- a list enumerator: ``(1) Chain-of-Thought``, ``2) ...``, ``(i)``;
- a citation year: ``(Ha et al., 2017)``, ``(Vaswani and Shazeer, 2017)``;
- a section, table, figure, equation or appendix label: ``Table 3``, ``Fig. 2``, ``Sec. 4``, ``Eq. 5``;
- a number inside math (``$O(n^2)$``) or a formula (``k = 3``, ``x^2``, ``1/T``), and both parts of
  a shape or resolution ``N×N`` (``256×256``, ``704×1280``);
- a count the paper's title or short name already gives (``7 billion`` of ``Seaweed-7B``, ``3``
  billion of "... to 3 Billion Parameters").

Unit words after a figure stay visible ("{{c1::665,000}} H100 GPU hours"), so the card asks for the
number, not the unit. A sentence never ends at an abbreviation (``vs.``, ``e.g.``, ``i.e.``,
``et al.``, ``Fig.``, ``cf.``, ``Eq.``).

**One cloze a sentence.** A sentence gives one card: its headline figure (the first with a ``%``,
``×``, ratio or magnitude, else its first), and when a contrast follows it ("24.33 PSNR (vs. 21.47
...)", "from 16.48% to 23.08%") the other side too, both under ``c1``: "A vs B" is asked as one.
The sentence's other figures stay as text, and no sibling card exists to give them away. A point
gives at most :data:`MAX_CLOZES_PER_POINT` cards, its first sentences with figures.
"""

# ruff: noqa: RUF001, RUF002  (figures are written with look-alike signs: dashes, minus, times, percent)

from __future__ import annotations

import functools
import re

from ..frozen import frozen
from ..textutil import clean_text, escape_html
from .fields import math_delimiters

MAX_CLOZES_PER_POINT = 3

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
_NAME_BEFORE_RE = re.compile(r"(?:^|(?<![A-Za-z0-9_.\-]))(?:[A-Z][\w.\-]*|[\w\-]*\d[\w\-]*)\s$")
_MARKED_RE = re.compile(r"[%％×x,$€£]")
_HEADLINE_RE = re.compile(r"[%％×x/KMBT]|\bto\b")
#: what the text right before a number says about it (the last 40 characters)
_ENUMERATOR_BEFORE_RE = re.compile(r"(?:^|[\s:;,(（])\($|(?:^|[:;]\s*|,\s*)$")
_LABEL_BEFORE_RE = re.compile(
    r"\b(?:[Ss]ections?|[Ss]ecs?\.|§|[Tt]ables?|[Tt]abs?\.|[Ff]igures?|[Ff]igs?\.|[Ee]qs?\.|"
    r"[Ee]quations?|[Aa]ppendix|[Aa]lgorithm|[Ll]emma|[Tt]heorem|[Ss]teps?|[Ss]tages?|[Pp]aper|"
    r"图|表|第)\s*$"
)
_CITATION_BEFORE_RE = re.compile(r"(?:et al\.?|[A-Z][\w\-]+(?: (?:and|&) [A-Z][\w\-]+)?),\s*$")
_YEAR_RE = re.compile(r"(?:19|20)\d\d[a-z]?")
_FORMULA_BEFORE_RE = re.compile(r"[=<>≤≥^_*]\s*$|[A-Za-zα-ωΑ-Ω]\s*[+\-−]\s*$")
_FORMULA_AFTER_RE = re.compile(r"^\s*(?:[=<>≤≥^_]|[*]|/\s*[A-Za-zα-ω(])|^\s+[+\-−]\s*[(A-Za-zα-ω]")
_TIMES_BEFORE_RE = re.compile(r"\d\s?[×x]\s?$")
_TIMES_AFTER_RE = re.compile(r"^\s?[×x]\s?\d")
#: after a figure, the other side of a contrast it is asked with ("(vs. 21.47", "against 64%")
_CONTRAST_RE = re.compile(r"^\s*\(?\s*(?:vs\.?|versus|against|compared (?:to|with))\s*$")
#: sentences end at . ! ? (and the Chinese stops), not after these abbreviations
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“'‘\d])")
_ABBREVIATION_RE = re.compile(
    r"(?:\b(?:vs|e\.g|i\.e|et al|etc|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|approx|resp|Dr|Mr|Ms)|\b[A-Z])\.$"
)
_CHINESE_SENTENCE_END_RE = re.compile(r"(?<=[。！？])")
_DIGIT_RE = re.compile(r"\d")
#: numbers a title gives: "7B" of Seaweed-7B, "3B" of "3 Billion Parameters", "100K" of PICA-100K
_TITLE_NUMBER_RE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)(?:\s?([KMBT])(?![a-z])|\s(thousand|million|billion|trillion)\b|(?![\w.]))",
    re.IGNORECASE,
)
_MAGNITUDE_WORDS = {"thousand": "K", "million": "M", "billion": "B", "trillion": "T"}


@frozen
class ClozeSentence:
    """One sentence of a point and the spans its one card blanks (all as ``c1``: a figure, with
    the other side of its contrast when it has one); ``index`` is its place in the point (0-based)."""

    index: int
    text: str
    figures: tuple[tuple[int, int], ...]  # (start, end) of each blanked span in ``text``


def sentences(point: str) -> list[str]:
    """The sentences of ``point`` (English and Chinese punctuation), never cut after an
    abbreviation such as "vs." or "e.g."."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(point):
        if _ABBREVIATION_RE.search(point[max(0, match.start() - 8) : match.start()]):
            continue
        parts.append(point[start : match.start()])
        start = match.end()
    parts.append(point[start:])
    if any(mark in point for mark in "。！？"):
        parts = [piece for part in parts for piece in _CHINESE_SENTENCE_END_RE.split(part)]
    return [part.strip() for part in parts if part.strip()]


def figure_spans(sentence: str, title: str = "") -> list[tuple[int, int]]:
    """Where the figures worth asking in ``sentence`` are (see the module docstring);
    ``title`` is the paper's, whose own counts are not asked again."""
    math = [match.span() for match in _MATH_RE.finditer(sentence)] if "$" in sentence else []
    given = title_numbers(title)
    spans = []
    for match in _FIGURE_RE.finditer(sentence):
        start, end = match.span()
        if any(start < math_end and math_start < end for math_start, math_end in math):
            continue
        if not _worth_asking(sentence, match.group(), start, end, given):
            continue
        spans.append((start, end))
    return spans


def _worth_asking(sentence: str, figure: str, start: int, end: int, given: frozenset[str]) -> bool:
    before, after = sentence[max(0, start - 40) : start], sentence[end : end + 12]
    marked = _MARKED_RE.search(figure)
    if not marked and _NAME_BEFORE_RE.search(before):  # a version, or "Table 3", "Topic 1."
        return False
    if figure.isdigit() and len(figure) == 1 and _ENUMERATOR_BEFORE_RE.search(before) and after[:1] == ")":
        return False  # (1) ..., 2) ...
    if _LABEL_BEFORE_RE.search(before) or (_YEAR_RE.fullmatch(figure) and _CITATION_BEFORE_RE.search(before)):
        return False
    if _FORMULA_BEFORE_RE.search(before) or _FORMULA_AFTER_RE.search(after):
        return False
    if (
        _TIMES_BEFORE_RE.search(before)
        or _TIMES_AFTER_RE.search(after)
        or re.search(r"\d\s?[×x]\s?\d", figure)
    ):
        return False
    return _normalised(figure, after) not in given


@functools.lru_cache(maxsize=16)
def title_numbers(title: str) -> frozenset[str]:
    """The counts ``title`` gives, normalised as :func:`_normalised` writes them (found once for
    the sentences of all its paper's points: a few titles kept)."""
    found = set()
    for match in _TITLE_NUMBER_RE.finditer(title):
        number, letter, word = match.groups()
        found.add(number + (letter or _MAGNITUDE_WORDS.get((word or "").lower(), "")).upper())
    return frozenset(found)


def _normalised(figure: str, after: str) -> str:
    """``7B`` for "7B", "7 billion" and "7-billion"; the bare number else; "" for marked figures."""
    if re.search(r"[%％×x$€£/+~≈\-–—]|\bto\b", figure.strip("-−")):
        return ""
    word = re.match(r"^[\s\-]?(thousand|million|billion|trillion)\b", after, re.IGNORECASE)
    magnitude = _MAGNITUDE_WORDS[word.group(1).lower()] if word else ""
    return figure.replace(",", "").upper() + magnitude


def cloze_sentences(point: str, title: str = "", cap: int = MAX_CLOZES_PER_POINT) -> list[ClozeSentence]:
    """The sentences of ``point`` that hold figures worth asking, each with the spans its one
    card blanks; at most ``cap`` of them."""
    found: list[ClozeSentence] = []
    if not _DIGIT_RE.search(point):  # most points: no work
        return found
    for index, sentence in enumerate(sentences(clean_text(point))):
        if len(found) >= cap:
            break
        spans = figure_spans(sentence, title)
        if spans:
            found.append(ClozeSentence(index, sentence, _asked(sentence, spans)))
    return found


def _asked(sentence: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """The headline figure of ``sentence`` and, when a contrast follows it, the other side."""
    place = next((i for i, (start, end) in enumerate(spans) if _HEADLINE_RE.search(sentence[start:end])), 0)
    asked = [spans[place]]
    if place + 1 < len(spans):
        between = sentence[spans[place][1] : spans[place + 1][0]]
        if _CONTRAST_RE.search(
            re.sub(r"^\s*[A-Za-z@\d\-]+(?:\s[A-Za-z@\d\-]+)?", "", between)
        ) or _CONTRAST_RE.search(between):
            asked.append(spans[place + 1])
    return tuple(asked)


def cloze_field(sentence: ClozeSentence) -> str:
    """The sentence as the HTML of a cloze field, each asked span as ``{{c1::figure}}``. Braces of the
    text are written as entities so that they never read as a cloze."""
    parts: list[str] = []
    position = 0
    for start, end in sentence.figures:
        parts.append(_escaped(sentence.text[position:start]))
        parts.append(f"{{{{c1::{_escaped(sentence.text[start:end])}}}}}")
        position = end
    parts.append(_escaped(sentence.text[position:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    escaped = math_delimiters(escape_html(text))
    return escaped.replace("{", "&#123;").replace("}", "&#125;").replace("::", ":&#58;")
