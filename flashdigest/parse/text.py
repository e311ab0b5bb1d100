"""The plain-text digest: text as a reader copies it from the digest's web page.

The layout (see docs/formats.md): a ``YYYY-MM-DD Papers`` heading, then per paper a ``Paper N`` line,
the title, ``Published:``, ``Link:``, five points (numbered or labelled, see :mod:`.points`; a
point may hold the points it swallowed), the title again with one line of flowchart text, and
``Q1``..``Qn`` each followed by the question and one line per option.

The parser walks that structure with a cursor. A line is taken for what its position says it
is, so a title that starts with "Paper", contains "Q1" or ends in "?" stays a title.
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import ParseError
from ..frozen import frozen
from ..limits import LIMITS, env_name
from ..model import Digest, Paper, PointKind, Question
from .common import (
    HEADING_RE,
    LINK_LINE_RE,
    PAPER_LINE_RE,
    PUBLISHED_LINE_RE,
    parse_iso_date,
    published_date,
    question_text,
)
from .points import collect_points, point_head
from .source import SourceText

_FURNITURE_RE = re.compile(r"^\d+\s*/\s*\d+$")
_QUESTION_LABEL_RE = re.compile(r"^Q\s*(?P<number>\d+)$", re.IGNORECASE)


@frozen
class _Line:
    number: int
    text: str


def parse_text(source: SourceText) -> Digest:
    """Parse a plain-text digest, or raise ParseError naming the line that breaks the layout."""
    if (lines := source.text.count("\n") + 1) > LIMITS.max_text_lines:
        raise ParseError(
            f"{lines} lines, over the {LIMITS.max_text_lines} a text digest takes "
            f"({env_name('max_text_lines')})",
            source.path,
        )
    return _TextParser(source).parse()


class _TextParser:
    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.lines = [
            _Line(number, text.strip())
            for number, text in enumerate(source.text.split("\n"), start=1)
            if text.strip()
        ]
        self.pos = 0
        self.notices: list[str] = list(source.notices)

    # -- cursor -------------------------------------------------------------------------------
    def _peek(self, ahead: int = 0) -> _Line | None:
        index = self.pos + ahead
        return self.lines[index] if index < len(self.lines) else None

    def _take(self) -> _Line:
        line = self.lines[self.pos]
        self.pos += 1
        return line

    def _error(self, reason: str, line: _Line | None) -> ParseError:
        return ParseError(reason, self.source.path, line.number if line else None)

    # -- structure ----------------------------------------------------------------------------
    def parse(self) -> Digest:
        for line in self.lines:
            if len(line.text) > LIMITS.max_field_chars:
                raise self._error(
                    f"line is {len(line.text)} characters; a field takes at most {LIMITS.max_field_chars} "
                    f"({env_name('max_field_chars')})",
                    line,
                )
        date = self._heading()
        papers: list[Paper] = []
        while self._peek() is not None:
            self._skip_furniture()
            start = self._peek()
            if start is None:
                break
            number = self._paper_number(start)
            if number is None or (papers and number <= papers[-1].number):
                raise self._error(f"expected 'Paper {len(papers) + 1}', found {start.text[:60]!r}", start)
            if len(papers) == LIMITS.max_papers:
                raise self._error(
                    f"over {LIMITS.max_papers} papers in one digest ({env_name('max_papers')})", start
                )
            self._take()
            papers.append(self._paper(number, start))
        return Digest(date, tuple(papers), self.source.path, "text", tuple(self.notices))

    def _heading(self) -> dt.date:
        for index, line in enumerate(self.lines):
            match = HEADING_RE.match(line.text)
            if match:
                date = parse_iso_date(match["date"])
                if date is None:
                    raise self._error(f"heading date {match['date']!r} is not a real date", line)
                self.pos = index + 1
                return date
            if PAPER_LINE_RE.match(line.text):
                break
        first = self.lines[0] if self.lines else None
        raise self._error("no 'YYYY-MM-DD Papers' heading: not a text digest", first)

    def _paper_number(self, line: _Line) -> int | None:
        match = PAPER_LINE_RE.match(line.text)
        return int(match["number"]) if match else None

    def _skip_furniture(self) -> None:
        while (line := self._peek()) is not None and _FURNITURE_RE.match(line.text):
            self._take()

    def _at_next_paper(self, current: int) -> bool:
        """True when the cursor stands at the next paper, perhaps behind one page counter line
        (so an option that reads "1/2" stays an option)."""
        line = self._peek()
        ahead = 1 if line is not None and _FURNITURE_RE.match(line.text) else 0
        line = self._peek(ahead)
        if line is None:
            return ahead > 0
        number = self._paper_number(line)
        return number is not None and number > current

    def _paper(self, number: int, start: _Line) -> Paper:
        title_line = self._peek()
        if title_line is None or self._at_next_paper(number):
            raise self._error(f"paper {number} has no title", start)
        title = self._take().text
        published, link = self._header(number)
        points = self._points(title)
        flowchart = self._flowchart(number, title)
        questions = self._questions(number)
        line = self._peek()
        if line is not None and not self._at_next_paper(number):
            found = line.text[:60]
            raise self._error(
                f"unexpected line in paper {number}: {found!r} (expected a question or the next paper)", line
            )
        return Paper(number, title, published, link, points, flowchart, "", questions)

    def _header(self, number: int) -> tuple[dt.date | None, str]:
        published: dt.date | None = None
        link = ""
        while (line := self._peek()) is not None:
            if match := PUBLISHED_LINE_RE.match(line.text):
                published, problem = published_date(match["value"], number)
                if problem:
                    self.notices.append(f"{self.source.path}:{line.number}: {problem}")
            elif match := LINK_LINE_RE.match(line.text):
                link = match["value"].strip()
            else:
                break
            self._take()
        return published, link

    def _points(self, title: str) -> dict[PointKind, str]:
        """The point lines (numbered or labelled, in order; see :mod:`.points`)."""
        blocks: list[tuple[int, str]] = []
        last = 0
        while (line := self._peek()) is not None and line.text != title:
            head = point_head(line.text)
            position = head.position if head else 0
            if not last < position <= len(PointKind):
                break
            last = position
            blocks.append((position, line.text))
            self._take()
        return collect_points(blocks)

    def _flowchart(self, number: int, title: str) -> str:
        parts: list[str] = []
        heading_seen = False
        while (line := self._peek()) is not None:
            if not parts and not heading_seen and line.text == title:
                heading_seen = True  # the flowchart card repeats the title; it may read "Q1"
            elif _QUESTION_LABEL_RE.match(line.text) or self._at_next_paper(number):
                break
            else:
                parts.append(line.text)
            self._take()
        return " ".join(parts)

    def _questions(self, paper: int) -> tuple[Question, ...]:
        questions: list[Question] = []
        while (line := self._peek()) is not None:
            match = _QUESTION_LABEL_RE.match(line.text)
            if not match or int(match["number"]) != len(questions) + 1:
                break
            if len(questions) == LIMITS.max_questions:
                raise self._error(
                    f"paper {paper} has over {LIMITS.max_questions} questions ({env_name('max_questions')})",
                    line,
                )
            self._take()
            questions.append(self._question(paper, len(questions) + 1, line))
        return tuple(questions)

    def _question(self, paper: int, number: int, label: _Line) -> Question:
        question_line = self._peek()
        if question_line is None or self._ends_options(paper, number):
            raise self._error(f"paper {paper} Q{number} has no question text", label)
        self._take()
        text = question_text(question_line.text, number)
        options: list[str] = []
        while self._peek() is not None and not self._ends_options(paper, number):
            options.append(self._take().text)
        if len(options) < 2:
            raise self._error(
                f"paper {paper} Q{number} has {len(options)} option(s); a question needs at least 2",
                label,
            )
        if len(options) > LIMITS.max_options:
            raise self._error(
                f"paper {paper} Q{number} has {len(options)} options, over the {LIMITS.max_options} "
                f"a question takes ({env_name('max_options')})",
                label,
            )
        return Question(number, text, tuple(options))

    def _ends_options(self, paper: int, question: int) -> bool:
        line = self._peek()
        if line is None:
            return True
        match = _QUESTION_LABEL_RE.match(line.text)
        if match and int(match["number"]) == question + 1:
            return True
        return self._at_next_paper(paper)
