"""What cron meets, through the CLI: each failure gives its sysexits code and one stderr line, and
leaves no broken deck and no temporary file behind.

Real faults, not stand-ins: a read-only and a full disk are real tmpfs mounts (root only), and an
unreadable file or folder is unreadable to a process without the capabilities that let root read
everything (``setpriv`` drops them), so these run as root in CI too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from flashdigest.cli import main
from flashdigest.lock import output_lock
from tests.hostile.inputs import text_digest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def digests(folder: Path, count: int, start_day: int = 1) -> list[Path]:
    """``count`` small text digests, one per date in 2025-01 onwards."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for day in range(start_day, start_day + count):
        date = f"2025-{1 + (day - 1) // 28:02d}-{1 + (day - 1) % 28:02d}"
        path = folder / f"{date}.txt"
        body = text_digest(title=f"Paper of {date}", date=date).replace("2507.00001", f"2501.{day:05d}")
        path.write_text(body, encoding="utf-8")
        made.append(path)
    return made


def leftovers(out: Path) -> list[Path]:
    return sorted(out.rglob(".flashdigest-*.tmp")) if out.is_dir() else []


def assert_whole_decks(out: Path) -> list[Path]:
    decks = sorted(out.glob("*.apkg"))
    for deck in decks:
        with zipfile.ZipFile(deck) as archive:
            assert archive.testzip() is None, deck
    return decks


