"""The command line follows the conventions: every flag a config can set has a --no- form, the
config file can be ignored and never hides --help, --debug goes before or after the command,
--anki-connect never swallows an input, notices go to stderr, exit codes come from one table."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from flashdigest import hints
from flashdigest.cli import default_config_dir, main
from flashdigest.cli.output import EXIT_FOR, SEVERITY
from tests.conftest import ROOT, SAMPLES

SAMPLE = SAMPLES / "2026-01-15.txt"
FLAGS_WITHOUT_NO_FORM = {"help", "version", "no_config"}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FLASHDIGEST_CONFIG", raising=False)
    monkeypatch.delenv("FLASHDIGEST_NO_CONFIG", raising=False)
    (tmp_path / "xdg" / "flashdigest").mkdir(parents=True)
    return tmp_path / "xdg" / "flashdigest"


def commands() -> list[click.Command]:
    assert isinstance(main, click.Group)
    return [main, *main.commands.values()]


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.name)
def test_every_flag_has_a_no_form(command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and param.is_flag and param.name not in FLAGS_WITHOUT_NO_FORM:
            assert any(opt.startswith("--no-") for opt in param.secondary_opts), param.opts


def test_the_cron_config_can_be_overridden_on_the_command_line(config_home: Path, tmp_path: Path) -> None:
    (config_home / "config.toml").write_text("[export]\nfetch = true\nquiet = true\n")
    out = tmp_path / "decks"
    code, _out, err = run("export", str(SAMPLE), "--out", str(out))
    assert code == 2 and "is a file" in err, "the config's fetch = true applies"
    code, stdout, err = run("export", str(SAMPLE), "--out", str(out), "--no-fetch", "--no-quiet")
    assert code == 0, err
    assert "1 written" in stdout


def test_no_config_ignores_a_broken_file(config_home: Path, tmp_path: Path) -> None:
    (config_home / "config.toml").write_text("quiet = tru\n")
    out = str(tmp_path / "decks")
    assert run("export", str(SAMPLE), "--out", out)[0] == 78
    code, stdout, err = run("--no-config", "export", str(SAMPLE), "--out", out)
    assert code == 0 and "1 written" in stdout, err
    code, _stdout, err = run("export", str(SAMPLE), "--out", out, env={"FLASHDIGEST_NO_CONFIG": "1"})
    assert code == 0, err


@pytest.mark.parametrize("args", [["export", "--help"], ["fetch", "-h"], ["--help"], ["inspect", "--help"]])
def test_a_broken_config_never_hides_help(config_home: Path, args: list[str]) -> None:
    (config_home / "config.toml").write_text("[export]\nquiet = 5\n")
    code, stdout, err = run(*args)
    assert code == 0, err
    assert "Usage:" in stdout


def test_the_config_folder_is_the_platforms(config_home: Path) -> None:
    assert default_config_dir() == Path(click.get_app_dir("flashdigest"))
    assert default_config_dir() == config_home, "on Linux, $XDG_CONFIG_HOME/flashdigest"


def test_debug_after_the_command_shows_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("flashdigest.cli.export_cmd.scan_inputs", broken)
    code, _out, err = run("export", str(SAMPLE), "--out", str(tmp_path), "--debug")
    assert code == 70 and "Traceback (most recent call last)" in err
    code, _out, err = run("export", str(SAMPLE), "--out", str(tmp_path))
    assert code == 70 and "Traceback" not in err and len(err.splitlines()) == 1


def test_anki_connect_never_swallows_an_input(tmp_path: Path) -> None:
    out = tmp_path / "decks"
    # nothing listens on port 9: the delivery fails (75), but SAMPLE was read as an input
    code, _stdout, err = run(
        "export", "--anki-connect", str(SAMPLE), "--out", str(out), "--anki-connect-url", "http://127.0.0.1:9"
    )
    assert code == 75, err
    assert (out / "2026-01-15.apkg").is_file()


@pytest.mark.parametrize("url", ["localhost:8765", "ftp://127.0.0.1/", "http://", "http://127.0.0.1:99999"])
def test_a_bad_anki_connect_url_is_one_line(tmp_path: Path, url: str) -> None:
    code, _stdout, err = run("export", str(SAMPLE), "--out", str(tmp_path), "--anki-connect-url", url)
    assert code == 2
    assert "--anki-connect-url" in err and "urllib3" not in err
    assert not list(tmp_path.glob("*.apkg"))


def test_inspect_with_no_digest_exits_66(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("nothing here\n")
    code, stdout, err = run("inspect", str(tmp_path))
    assert code == 66
    assert stdout == "" and len(err.splitlines()) == 1 and "no digest found" in err


def test_every_exit_code_is_in_the_export_help() -> None:
    code, stdout, _err = run("export", "--help")
    assert code == 0
    for exit_code in {*SEVERITY, *(code for _kind, code in EXIT_FOR)}:
        assert f"{exit_code} " in stdout, exit_code


def test_exit_codes_come_only_from_the_table() -> None:
    """No command picks a number: sys.exit is given worst(...), exit_code(...) or EXIT_SOFTWARE."""
    allowed = {"worst", "exit_code", "EXIT_SOFTWARE"}
    for path in sorted((ROOT / "flashdigest" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "sys.exit":
                (arg,) = node.args
                callee = arg.func if isinstance(arg, ast.Call) else arg
                assert ast.unparse(callee) in allowed, f"{path.name}:{node.lineno}: {ast.unparse(node)}"


def test_the_install_hint_fits_the_installation(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "requirements-dev.txt" in hints.anki_install_hint(), "this is a clone"
    monkeypatch.setattr(sys, "prefix", "/home/u/.local/share/pipx/venvs/flashdigest")
    assert hints.anki_install_hint() == "pipx inject flashdigest anki"
