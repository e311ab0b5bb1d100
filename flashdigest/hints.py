"""Hints that fit how flashdigest was installed: a clone's venv, pipx, or pip."""

from __future__ import annotations

import sys
from pathlib import Path


def anki_install_hint() -> str:
    """The command that adds the Anki backend (the ``anki`` package) to this installation."""
    clone = Path(__file__).resolve().parent.parent
    if "pipx" in Path(sys.prefix).parts:
        return "pipx inject flashdigest anki"
    if (clone / "requirements-dev.txt").is_file() and (clone / "pyproject.toml").is_file():
        return f"in {clone}: make test (or pip install --require-hashes --no-deps -r requirements-dev.txt)"
    return f"{sys.executable} -m pip install anki"
