"""Golden files for parsers: a parsed Digest as plain data, compared with an expected YAML file.

Set FLASHDIGEST_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from flashdigest.model import Digest, PointKind


def digest_as_data(digest: Digest) -> dict[str, Any]:
    return {
        "date": digest.date.isoformat(),
        "format": digest.format,
        "papers": [
            {
                "number": paper.number,
                "title": paper.title,
                "published": paper.published.isoformat() if paper.published else None,
                "link": paper.link,
                "points": {kind.field_name: paper.points[kind] for kind in PointKind if kind in paper.points},
                "flowchart_text": paper.flowchart_text,
                "flowchart_svg_chars": len(paper.flowchart_svg),
                "questions": [
                    {"text": q.text, "options": list(q.options), "answer": q.answer} for q in paper.questions
                ],
            }
            for paper in digest.papers
        ],
    }


def assert_matches_golden(digest: Digest, expected_file: Path) -> None:
    actual = digest_as_data(digest)
    if os.environ.get("FLASHDIGEST_UPDATE_GOLDEN") or not expected_file.exists():
        expected_file.write_text(yaml.safe_dump(actual, allow_unicode=True, sort_keys=False, width=100))
        if not os.environ.get("FLASHDIGEST_UPDATE_GOLDEN"):
            raise AssertionError(f"{expected_file} did not exist; written now, check it and commit it")
    assert actual == yaml.safe_load(expected_file.read_text())


def inspect_text(path: Path) -> str:
    """What ``flashdigest inspect`` prints for ``path`` (every digest, YAML), with the input's
    directory left out of paths so that the text does not depend on where the tests run."""
    from flashdigest.inspect import digest_yaml
    from flashdigest.parse import read_digests

    text = "".join(digest_yaml(digest) for digest in read_digests(path))
    return text.replace(f"{path.parent}/", "")


def assert_matches_inspect_golden(path: Path, expected_file: Path) -> None:
    """``inspect``'s YAML for ``path`` equals ``expected_file`` (FLASHDIGEST_UPDATE_GOLDEN=1 rewrites)."""
    actual = inspect_text(path)
    if os.environ.get("FLASHDIGEST_UPDATE_GOLDEN") or not expected_file.exists():
        expected_file.write_text(actual, encoding="utf-8")
        if not os.environ.get("FLASHDIGEST_UPDATE_GOLDEN"):
            raise AssertionError(f"{expected_file} did not exist; written now, check it and commit it")
    assert actual == expected_file.read_text(encoding="utf-8")
