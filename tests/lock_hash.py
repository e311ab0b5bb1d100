"""The hash of pyproject.toml's dependency tables that the lock files record on their first line.

`make lock` writes it (``python -m tests.lock_hash``); tests/test_packaging.py checks that both lock
files carry the hash of the present pyproject.toml, so a changed dependency without a new lock fails.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "# pyproject.toml dependencies sha256: "


def dependencies_hash(pyproject: Path = ROOT / "pyproject.toml") -> str:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data["project"]
    tables = [
        data["build-system"]["requires"],
        project["dependencies"],
        project.get("optional-dependencies", {}),
    ]
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()


if __name__ == "__main__":
    print(PREFIX + dependencies_hash())
