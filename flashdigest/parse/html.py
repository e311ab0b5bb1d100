"""The HTML digest page: one page per digest date, in every layout the generator has used.

* 2025-03: bare ``.paper-card``s headed ``Paper: N``; no questions, no flowchart.
* from 2025-04: a ``.paper-container`` per paper holding a ``.card-deck`` (the summary card and a
  ``.flowchart-card`` with an inline ``<svg>``) and ``.quiz-tabs`` whose ``.quiz-popup`` carries
  the answer in ``data-answer`` (matching one ``.quiz-choice``'s ``data-value``).
* from 2026-03: bilingual, English and Chinese side by side under ``[data-lang]``; sections that
  are not papers (takeaways, tips, scripts) are ignored.

The page is parsed with lexbor (selectolax), an HTML5-conformant tree builder, so a truncated
inline SVG closes where a browser closes it and the papers after it are found. Fields get the
text a browser shows. The flowchart SVG is passed on as found; the card builder sanitizes it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import ParseError
from ..limits import check_markup_depth
from ..model import Digest, Paper, PointKind, Question
from ..options import LANGUAGES
from .html_text import chunk_points, collapse_space, visible_text
from .source import SourceText
from .text import LINK_LINE_RE, NUMBERED_RE, PAPER_LINE_RE, PUBLISHED_LINE_RE, parse_iso_date, published_date
from .yaml_digest import MAX_QUESTIONS

#: the language of a page that marks none (every page before 2026-03)
UNMARKED_LANGUAGE = "en"
#: a day's digest has a few dozen papers at most; far more is not a digest page
MAX_PAPERS = 1000
#: a paper has five points and a few quizzes; far more (nested, they cost quadratic time) is no paper
MAX_POINT_CHUNKS = 4 * len(PointKind)

_DATE_RE = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})\s+Papers?\b", re.IGNORECASE)


@dataclass
class _Page:
    source: SourceText
    lang: str
    notices: list[str] = field(default_factory=list)
    root_ids: frozenset[int] = frozenset()

    def notice(self, text: str) -> None:
        self.notices.append(f"{self.source.path}: {text}")

    def owned(self, root: LexborNode, within: LexborNode, selector: str) -> list[LexborNode]:
        """``within.css(selector)`` less what belongs to a paper nested in ``root`` (as papers nest
        inside a flowchart truncated in its ``<title>`` or ``<foreignObject>``)."""
        return [node for node in within.css(selector) if self._owner(node) == root.mem_id]

    def first(self, root: LexborNode, within: LexborNode, selector: str) -> LexborNode | None:
        found = self.owned(root, within, selector)
        return found[0] if found else None

    def _owner(self, node: LexborNode) -> int | None:
        current: LexborNode | None = node
        while current is not None:
            if current.mem_id in self.root_ids:
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
    roots = _paper_roots(tree)
    if len(roots) > MAX_PAPERS:
        raise ParseError(
            f"{len(roots)} paper cards, over the {MAX_PAPERS} a digest page can hold", source.path
        )
    date = _page_date(tree, source, has_papers=bool(roots))
    page = _Page(source, page_lang, list(source.notices), frozenset(r.mem_id for r in roots))
    if page.lang != lang and roots:
        page.notice(f"the page has no {lang!r} text; exported its {page.lang!r} text instead")
    papers = [_paper(root, position, page) for position, root in enumerate(roots, start=1)]
    return Digest(date, tuple(papers), source.path, "html", tuple(page.notices))


# -- page ---------------------------------------------------------------------------------------


def _has_class(node: LexborNode, name: str) -> bool:
    return name in (node.attributes.get("class") or "").split()


def _paper_roots(tree: LexborHTMLParser) -> list[LexborNode]:
    """One node per paper, in page order: its ``.paper-container``, else its bare ``.paper-card``."""
    roots: list[LexborNode] = []
    seen: set[int] = set()
    for card in tree.css(".paper-card"):
        if _has_class(card, "flowchart-card"):
            continue
        root = card
        ancestor = card.parent
        while ancestor is not None and ancestor.tag not in ("body", "html"):
            if _has_class(ancestor, "paper-container"):
                root = ancestor
                break
            ancestor = ancestor.parent
        if root.mem_id not in seen:
            seen.add(root.mem_id)
            roots.append(root)
    return roots


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


# -- paper --------------------------------------------------------------------------------------


def _paper(root: LexborNode, position: int, page: _Page) -> Paper:
    card = root if _has_class(root, "paper-card") else _summary_card(root, page)
    number = _paper_number(root, card, position, page)
    title, published, link = _header(root, card, number, page)
    svg = page.first(root, root, ".flowchart-card svg")
    flowchart_text = " ".join(node.text(deep=True) for node in svg.css("text")) if svg is not None else ""
    return Paper(
        number=number,
        title=title,
        published=published,
        link=link,
        points=_points(root, card, page),
        flowchart_text=collapse_space(flowchart_text),
        flowchart_svg=(svg.html or "") if svg is not None else "",
        questions=_questions(root, number, page),
    )


def _summary_card(root: LexborNode, page: _Page) -> LexborNode:
    for card in page.owned(root, root, ".paper-card"):
        if not _has_class(card, "flowchart-card"):
            return card
    return root


def _paper_number(root: LexborNode, card: LexborNode, position: int, page: _Page) -> int:
    for heading in page.owned(root, card, "h2, h3"):
        match = PAPER_LINE_RE.match(visible_text(heading))
        if match:
            return int(match["number"])
    return position


def _header(root: LexborNode, card: LexborNode, number: int, page: _Page) -> tuple[str, dt.date | None, str]:
    """Title, published date and link from the summary card's paragraphs."""
    title, link = "", ""
    published: dt.date | None = None
    for paragraph in page.owned(root, card, "p"):
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
    if not title:
        heading = page.first(root, root, ".flowchart-card h2")
        title = visible_text(heading) if heading is not None else ""
    if not title:
        raise ParseError(f"paper {number} has no title", page.source.path)
    return title, published, link


