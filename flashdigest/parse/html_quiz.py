"""The quizzes of an HTML digest page, read the way the page's own quiz script reads them.

A helper of :mod:`flashdigest.parse.html`. The page marks an option right when
``choice.getAttribute('data-value') === popup.getAttribute('data-answer')``: the two attributes
as the browser parsed them. An option whose text starts with a quote breaks both attributes the
same way (``data-answer=""Monte Carlo …"`` parses as ``data-answer=""``), so the page still marks
that option right; the question is read the same way here. Where no option's ``data-value``
equals ``data-answer`` exactly, the answer is matched leniently (white space and case ignored,
the option's shown text when it has no ``data-value``), as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from ..errors import ParseError
from ..limits import LIMITS, env_name
from ..model import Question
from .common import question_text
from .html_text import collapse_space, visible_text
from .source import SourceText


@dataclass
class QuizPage:
    """The page being read: its source and the notices gathered so far."""

    source: SourceText
    notices: list[str] = field(default_factory=list)

    def notice(self, text: str) -> None:
        self.notices.append(f"{self.source.path}: {text}")


def questions(
    tabs: list[LexborNode], popups: list[LexborNode], paper: int, page: QuizPage
) -> tuple[Question, ...]:
    """One question per quiz tab (else per quiz popup), numbered by its tab (so GUIDs match the
    text digest's)."""
    found = len(tabs) if tabs else len(popups)
    if found > LIMITS.max_questions:  # nested tabs would cost cubic time
        raise ParseError(
            f"paper {paper} has {found} quizzes, over the {LIMITS.max_questions} a paper takes",
            page.source.path,
        )
    groups = [tab.css_first(".quiz-popup") for tab in tabs] if tabs else list(popups)
    result: list[Question] = []
    for number, popup in enumerate(groups, start=1):
        if popup is None:
            page.notice(f"paper {paper} Q{number}: the quiz tab has no question; left out")
            continue
        question = _question(popup, paper, number, page)
        if question is not None:
            result.append(question)
    return tuple(result)


def _question(popup: LexborNode, paper: int, number: int, page: QuizPage) -> Question | None:
    text_node = popup.css_first(".quiz-question")
    text = question_text(visible_text(text_node) if text_node is not None else "", number)
    choices = popup.css(".quiz-choice")
    options = tuple(visible_text(choice) for choice in choices)
    if not text or len(options) < 2 or not all(options):
        page.notice(f"paper {paper} Q{number}: {len(options)} option(s) and question {text[:40]!r}; left out")
        return None
    if len(options) > LIMITS.max_options:
        raise ParseError(
            f"paper {paper} Q{number} has {len(options)} options, over the {LIMITS.max_options} "
            f"a question takes ({env_name('max_options')})",
            page.source.path,
        )
    answer, why = answer_index(popup, choices, options)
    if answer is None:
        page.notice(f"paper {paper} Q{number}: {why}; left out")
    return Question(number, text, options, answer)


def answer_index(
    popup: LexborNode, choices: list[LexborNode], options: tuple[str, ...]
) -> tuple[int | None, str]:
    """The index of the option the page's quiz marks right, or None and why there is none."""
    answer = popup.attributes.get("data-answer") if "data-answer" in popup.attributes else None
    if answer is not None:
        exact = [
            index for index, choice in enumerate(choices) if choice.attributes.get("data-value") == answer
        ]
        if len(exact) == 1:
            return exact[0], ""
        if len(exact) > 1:
            return None, f"data-answer {answer[:60]!r} matches {len(exact)} of its options"
    wanted = collapse_space(answer or "")
    if not wanted:
        return None, "no answer given (empty data-answer)"
    values = [choice.attributes.get("data-value") for choice in choices]
    for candidates in (values, list(options)):
        folded = [collapse_space(value or "") for value in candidates]
        if wanted in folded:
            return folded.index(wanted), ""
    lowered = [option.casefold() for option in options]
    if wanted.casefold() in lowered:
        return lowered.index(wanted.casefold()), ""
    return None, f"data-answer {wanted[:60]!r} matches none of its options"
