"""The command line, through click's CliRunner (and once as `python -m flashdigest`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from flashdigest.cli import main
from tests.conftest import SAMPLES

GOOD = "2025-06-01 Papers\nPaper 1\nA title\nLink: http://arxiv.org/abs/2506.00001\n1. Topic and Domain: t\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_export_writes_one_deck_per_date(tmp_path: Path) -> None:
    code, out, err = run("export", str(SAMPLES), "--out", str(tmp_path))
    assert code == 0, err
    assert (tmp_path / "2026-01-15.apkg").is_file()
    assert "wrote" in out and out.rstrip().endswith("unchanged, 0 failed")
    assert all(line.startswith("notice: ") for line in err.splitlines()), err


def test_bad_input_fails_alone_with_one_line_and_exit_65(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    bad = tmp_path / "bad.txt"
    bad.write_text("2025-06-02 Papers\nPaper 1\nT\nQ1\n1. Q?\nonly one option\n")
    code, out, err = run("export", str(bad), str(good), "--out", str(tmp_path / "out"))
    assert code == 65
    assert err.splitlines() == [
        f"flashdigest: error: {bad}:4: paper 1 Q1 has 1 option(s); a question needs at least 2"
    ]
    assert "Traceback" not in out + err
    assert sorted(p.name for p in (tmp_path / "out").glob("*.apkg")) == ["2025-06-01.apkg"]


def test_unanswered_questions_are_counted_in_one_notice(tmp_path: Path) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(GOOD + "Q1\n1. Q?\nyes\nno\nQ2\n2. R?\nyes\nno\n")
    code, out, err = run("export", str(digest), "--out", str(tmp_path / "out"))
    assert code == 0
    assert "notice:" not in out, "notices go to stderr"
    notices = [line for line in err.splitlines() if line.startswith("notice:")]
    assert notices == [
        f"notice: {digest}: 2025-06-01: 2 of 2 questions left out: no answer known "
        "(text digests carry none; give them in d.answers.yaml)"
    ]


def test_bad_answer_key_fails_its_digest_without_a_deck(tmp_path: Path) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(GOOD + "Q1\n1. Q?\nyes\nno\n")
    (tmp_path / "d.answers.yaml").write_text("1: [C]\n")
    code, _, err = run("export", str(tmp_path), "--out", str(tmp_path / "out"))
    assert code == 65
    assert err.startswith(f"flashdigest: error: {tmp_path / 'd.answers.yaml'}:1: paper 1 Q1: answer 'C'")
    assert not list((tmp_path / "out").glob("*.apkg"))


def test_day_without_papers_is_a_notice_and_exit_0(tmp_path: Path) -> None:
    digest = tmp_path / "empty-day.txt"
    digest.write_text("2025-06-03 Papers\n")
    code, _out, err = run("export", str(digest), "--out", str(tmp_path / "out"))
    assert code == 0
    assert "no deck" in err


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    code, out, err = run("export", str(SAMPLES), "--out", str(tmp_path), "--quiet")
    assert (code, out, err) == (0, "", "")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("export")[0] == 2
    assert run("export", str(tmp_path / "missing.txt"))[0] == 2
    assert run("export", str(SAMPLES), "--format", "pdf")[0] == 2


def test_help_has_examples() -> None:
    code, out, _ = run("export", "--help")
    assert code == 0 and "Examples:" in out and "65" in out
    assert run("--help")[0] == 0


def test_python_dash_m_works(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flashdigest", "export", str(SAMPLES), "--out", str(tmp_path), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "2026-01-15.apkg").is_file()
