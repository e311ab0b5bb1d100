"""Answer keys: ``<digest stem>.answers.yaml`` beside a text digest.

```yaml
1: [B, A, B]   # paper number: answers to Q1..Qn, each a letter, a 1-based number or the option's text
3: [B, ~, B]   # ~ where the answer is unknown
```
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from ..errors import AnswerKeyError
from ..model import Digest, Paper, Question
from .common import resolve_answer
from .yaml_safety import check_yaml_nesting

__all__ = ["apply_answer_key", "resolve_answer"]

MAX_ANSWER_KEY_BYTES = 1024 * 1024


def apply_answer_key(digest: Digest, key_path: Path) -> Digest:
    """The digest with the answers of ``key_path`` filled in; AnswerKeyError when it does not fit."""
    answers = _load_key(key_path)
    papers = {paper.number: paper for paper in digest.papers}
    for number, (line, values) in answers.items():
        paper = papers.get(number)
        if paper is None:
            raise AnswerKeyError(f"paper {number} is not in {digest.source.name}", key_path, line)
        papers[number] = _answer_paper(paper, values, key_path, line)
    return dataclasses.replace(digest, papers=tuple(papers[p.number] for p in digest.papers))


def _answer_paper(paper: Paper, values: list[object], key_path: Path, line: int) -> Paper:
    if len(values) > len(paper.questions):
        raise AnswerKeyError(
            f"paper {paper.number} has {len(paper.questions)} questions, the key gives {len(values)} answers",
            key_path,
            line,
        )
    questions: list[Question] = []
    for question, value in zip(paper.questions, list(values) + [None] * len(paper.questions), strict=False):
        if value is None:
            questions.append(question)
            continue
        index = resolve_answer(value, question.options)
        if index is None:
            raise AnswerKeyError(
                f"paper {paper.number} Q{question.number}: answer {value!r} is not one of its "
                f"{len(question.options)} options (a letter, a 1-based number or the option's text)",
                key_path,
                line,
            )
        questions.append(dataclasses.replace(question, answer=index))
    return dataclasses.replace(paper, questions=tuple(questions))


def _load_key(path: Path) -> dict[int, tuple[int, list[object]]]:
    """Paper number -> (line, answers), read with safe YAML and checked for shape."""
    try:
        if path.stat().st_size > MAX_ANSWER_KEY_BYTES:
            raise AnswerKeyError(f"answer key is over {MAX_ANSWER_KEY_BYTES} bytes", path)
        text = path.read_text(encoding="utf-8-sig")
        check_yaml_nesting(text, path)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except OSError as exc:
        raise AnswerKeyError(f"cannot read answer key: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError:
        raise AnswerKeyError("answer key is not UTF-8 text", path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise AnswerKeyError(
            f"answer key is not valid YAML: {getattr(exc, 'problem', exc)}", path, line
        ) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise AnswerKeyError("answer key must map paper numbers to lists of answers", path, 1)
    answers: dict[int, tuple[int, list[object]]] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = _scalar(key_node)
        if isinstance(key, bool) or not isinstance(key, int):
            raise AnswerKeyError(f"expected a paper number, found {key!r}", path, line)
        if not isinstance(value_node, yaml.SequenceNode):
            raise AnswerKeyError(f"paper {key}: expected a list of answers like [B, A, ~]", path, line)
        answers[key] = (line, [_scalar(item) for item in value_node.value])
    return answers


def _scalar(node: yaml.Node) -> object:
    """A scalar's value, where YAML 1.1 booleans (yes, no, on, off) stay the text that was written."""
    if isinstance(node, yaml.ScalarNode) and (
        node.tag.endswith((":bool", ":float", ":timestamp")) or node.style in ("'", '"')
    ):
        return node.value
    return yaml.safe_load(yaml.serialize(node))  # a list or map here is reported as a wrong answer
