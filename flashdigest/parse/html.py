"""The HTML digest page: one page per digest date, in every layout the generator has used.

* 2025-03: bare ``.paper-card``s headed ``Paper: N``; no questions, no flowchart.
* from 2025-04: a ``.paper-container`` per paper holding a ``.card-deck`` (the summary card and a
  ``.flowchart-card`` with an inline ``<svg>``) and ``.quiz-tabs`` whose ``.quiz-popup`` carries
  the answer in ``data-answer`` (matching one ``.quiz-choice``'s ``data-value``).
* from 2026-03: bilingual, English and Chinese side by side under ``[data-lang]``; sections that
  are not papers (takeaways, tips, scripts) are ignored.

The page is parsed with lexbor (selectolax), an HTML5-conformant tree builder, so a broken page
gives the tree a browser gives. The page is read by summary card, not by container: every summary
card (a ``.paper-card``, or whatever holds a ``Paper N`` heading) is a paper, wherever a broken
page nested it (a truncated flowchart's unclosed ``<!--`` swallows the next paper's opening tags
and puts its card inside the previous paper's container). Flowcharts and quizzes belong to the
summary card before them in the page, within the same container where there is one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import ParseError, SvgRejected
from ..limits import LIMITS, check_markup_depth, env_name
from ..model import Digest, Paper, PointKind
from ..options import LANGUAGES
from ..svg import sanitize_svg_node
from .common import LINK_LINE_RE, PAPER_LINE_RE, PUBLISHED_LINE_RE, parse_iso_date, published_date
from .html_quiz import QuizPage, questions
from .html_text import collapse_space, visible_text
from .points import collect_points
from .source import SourceText

#: the language of a page that marks none (every page before 2026-03)
UNMARKED_LANGUAGE = "en"
#: a paper has five points and a few quizzes; far more (nested, they cost quadratic time) is no paper
MAX_POINT_CHUNKS = 4 * len(PointKind)

_DATE_RE = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})\s+Papers?\b", re.IGNORECASE)
#: what the layout is made of, found in one pass in page order
_PARTS = ".paper-card, h2, h3, .flowchart-card svg, .quiz-tab, .quiz-popup"
_SUMMARY_CARD = ".paper-card:not(.flowchart-card)"
_CLASSES = (
    _SUMMARY_CARD, ".flowchart-card", ".flowchart-card svg", ".flowchart-card > h2", ".paper-container",
    ".quiz-tab", ".quiz-popup",
)  # fmt: skip


@dataclass
class _Part:
    """What belongs to one summary card: its flowchart and its quizzes, in page order."""

    svgs: list[LexborNode] = field(default_factory=list)
    headings: list[LexborNode] = field(default_factory=list)
    tabs: list[LexborNode] = field(default_factory=list)
    popups: list[LexborNode] = field(default_factory=list)


@dataclass
class _Page(QuizPage):
    """A page being parsed: its quiz parts, and the summary cards that own what lies inside them."""

    card_ids: frozenset[int] = frozenset()

    def owned(self, card: LexborNode, selector: str) -> list[LexborNode]:
        """``card.css(selector)`` less what belongs to a card nested in it."""
        return [node for node in card.css(selector) if self._owner(node) == card.mem_id]

    def _owner(self, node: LexborNode) -> int | None:
        current: LexborNode | None = node
        while current is not None:
            if current.mem_id in self.card_ids:
                return int(current.mem_id)
            current = current.parent
        return None


def parse_html(source: SourceText, lang: str = "en") -> Digest:
    """Parse an HTML digest page, exporting language ``lang`` of a bilingual page."""
    if lang not in LANGUAGES:
        raise ParseError(f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})", source.path)
    check_markup_depth(source.text, source.path)
    tree = LexborHTMLParser(source.text)
    page_lang = _page_language(tree, lang)
    _keep_language(tree, page_lang)
    cards, parts, stray_quizzes = _layout(tree)
    if len(cards) > LIMITS.max_papers:
        raise ParseError(
            f"{len(cards)} paper cards, over the {LIMITS.max_papers} papers a digest takes "
            f"({env_name('max_papers')})",
            source.path,
        )
    date = _page_date(tree, source, has_papers=bool(cards))
    page = _Page(source, list(source.notices), frozenset(card.mem_id for card in cards))
    if page_lang != lang and cards:
        page.notice(f"the page has no {lang!r} text; exported its {page_lang!r} text instead")
    if stray_quizzes:
        page.notice(f"{stray_quizzes} quiz(zes) after no paper card of their own; left out")
    papers = [
        _paper(card, part, number, page)
        for number, (card, part) in enumerate(zip(cards, parts, strict=True), 1)
    ]
    return Digest(date, tuple(papers), source.path, "html", tuple(page.notices))


# -- page ---------------------------------------------------------------------------------------


def _layout(tree: LexborHTMLParser) -> tuple[list[LexborNode], list[_Part], int]:
    """The summary cards in page order, what belongs to each, and how many quizzes belong to none."""
    nodes = tree.css(_PARTS)
    ids = {selector: {node.mem_id for node in tree.css(selector)} for selector in _CLASSES}
    in_card = _Nearest(ids[_SUMMARY_CARD])
    card_ids = set(ids[_SUMMARY_CARD])
    card_ids |= {parent.mem_id for node in nodes if (parent := _headed_card(node, in_card, ids)) is not None}
    containers = _Nearest(ids[".paper-container"])
    cards = [node for node in nodes if node.mem_id in card_ids]
    positions = [position for position, node in enumerate(nodes) if node.mem_id in card_ids]
    parts = [_Part() for _ in cards]
    chains: dict[int, set[int]] = {}
    stray = _Part()  # what belongs to no summary card
    for position, node in enumerate(nodes):
        index = bisect.bisect_right(positions, position) - 1
        if node.mem_id in card_ids:
            continue
        container = containers.of(node)
        chain = chains.setdefault(index, containers.chain(cards[index])) if index >= 0 else set()
        in_place = index >= 0 and (container is None or container in chain)
        _add_part(parts[index] if in_place else stray, node, ids)
    return cards, parts, len(stray.tabs) or len(stray.popups)


def _add_part(part: _Part, node: LexborNode, ids: dict[str, set[int]]) -> None:
    mem_id = node.mem_id
    if mem_id in ids[".flowchart-card svg"]:
        part.svgs.append(node)
    elif mem_id in ids[".flowchart-card > h2"]:
        part.headings.append(node)
    elif mem_id in ids[".quiz-tab"]:
        part.tabs.append(node)
    elif mem_id in ids[".quiz-popup"]:
        part.popups.append(node)


def _headed_card(node: LexborNode, in_card: _Nearest, ids: dict[str, set[int]]) -> LexborNode | None:
    """The parent of a ``Paper N`` heading in no summary card (as when its card's opening tag was
    lost), else None."""
    parent = node.parent
    if node.tag not in ("h2", "h3") or parent is None or parent.mem_id in ids[".flowchart-card"]:
        return None
    if parent.mem_id in ids[_SUMMARY_CARD] or not PAPER_LINE_RE.match(visible_text(node)):
        return None
    return parent if in_card.of(node) is None else None


class _Nearest:
    """The nearest ancestor of a node among the ``wanted`` ones, memoized along each walk up (so
    walking up from every node of a deeply nested page stays linear)."""

    def __init__(self, wanted: set[int]) -> None:
        self.wanted = wanted
        self.memo: dict[int, LexborNode | None] = {}

    def of(self, node: LexborNode) -> int | None:
        found = self.node_of(node)
        return None if found is None else int(found.mem_id)

    def node_of(self, node: LexborNode) -> LexborNode | None:
        path: list[int] = []
        current = node.parent
        found: LexborNode | None = None
        while current is not None:
            if current.mem_id in self.memo:
                found = self.memo[current.mem_id]
                break
            if current.mem_id in self.wanted:
                found = self.memo[current.mem_id] = current
                break
            path.append(current.mem_id)
            current = current.parent
        for mem_id in path:
            self.memo[mem_id] = found
        return found

    def chain(self, node: LexborNode) -> set[int]:
        """Every wanted ancestor of ``node``, the nearest first."""
        found: set[int] = set()
        current = self.node_of(node)
        while current is not None:
            found.add(int(current.mem_id))
            current = self.node_of(current)
        return found


def _page_date(tree: LexborHTMLParser, source: SourceText, has_papers: bool) -> dt.date:
    """The digest date from the ``<h1>`` heading, else the ``<title>``, else the file name."""
    candidates = [visible_text(node) for node in tree.css("h1")]
    title = tree.css_first("title")
    if title is not None:
        candidates.append(collapse_space(title.text()))
    if has_papers:
        candidates.append(f"{source.path.stem} Papers")
    for text in candidates:
        match = _DATE_RE.search(text)
        if match:
            date = parse_iso_date(match["date"])
            if date is None:
                raise ParseError(f"heading date {match['date']!r} is not a real date", source.path)
            return date
    if has_papers:
        raise ParseError("no 'YYYY-MM-DD Papers' heading and no date in the file name", source.path)
    raise ParseError("no 'YYYY-MM-DD Papers' heading and no paper cards: not a digest page", source.path)


def _page_language(tree: LexborHTMLParser, wanted: str) -> str:
    """``wanted`` if the page has it, else the language it has (English for unmarked pages)."""
    present = {node.attributes.get("data-lang") for node in tree.css("[data-lang]")}
    found = sorted(lang for lang in present if lang in LANGUAGES)
    if not found:
        return UNMARKED_LANGUAGE
    if wanted in found:
        return wanted
    return UNMARKED_LANGUAGE if UNMARKED_LANGUAGE in found else found[0]


def _keep_language(tree: LexborHTMLParser, lang: str) -> None:
    """Remove the other languages wherever ``[data-lang]`` siblings are alternatives of each other
    (summaries, quiz popups, headings): ``lang`` stays, or where it is missing, the first language."""
    groups: dict[int, list[LexborNode]] = {}
    for node in tree.css("[data-lang]"):
        parent = node.parent
        groups.setdefault(parent.mem_id if parent is not None else 0, []).append(node)
    for alternatives in groups.values():
        languages = [node.attributes.get("data-lang") for node in alternatives]
        keep = lang if lang in languages else languages[0]
        for node, language in zip(alternatives, languages, strict=True):
            if language != keep:
                node.decompose()


# -- paper ---------------------------------------------------------------------------------------


def _paper(card: LexborNode, part: _Part, position: int, page: _Page) -> Paper:
    number = _paper_number(card, position, page)
    title, published, link = _header(card, part, number, page)
    svg = part.svgs[0] if part.svgs else None
    flowchart_text = " ".join(node.text(deep=True) for node in svg.css("text")) if svg is not None else ""
    markup, sanitized = _flowchart(svg)
    return Paper(
        number=number,
        title=title,
        published=published,
        link=link,
        points=_points(card, page),
        flowchart_text=collapse_space(flowchart_text),
        flowchart_svg=markup,
        questions=questions(part.tabs, part.popups, number, page),
        flowchart_sanitized=sanitized,
    )


def _flowchart(svg: LexborNode | None) -> tuple[str, bool]:
    """The flowchart's SVG sanitized from the page as parsed (no second parse of its markup), and
    True; or, when the sanitizer refuses it, its markup as the page has it, and False: the card
    builder meets the refusal again and says why the image is left out."""
    if svg is None:
        return "", False
    try:
        return sanitize_svg_node(svg), True
    except SvgRejected:
        return svg.html or "", False


def _paper_number(card: LexborNode, position: int, page: _Page) -> int:
    for heading in page.owned(card, "h2, h3"):
        match = PAPER_LINE_RE.match(visible_text(heading))
        if match:
            return int(match["number"])
    return position


def _header(card: LexborNode, part: _Part, number: int, page: _Page) -> tuple[str, dt.date | None, str]:
    """Title, published date and link from the summary card's paragraphs."""
    title, link = "", ""
    published: dt.date | None = None
    for paragraph in page.owned(card, "p"):
        text = visible_text(paragraph)
        if match := PUBLISHED_LINE_RE.match(text):
            published, problem = published_date(match["value"], number)
            if problem:
                page.notice(problem)
        elif match := LINK_LINE_RE.match(text):
            anchor = paragraph.css_first("a[href]")
            link = collapse_space((anchor.attributes.get("href") or "") if anchor is not None else "")
            link = link or match["value"].strip()
        elif text and not title:
            title = text
    if not title and part.headings:
        title = visible_text(part.headings[0])
    if not title:
        raise ParseError(f"paper {number} has no title", page.source.path)
    return title, published, link


def _points(card: LexborNode, page: _Page) -> dict[PointKind, str]:
    """The summary points, one ``.category-chunk`` each (see :mod:`.points`)."""
    chunks = page.owned(card, ".category-chunk")
    if len(chunks) > MAX_POINT_CHUNKS:  # nested chunks would cost quadratic time
        raise ParseError(
            f"{len(chunks)} summary points in one paper, over {MAX_POINT_CHUNKS}", page.source.path
        )
    return collect_points((position, visible_text(chunk)) for position, chunk in enumerate(chunks, 1))
