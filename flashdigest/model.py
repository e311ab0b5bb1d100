"""The typed model that every stage passes on: a digest, its papers, points and questions.

Parsers produce these objects, the card builder consumes them. Nothing here knows about
files, HTML or Anki.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import field
from pathlib import Path

from .frozen import frozen


class PointKind(enum.Enum):
    """The five summary points a digest gives for each paper, in their order."""

    TOPIC = ("Topic", "Topic and Domain")
    PRIOR_WORK = ("PriorWork", "Previous Research and New Ideas")
    PROBLEM = ("Problem", "Problem")
    METHODS = ("Methods", "Methods")
    RESULTS = ("Results", "Results and Evaluation")

    def __init__(self, field_name: str, label: str) -> None:
        #: the note field that holds the point; its English label (the cards' fronts are worded
        #: in cards/wording.py)
        self.field_name = field_name
        self.label = label

    @property
    def position(self) -> int:
        """1-based position of the point in a digest (1 = Topic ... 5 = Results)."""
        return list(PointKind).index(self) + 1

    @classmethod
    def from_position(cls, position: int) -> PointKind:
        return list(cls)[position - 1]


#: the point labels as the bilingual pages write them on their Chinese side: the parser reads
#: them (parse/points.py) and the cards show them (cards/wording.py)
ZH_LABELS: dict[PointKind, str] = {
    PointKind.TOPIC: "主题与领域",
    PointKind.PRIOR_WORK: "先前研究与新思路",
    PointKind.PROBLEM: "问题",
    PointKind.METHODS: "方法",
    PointKind.RESULTS: "结果与评估",
}
#: a correct option at least this many times as long as every other one gives itself away
GIVEAWAY_RATIO = 1.5


@frozen
class Question:
    """A multiple-choice question; ``answer`` is the 0-based index of the correct option."""

    number: int
    text: str
    options: tuple[str, ...]
    answer: int | None = None

    @property
    def answer_text(self) -> str | None:
        return None if self.answer is None else self.options[self.answer]

    @property
    def giveaway_ratio(self) -> float | None:
        """How many times as long as every other option the correct one is; None when unknown."""
        if self.answer is None or len(self.options) < 2:
            return None
        right = len(self.options[self.answer])
        longest_other = max(len(o) for i, o in enumerate(self.options) if i != self.answer)
        return right / max(longest_other, 1)

    @property
    def gives_itself_away(self) -> bool:
        """Whether the correct option is at least :data:`GIVEAWAY_RATIO` times as long as every
        other one (a learner picks it without knowing the answer): inspect's notice and the
        card builder's rule."""
        ratio = self.giveaway_ratio
        return ratio is not None and ratio >= GIVEAWAY_RATIO


@frozen
class Paper:
    """One paper of a digest, with whatever of its parts the source gave."""

    number: int
    title: str
    published: dt.date | None = None
    link: str = ""
    points: dict[PointKind, str] = field(default_factory=dict)
    flowchart_text: str = ""
    #: (left out of the repr: its markup is long, and escaping it was most of the time the digest's
    #: hash took, which takes it whole instead, as bytes)
    flowchart_svg: str = field(default="", repr=False)
    questions: tuple[Question, ...] = ()
    #: ``flowchart_svg`` is already the sanitizer's output (:mod:`flashdigest.svg`): an HTML page's
    #: SVG, sanitized from the page as parsed, which the card builder takes as it is (set it for
    #: nothing else: no input format has a key for it)
    flowchart_sanitized: bool = False

    @property
    def arxiv_id(self) -> str | None:
        return arxiv_id_from_link(self.link)

    @property
    def identity(self) -> str:
        """What makes this paper the same paper across sources: its arXiv id, else its title."""
        found = self.arxiv_id
        if found:
            return f"arxiv:{found}"
        return "title:" + " ".join(self.title.lower().split())


@frozen
class Digest:
    """The papers published on one digest date, read from one source file."""

    date: dt.date
    papers: tuple[Paper, ...]
    source: Path
    format: str
    notices: tuple[str, ...] = ()


_ARXIV_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)


def arxiv_id_from_link(link: str) -> str | None:
    """``2504.08685`` from ``http://arxiv.org/pdf/2504.08685v2`` (version dropped), else None."""
    match = _ARXIV_RE.search(link or "")
    return match.group("id") if match else None