@contextmanager
def tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A real tmpfs mounted at ``where`` (root only: the test skips elsewhere)."""
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def run_without_root_powers(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a process that file permissions apply to (as root: without CAP_DAC_*)."""
    command = [sys.executable, "-m", "flashdigest", *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to drop root's file capabilities")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, cwd=ROOT, timeout=120)


# -- the output directory -------------------------------------------------------------------------


def test_out_that_is_a_file_exits_73_naming_it(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    blocker = tmp_path / "decks"
    blocker.write_text("not a folder")
    code, out, err = run("export", str(source), "--out", str(blocker))
    assert code == 73, out + err
    assert err.splitlines() == [
        f"flashdigest: error: {blocker}: cannot create or lock the output directory: File exists"
    ]
    assert blocker.read_text() == "not a folder"


def test_out_under_proc_exits_73(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    code, _out, err = run("export", str(source), "--out", "/proc/flashdigest-decks")
    assert code == 73
    (line,) = err.splitlines()
    assert line.startswith("flashdigest: error: /proc/flashdigest-decks: cannot create")


def test_read_only_disk_exits_73(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    with tmpfs(tmp_path / "ro", "ro,size=1m") as disk:
        code, _out, err = run("export", str(source), "--out", str(disk / "decks"))
        assert code == 73
        assert err.splitlines() == [
            f"flashdigest: error: {disk / 'decks'}: cannot create or lock the output directory: "
            "Read-only file system"
        ]
        assert not list(disk.iterdir())


def test_disk_filling_mid_run_keeps_earlier_decks_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    sources = digests(tmp_path / "in", 40)
    with tmpfs(tmp_path / "small", "size=160k") as disk:
        out = disk / "decks"
        code, _out, err = run("export", *map(str, sources), "--out", str(out))
        assert code == 73, err
        (line,) = err.splitlines()
        assert line.startswith(f"flashdigest: error: {out}/") and "No space left on device" in line
        decks = assert_whole_decks(out)
        assert 0 < len(decks) < 40
        assert leftovers(out) == []
        # room again: the next run writes only the decks that are missing
        big = tmp_path / "big"
        shutil.copytree(out, big)
        code, stdout, err = run("export", *map(str, sources), "--out", str(big))
    assert code == 0, err
    assert stdout.rstrip().endswith(f"{40 - len(decks)} written, {len(decks)} unchanged, 0 failed")


# -- inputs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("quiet", [[], ["--quiet"], ["--json"]])
def test_no_digest_at_all_exits_66_even_when_quiet(tmp_path: Path, quiet: list[str]) -> None:
    empty = tmp_path / "digests"
    empty.mkdir()
    (empty / "notes.md").write_text("not a digest suffix")
    code, out, err = run("export", str(empty), "--out", str(tmp_path / "decks"), *quiet)
    assert code == 66
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"flashdigest: error: no digest found in {empty}")
    assert not (tmp_path / "decks").exists()


def test_unreadable_folder_below_a_named_folder_is_reported(tmp_path: Path) -> None:
    top = tmp_path / "digests"
    digests(top, 1)
    locked = top / "2025-02"
    digests(locked, 1, start_day=40)
    locked.chmod(0)
    try:
        done = run_without_root_powers("export", str(top), "--out", str(tmp_path / "decks"))
    finally:
        locked.chmod(0o755)
    err = done.stderr.decode()
    assert done.returncode == 65, err
    assert err.splitlines() == [f"flashdigest: error: {locked}: cannot read folder: Permission denied"]
    assert [p.name for p in (tmp_path / "decks").glob("*.apkg")] == ["2025-01-01.apkg"]


def test_unreadable_answer_key_is_named_as_the_key(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    key = source.with_name(source.stem + ".answers.yaml")
    key.write_text("1: [A]\n")
    key.chmod(0)
    done = run_without_root_powers("export", str(source), "--out", str(tmp_path / "decks"))
    err = done.stderr.decode()
    assert done.returncode == 65, err
    (line,) = err.splitlines()
    assert line.startswith(f"flashdigest: error: {key}: ") and "Permission denied" in line


def test_unreadable_file_is_one_line(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    source.chmod(0)
    done = run_without_root_powers("export", str(source), "--out", str(tmp_path / "decks"))
    assert done.returncode == 65
    assert done.stderr.decode().splitlines() == [
        f"flashdigest: error: {source}: cannot read: Permission denied"
    ]


def test_symlinked_folders_are_followed_and_loops_read_once(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    digests(real, 2)
    top = tmp_path / "digests"
    top.mkdir()
    (top / "linked").symlink_to(real, target_is_directory=True)
    (real / "loop").symlink_to(top, target_is_directory=True)  # digests/linked/loop -> digests
    code, out, err = run("export", str(top), "--out", str(tmp_path / "decks"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "decks").glob("*.apkg")) == [
        "2025-01-01.apkg",
        "2025-01-02.apkg",
    ]
    assert "2 written, 0 unchanged, 0 failed" in out


def test_names_are_printed_on_one_line_as_they_are_on_disk(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    newline = folder / "bad\nname\x1b[31m.txt"
    newline.write_text("2025-06-02 Papers\nPaper 1\nT\nQ1\n1. Q?\nonly one option\n")
    latin1 = Path(os.fsdecode(bytes(folder) + b"/caf\xe9.txt"))
    latin1.write_text("2025-06-03 Papers\nPaper 1\nT\nQ1\n1. Q?\nonly one option\n")
    result = CliRunner().invoke(main, ["export", str(folder), "--out", str(tmp_path / "decks")])
    assert result.exit_code == 65
    lines = result.stderr_bytes.splitlines()
    assert len(lines) == 2, lines
    assert any(b"/bad\\nname\\x1b[31m.txt:4: " in line for line in lines), lines
    assert any(bytes(folder) + b"/caf\xe9.txt:4: " in line for line in lines), lines


# -- bugs --------------------------------------------------------------------------------------------


def test_internal_error_is_one_line_and_debug_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (source,) = digests(tmp_path / "in", 1)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("flashdigest.cards.build_deck", broken)
    code, _out, err = run("export", str(source), "--out", str(tmp_path / "decks"))
    assert code == 65
    assert err.splitlines() == [f"flashdigest: error: {source}: internal error: RuntimeError: a bug"]
    code, _out, err = run("--debug", "export", str(source), "--out", str(tmp_path / "decks"))
    assert code == 65 and "Traceback (most recent call last)" in err and 'raise RuntimeError("a bug")' in err
    monkeypatch.setattr("flashdigest.cli.export_cmd.scan_inputs", broken)  # outside any one input
    code, _out, err = run("export", str(source), "--out", str(tmp_path / "decks"))
    assert code == 70
    assert err.splitlines() == [
        "flashdigest: internal error: RuntimeError: a bug (a bug in flashdigest; --debug shows the traceback)"
    ]
    monkeypatch.setenv("FLASHDIGEST_DEBUG", "1")
    code, _out, err = run("export", str(source), "--out", str(tmp_path / "decks"))
    assert code == 70 and "Traceback (most recent call last)" in err


# -- files and the lock -------------------------------------------------------------------------------


def test_decks_get_the_mode_the_umask_gives(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    old = os.umask(0o022)
    try:
        assert run("export", str(source), "--out", str(tmp_path / "a"))[0] == 0
        os.umask(0o077)
        done = subprocess.run(
            [sys.executable, "-m", "flashdigest", "export", str(source), "--out", str(tmp_path / "b")],
            cwd=ROOT,
            capture_output=True,
        )
        assert done.returncode == 0, done.stderr
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "2025-01-01.apkg").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b" / "2025-01-01.apkg").stat().st_mode & 0o777 == 0o600


def test_a_temporary_name_already_taken_is_never_written_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file beside a deck gets a new random name when one is taken (whoever put a
    file there keeps it), and a secret gets owner-only whatever the umask."""
    import flashdigest.atomic as atomic

    taken = tmp_path / f"{atomic.TEMP_PREFIX}{'00' * 8}{atomic.TEMP_SUFFIX}"
    taken.write_bytes(b"someone's")
    draws = iter([b"\0" * 8, b"\1" * 8])
    monkeypatch.setattr(os, "urandom", lambda size: next(draws))
    old = os.umask(0o277)  # (which alone would leave the owner unable to write it again)
    try:
        atomic.write_atomically(tmp_path / "key", b"secret", private=True)
    finally:
        os.umask(old)
    assert taken.read_bytes() == b"someone's"
    assert (tmp_path / "key").read_bytes() == b"secret"
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(os, "urandom", lambda size: b"\0" * size)  # every name taken
    with pytest.raises(FileExistsError):
        atomic.write_atomically(tmp_path / "other", b"x")
    assert not (tmp_path / "other").exists()


def test_wait_gives_up_after_its_timeout(tmp_path: Path) -> None:
    (source,) = digests(tmp_path / "in", 1)
    out = tmp_path / "decks"
    with output_lock(out, wait=False):
        code, _out, err = run("export", str(source), "--out", str(out), "--wait", "--wait-timeout", "0.3")
    assert code == 75
    assert err.splitlines() == [
        f"flashdigest: {out}: another flashdigest run (export or fetch) is writing here; "
        "waited 0.3 s; try again later"
    ]
    assert not list(out.glob("*.apkg"))


def test_version_short_and_long() -> None:
    from flashdigest import __version__

    for flag in ("-V", "--version"):
        code, out, _err = run(flag)
        assert code == 0 and out.strip() == f"flashdigest, version {__version__}"
