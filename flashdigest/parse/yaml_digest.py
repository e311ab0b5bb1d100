"""Hand-written YAML digests: the format people write by hand, and the one ``inspect`` prints.

```yaml
date: 2025-04-14
papers:
  - title: "Seaweed-7B: Cost-Effective Training of Video Generation Foundation Model"
    link: https://arxiv.org/abs/2504.08685
    published: 2025-04-11
    points: {topic: ..., prior_work: ..., problem: ..., methods: ..., results: ...}
    flowchart: one line of flowchart text        # optional
    questions:
      - question: What is the primary focus?
        options: [Video generation, Speech, Robotics]
        answer: A          # a letter, a 1-based number or the option's text; ~ if unknown
```

A file may hold several digests as YAML documents separated by ``---``. Loaded with the safe
loader only (``yaml.compose``: no tags, no objects), sizes capped, anchors/aliases refused;
every mistake is a ParseError naming its line and what was expected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import yaml

from ..errors import ParseError
from ..limits import LIMITS
from ..model import Digest, Paper, PointKind, Question
from .common import parse_iso_date, resolve_answer
from .source import SourceText
from .yaml_safety import SAFE_LOADER, check_yaml_nesting

DIGEST_KEYS = ("date", "papers")
PAPER_KEYS = ("title", "link", "published", "points", "flowchart", "flowchart_svg", "questions")
QUESTION_KEYS = ("question", "options", "answer")
#: ``points:`` keys: topic, prior_work, problem, methods, results
POINT_KEYS = {kind.name.lower(): kind for kind in PointKind}

_NULL_TAG = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"


def parse_yaml(source: SourceText) -> Iterator[Digest]:
    """Yield the digest of each YAML document in ``source``; ParseError at the first mistake."""
    reader = _NodeReader(source)
    count = 0
    try:
        check_yaml_nesting(source.text, source.path)
        for root in yaml.compose_all(source.text, Loader=SAFE_LOADER):
            if root is None or root.tag == _NULL_TAG:
                continue
            count += 1
            if count > LIMITS.max_digests:
                raise reader.error(f"more than {LIMITS.max_digests} digests in one file", root)
            yield reader.digest(root)
    except yaml.YAMLError as exc:
        raise _yaml_syntax_error(exc, source) from None
    if count == 0:
        raise ParseError("no digest in this YAML file; expected 'date:' and 'papers:'", source.path, 1)


def _yaml_syntax_error(exc: yaml.YAMLError, source: SourceText) -> ParseError:
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    if "mapping values are not allowed" in problem:
        problem += " (put a value that contains ': ' in quotes)"
    return ParseError(f"not valid YAML: {problem}", source.path, mark.line + 1 if mark else None)


class _NodeReader:
    """Walks composed YAML nodes, checking each against the format, with line numbers."""

    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.visited: set[int] = set()

    def error(self, reason: str, node: yaml.Node | None) -> ParseError:
        return ParseError(reason, self.source.path, node.start_mark.line + 1 if node is not None else None)

    # -- the format ---------------------------------------------------------------------------
    def digest(self, root: yaml.Node) -> Digest:
        self.visited = set()  # node ids are only unique while this document's nodes live
        fields = self.mapping(root, "a digest", DIGEST_KEYS)
        if "date" not in fields:
            raise self.error("the digest has no 'date:'; expected the digest date, YYYY-MM-DD", root)
        date = self.date(fields["date"], "date")
        if date is None:
            raise self.error("'date:' is empty; expected the digest date, YYYY-MM-DD", fields["date"])
        paper_nodes = self.sequence(fields.get("papers"), "papers", LIMITS.max_papers)
        papers = tuple(self.paper(node, number) for number, node in enumerate(paper_nodes, start=1))
        return Digest(date, papers, self.source.path, "yaml", self.source.notices)

    def paper(self, node: yaml.Node, number: int) -> Paper:
        where = f"paper {number}"
        fields = self.mapping(node, where, PAPER_KEYS)
        title = self.text(fields.get("title"), f"{where}: title") or ""
        if not title.strip():
            raise self.error(f"{where} has no 'title:'", node)
        questions = self.sequence(fields.get("questions"), f"{where}: questions", LIMITS.max_questions)
        svg = self.text(fields.get("flowchart_svg"), f"{where}: flowchart_svg", LIMITS.max_flowchart_chars)
        return Paper(
            number=number,
            title=title.strip(),
            published=self.date(fields.get("published"), f"{where}: published"),
            link=(self.text(fields.get("link"), f"{where}: link") or "").strip(),
            points=self.points(fields.get("points"), where),
            flowchart_text=self.text(fields.get("flowchart"), f"{where}: flowchart") or "",
            flowchart_svg=svg or "",
            questions=tuple(self.question(q, where, index) for index, q in enumerate(questions, start=1)),
        )

    def points(self, node: yaml.Node | None, where: str) -> dict[PointKind, str]:
        if node is None or node.tag == _NULL_TAG:
            return {}
        fields = self.mapping(node, f"{where}: points", tuple(POINT_KEYS))
        points = {}
        for key, kind in POINT_KEYS.items():
            text = self.text(fields.get(key), f"{where}: points: {key}")
            if text and text.strip():
                points[kind] = text
        return points

    def question(self, node: yaml.Node, where: str, number: int) -> Question:
        where = f"{where} question {number}"
        fields = self.mapping(node, where, QUESTION_KEYS)
        text = self.text(fields.get("question"), f"{where}: question")
        if not text or not text.strip():
            raise self.error(f"{where} has no 'question:' text", node)
        option_nodes = self.sequence(fields.get("options"), f"{where}: options", LIMITS.max_options)
        options = tuple(
            self.option(option, where, index) for index, option in enumerate(option_nodes, start=1)
        )
        if len(options) < 2:
            raise self.error(
                f"{where} has {len(options)} option(s) under 'options:'; expected at least 2", node
            )
        if "answer" not in fields:
            raise self.error(
                f"{where} has no 'answer:'; expected {_answer_forms(options)} (~ if unknown)", node
            )
        return Question(number, text, options, self.answer(fields["answer"], options, where))

    def option(self, node: yaml.Node, where: str, number: int) -> str:
        text = self.text(node, f"{where}: option {number}")
        if not text or not text.strip():
            raise self.error(f"{where}: option {number} is empty", node)
        return text

    def answer(self, node: yaml.Node, options: tuple[str, ...], where: str) -> int | None:
        if node.tag == _NULL_TAG:
            return None
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(f"{where}: 'answer:' must be one value; expected {_answer_forms(options)}", node)
        value: object = int(node.value) if node.tag == _INT_TAG and node.value.isdigit() else node.value
        index = resolve_answer(value, options)
        if index is None:
            raise self.error(
                f"{where}: answer {node.value!r} is not one of its {len(options)} options; "
                f"expected {_answer_forms(options)}",
                node,
            )
        return index

    # -- typed access to nodes ----------------------------------------------------------------
    def _visit(self, node: yaml.Node) -> None:
        if id(node) in self.visited:
            raise self.error("anchors and aliases (&name, *name) are not allowed in a digest", node)
        self.visited.add(id(node))

    def mapping(self, node: yaml.Node, what: str, keys: tuple[str, ...]) -> dict[str, yaml.Node]:
        self._visit(node)
        if not isinstance(node, yaml.MappingNode):
            raise self.error(f"{what}: expected a mapping with keys {', '.join(keys)}", node)
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in keys:
                raise self.error(f"{what}: unknown key {key!r}; expected one of {', '.join(keys)}", key_node)
            if key in fields:
                raise self.error(f"{what}: {key!r} is given twice", key_node)
            fields[key] = value_node
        return fields

    def sequence(self, node: yaml.Node | None, what: str, limit: int) -> list[yaml.Node]:
        if node is None or node.tag == _NULL_TAG:
            return []
        self._visit(node)
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(f"{what}: expected a list (lines starting with '- ')", node)
        if len(node.value) > limit:
            raise self.error(f"{what}: {len(node.value)} entries; at most {limit} are allowed", node)
        return list(node.value)

    def text(self, node: yaml.Node | None, what: str, limit: int | None = None) -> str | None:
        if node is None or node.tag == _NULL_TAG:
            return None
        self._visit(node)
        if not isinstance(node, yaml.ScalarNode):
            found = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            raise self.error(f"{what}: expected text, found {found}", node)
        limit = LIMITS.max_field_chars if limit is None else limit
        if len(node.value) > limit:
            raise self.error(f"{what}: {len(node.value)} characters; at most {limit} are allowed", node)
        return str(node.value)

    def date(self, node: yaml.Node | None, what: str) -> dt.date | None:
        text = self.text(node, what)
        if text is None or not text.strip():
            return None
        date = parse_iso_date(text.split("T")[0])
        if date is None:
            raise self.error(f"{what}: {text[:40]!r} is not a date; expected YYYY-MM-DD", node)
        return date


def _answer_forms(options: tuple[str, ...]) -> str:
    last = len(options)
    return f"a letter A-{chr(ord('A') + last - 1)}, a number 1-{last} or an option's text"
