"""Which files are inputs: files named directly, and the candidate digests below named folders.

Folders are walked as a user would expect: a symlinked folder is followed like a symlinked file,
a folder reached twice (a symlink loop, or two links to one folder) is read once, and a folder
that cannot be read is reported, never skipped in silence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FlashdigestError, NoInputError
from .options import SUPPORTED_SUFFIXES, is_candidate_input


@dataclass
class InputScan:
    """The input files found, in order, the folders that could not be read, and what to mention."""

    files: list[Path] = field(default_factory=list)
    errors: list[FlashdigestError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def find_inputs(paths: Iterable[Path]) -> InputScan:
    """Files named directly, and the candidate digests below named directories, in order."""
    scan = InputScan()
    seen_files: set[str] = set()
    for path in paths:
        found = _walk(path, scan) if path.is_dir() else [path]
        for file in found:
            if (absolute := os.path.abspath(file)) not in seen_files:
                seen_files.add(absolute)
                scan.files.append(file)
    return scan


def _walk(top: Path, scan: InputScan) -> list[Path]:
    """The candidate files below ``top``, sorted; unreadable folders and loops go to ``scan``."""
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()

    def unreadable(error: OSError) -> None:
        where = error.filename if error.filename is not None else top
        scan.errors.append(FlashdigestError(f"cannot read folder: {error.strerror or error}", where))

    for folder, dirnames, filenames in os.walk(top, onerror=unreadable, followlinks=True):
        try:
            info = os.stat(folder)
        except OSError as error:
            unreadable(error)
            dirnames[:] = []
            continue
        if (info.st_dev, info.st_ino) in visited:
            scan.notices.append(f"{folder}: a folder already read (a symlink loop?); not read again")
            dirnames[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in filenames:
            path = Path(folder, name)
            if is_candidate_input(path) and path.is_file():
                found.append(path)
    return sorted(found)


def scan_inputs(paths: Iterable[Path]) -> InputScan:
    """The inputs below ``paths``; NoInputError when there is not one digest file among them."""
    paths = list(paths)
    scan = find_inputs(paths)
    if not scan.files and not scan.errors:
        named = ", ".join(str(path) for path in paths) or "nothing"
        raise NoInputError(f"no digest found in {named} (looked for {' '.join(SUPPORTED_SUFFIXES)})")
    return scan