def _points(root: LexborNode, card: LexborNode, page: _Page) -> dict[PointKind, str]:
    """The summary points; a point swallowed by an earlier one is used only if its own is missing."""
    chunks = page.owned(root, card, ".category-chunk")
    if len(chunks) > MAX_POINT_CHUNKS:  # nested chunks would cost quadratic time
        raise ParseError(
            f"{len(chunks)} summary points in one paper, over {MAX_POINT_CHUNKS}", page.source.path
        )
    points: dict[PointKind, str] = {}
    spilled: dict[PointKind, str] = {}
    for position, chunk in enumerate(chunks, start=1):
        found = chunk_points(chunk, position)
        if found.own is not None:
            points.setdefault(*found.own)
        for kind, text in found.spilled:
            spilled.setdefault(kind, text)
    for kind, text in spilled.items():
        points.setdefault(kind, text)
    return {kind: points[kind] for kind in PointKind if kind in points}


# -- questions ----------------------------------------------------------------------------------


def _questions(root: LexborNode, paper: int, page: _Page) -> tuple[Question, ...]:
    """One question per quiz tab, numbered by its tab (so GUIDs match the text digest's)."""
    tabs = page.owned(root, root, ".quiz-tab")
    untabbed = [[popup] for popup in page.owned(root, root, ".quiz-popup")]
    if max(len(tabs), len(untabbed)) > MAX_QUESTIONS:  # nested tabs would cost cubic time
        found = max(len(tabs), len(untabbed))
        raise ParseError(
            f"paper {paper} has {found} quizzes, over the {MAX_QUESTIONS} a paper takes", page.source.path
        )
    groups = [page.owned(root, tab, ".quiz-popup") for tab in tabs] if tabs else untabbed
    questions: list[Question] = []
    for number, popups in enumerate(groups, start=1):
        if not popups:
            page.notice(f"paper {paper} Q{number}: the quiz tab has no question; left out")
            continue
        question = _question(popups[0], paper, number, page)
        if question is not None:
            questions.append(question)
    return tuple(questions)


def _question(popup: LexborNode, paper: int, number: int, page: _Page) -> Question | None:
    text_node = popup.css_first(".quiz-question")
    text = visible_text(text_node) if text_node is not None else ""
    match = NUMBERED_RE.match(text)
    if match and int(match["number"]) == number:
        text = match["body"]
    choices = popup.css(".quiz-choice")
    options = tuple(visible_text(choice) for choice in choices)
    if not text or len(options) < 2 or not all(options):
        page.notice(f"paper {paper} Q{number}: {len(options)} option(s) and question {text[:40]!r}; left out")
        return None
    values = [choice.attributes.get("data-value") for choice in choices]
    answer = _answer_index(popup.attributes.get("data-answer"), values, options)
    if answer is None:
        given = (popup.attributes.get("data-answer") or "").strip()
        why = (
            f"data-answer {given[:60]!r} matches none of its options"
            if given
            else "no answer given (empty data-answer)"
        )
        page.notice(f"paper {paper} Q{number}: {why}; left out")
    return Question(number, text, options, answer)


def _answer_index(answer: str | None, values: list[str | None], options: tuple[str, ...]) -> int | None:
    """The option whose ``data-value`` (else whose shown text) is the popup's ``data-answer``."""
    wanted = collapse_space(answer or "")
    if not wanted:
        return None
    for candidates in (values, list(options)):
        folded = [collapse_space(value or "") for value in candidates]
        if wanted in folded:
            return folded.index(wanted)
    lowered = [option.casefold() for option in options]
    return lowered.index(wanted.casefold()) if wanted.casefold() in lowered else None
