"""The limits: one table (flashdigest/limits.py), docs/reference.md's table written from it, and each
limit meaning the same in every format that has what it bounds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flashdigest.limits import Limits, env_name, limits_table
from tests.conftest import ROOT
from tests.test_formats_agree import DIGEST, as_html, as_jsonl, as_text, as_yaml

RENDERERS = {"text": as_text, "html": as_html, "jsonl": as_jsonl, "yaml": as_yaml}


def test_the_reference_limits_table_is_the_one_in_limits_py() -> None:
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    section = reference[reference.index("\n## Limits") :]
    assert limits_table() in section, (
        "docs/reference.md's limits table differs from flashdigest.limits.limits_table(); "
        "regenerate it: python -m tests.make_reference"
    )


def test_every_limit_has_a_row_and_its_variable() -> None:
    table = limits_table()
    for name in Limits.__dataclass_fields__:
        assert f"`{env_name(name)}`" in table


def inspect_with(env: dict[str, str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flashdigest", "inspect", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("FLASHDIGEST_MAX_PAPERS", "2", ("2",)),
        ("FLASHDIGEST_MAX_OPTIONS", "2", ("3", "2")),
    ],
)
@pytest.mark.parametrize("fmt", list(RENDERERS))
def test_a_limit_means_the_same_in_every_format(
    tmp_path: Path, fmt: str, variable: str, value: str, words: tuple[str, ...]
) -> None:
    """The digest (three papers; a question of three options) is over the limit in every format:
    one error line naming the input, exit 65, no traceback."""
    path = RENDERERS[fmt](DIGEST, tmp_path)
    fine = inspect_with({}, path)
    assert fine.returncode == 0, fine.stderr
    result = inspect_with({variable: value}, path)
    assert result.returncode == 65, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("flashdigest: error:")]
    assert len(errors) == 1 and str(path) in errors[0], result.stderr
    assert all(word in errors[0] for word in words), errors[0]
    assert "Traceback" not in result.stderr
