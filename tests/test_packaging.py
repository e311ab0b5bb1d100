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
