"""Ready to publish: the sdist holds what the suite needs, and the license is an SPDX expression."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from tests.lock_hash import PREFIX, dependencies_hash

ROOT = Path(__file__).resolve().parent.parent


def test_sdist_holds_the_tests_samples_and_locks(tmp_path: Path) -> None:
    build = "from setuptools import build_meta as b; import sys; print(b.build_sdist(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", build, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    name = done.stdout.strip().splitlines()[-1]
    with tarfile.open(tmp_path / name) as archive:
        names = {member.name.split("/", 1)[1] for member in archive.getmembers() if "/" in member.name}
        info = archive.extractfile(f"{name.removesuffix('.tar.gz')}/PKG-INFO")
        assert info is not None
        metadata = info.read().decode()
    tracked = subprocess.run(
        ["git", "ls-files", "tests", "samples"], cwd=ROOT, capture_output=True, text=True
    )
    wanted = set(tracked.stdout.split()) or {"tests/conftest.py", "samples/2026-01-15.txt"}
    assert wanted <= names, sorted(wanted - names)
    assert {"LICENSE", "Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml"} <= names
    documents = {"README.md", "CHANGELOG.md", "CONTRIBUTING.md", "docs/reference.md", "docs/cron.md"}
    assert documents <= names, sorted(documents - names)  # tests/test_docs.py and others read them
    assert "License-Expression: MIT" in metadata


def test_the_lock_files_are_made_from_the_present_dependencies() -> None:
    for lock in ("requirements.txt", "requirements-dev.txt"):
        first = (ROOT / lock).read_text(encoding="utf-8").splitlines()[0]
        assert first == PREFIX + dependencies_hash(), f"{lock} is older than pyproject.toml: run make lock"


#: imported by flashdigest only when the learner asked for it (an extra: `anki`)
OPTIONAL_IMPORTS = {"anki"}


def test_every_module_flashdigest_imports_is_in_the_tools_lock() -> None:
    """`make decks` installs requirements.txt only: every third-party module the package imports
    must come with it (genanki's chevron once did not, when genanki left the tool's dependencies)."""
    import ast
    import importlib.metadata
    import re

    root = Path(__file__).resolve().parent.parent
    imported: set[str] = set()
    for path in (root / "flashdigest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported - sys.stdlib_module_names - OPTIONAL_IMPORTS} - {"flashdigest"}
    lock = (root / "requirements.txt").read_text(encoding="utf-8")
    locked = {
        re.sub(r"[-_.]+", "-", line.split("==")[0]).lower() for line in lock.splitlines() if "==" in line
    }
    distributions = importlib.metadata.packages_distributions()
    for module in sorted(third_party):
        names = {re.sub(r"[-_.]+", "-", name).lower() for name in distributions.get(module, [module])}
        assert names & locked, f"{module} (from {sorted(names)}) is imported but not in requirements.txt"
