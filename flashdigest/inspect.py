"""``inspect``: what the parser found in a digest, written in the hand-written YAML format.

Whatever the input's format, :func:`digest_yaml` writes its digest as one YAML document that
:mod:`flashdigest.parse.yaml_digest` reads back to the same digest, so exporting what ``inspect``
printed gives the same deck as exporting the input. :func:`digests_json` gives the same data as
JSON, for scripts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .errors import FlashdigestError, InternalError, LineErrors
from .inputs import InputScan, scan_inputs
from .model import Digest, Paper, PointKind, Question
from .options import DEFAULT_MAX_CARDS
from .parse import ParseOptions, read_digests

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "digest.schema.json"


def inspect_inputs(paths: Iterable[Path], options: ParseOptions) -> Iterator[Digest | FlashdigestError]:
    """Each digest read from ``paths``, or the error that stopped a file (one per bad line);
    NoInputError at once when there is no digest file among them."""
    return _read_inputs(scan_inputs(paths), options)


def _read_inputs(scan: InputScan, options: ParseOptions) -> Iterator[Digest | FlashdigestError]:
    yield from scan.errors
    for path in scan.files:
        try:
            for digest in read_digests(path, options):
                yield with_giveaway_notices(digest)
        except LineErrors as error:
            yield from error.errors
        except FlashdigestError as error:
            yield error
        except (Exception, RecursionError) as error:  # a bug must not cost the other inputs
            yield InternalError.from_exception(error, path, traceback.format_exc())


def giveaway_notices(digest: Digest) -> list[str]:
    """One notice per question whose correct option is much longer than every other option
    (:attr:`Question.gives_itself_away`: a learner can pick it without knowing the answer; reword
    the options in the YAML). ``export`` does not ship such a question as multiple choice."""
    notices = []
    for paper in digest.papers:
        for question in paper.questions:
            ratio = question.giveaway_ratio
            if ratio is not None and question.gives_itself_away:
                notices.append(
                    f"{digest.source}: paper {paper.number} Q{question.number}: the correct option is "
                    f"{ratio:.1f}x as long as any other, which gives it away"
                )
    return notices


def with_giveaway_notices(digest: Digest) -> Digest:
    found = giveaway_notices(digest)
    return dataclasses.replace(digest, notices=(*digest.notices, *found)) if found else digest


def digest_data(digest: Digest) -> dict[str, object]:
    """The digest as plain data in the shape of the YAML format (``date`` a date object)."""
    return {"date": digest.date, "papers": [paper_data(paper) for paper in digest.papers]}


def paper_data(paper: Paper) -> dict[str, object]:
    data: dict[str, object] = {"title": paper.title}
    if paper.link:
        data["link"] = paper.link
    if paper.published:
        data["published"] = paper.published
    if paper.points:
        data["points"] = {kind.name.lower(): paper.points[kind] for kind in PointKind if kind in paper.points}
    if paper.flowchart_text:
        data["flowchart"] = paper.flowchart_text
    if paper.flowchart_svg:
        data["flowchart_svg"] = paper.flowchart_svg
    if paper.questions:
        data["questions"] = [question_data(question) for question in paper.questions]
    return data


def question_data(question: Question) -> dict[str, object]:
    """A question; the answer as a letter (A = first option), or None when unknown."""
    answer = None if question.answer is None else chr(ord("A") + question.answer)
    return {"question": question.text, "options": list(question.options), "answer": answer}


def card_choice(digest: Digest) -> list[str]:
    """What ``export``'s default daily budget does with each paper's cards: shown as new,
    suspended, left out (flashdigest/cards/budget.py)."""
    from .cards import build_deck

    choice = build_deck(digest).choice
    head = f"{choice.shown} new (at most {DEFAULT_MAX_CARDS}), {choice.suspended} suspended"
    return [head, *choice.lines] if choice.lines else []


def yaml_preamble() -> str:
    """The comment lines that start inspect's YAML output: where editors find the schema."""
    return (
        f"# yaml-language-server: $schema={SCHEMA_PATH.as_uri()}\n"
        "# Written by `flashdigest inspect`; edit it and export it with `flashdigest export FILE.yaml`.\n"
    )


def digest_yaml(digest: Digest) -> str:
    """One YAML document (``---`` first) for ``digest``, its source and notices as comments."""
    comments = [_comment(f"from {digest.source} ({digest.format})")]
    comments += [_comment(f"notice: {notice}") for notice in digest.notices]
    comments += [_comment(f"cards: {line}") for line in card_choice(digest)]
    body = yaml.dump(
        digest_data(digest), Dumper=_DigestDumper, sort_keys=False, allow_unicode=True, width=1_000_000
    )
    return "---\n" + "\n".join(comments) + "\n" + body


def _comment(text: str) -> str:
    """A one-line YAML comment (line breaks in a path or notice would end it)."""
    return "# " + text.replace("\r", " ").replace("\n", " ")


def digests_json(digests: Iterable[Digest]) -> str:
    """A JSON array of the digests, each in the YAML format's shape (dates as YYYY-MM-DD)."""
    return json.dumps(
        [digest_data(digest) for digest in digests], default=_json_default, ensure_ascii=False, indent=2
    )


def _json_default(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


#: libyaml's emitter when PyYAML has it (some 20 times faster on an archive's flowcharts)
_SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _DigestDumper(_SafeDumper):  # type: ignore[valid-type,misc]
    """Safe YAML, with text of several lines as ``|`` blocks and unknown answers as ``~``."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_none(dumper: yaml.SafeDumper, value: None) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:null", "~")


_DigestDumper.add_representer(str, _represent_text)
_DigestDumper.add_representer(type(None), _represent_none)
