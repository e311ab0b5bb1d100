"""The config file: long options as TOML, under the command line; a bad file exits 78 naming the line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from flashdigest.cli import main
from tests.hostile.inputs import text_digest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FLASHDIGEST_CONFIG", raising=False)
    (tmp_path / "home").mkdir()
    digest = tmp_path / "in" / "2025-07-01.txt"
    digest.parent.mkdir()
    digest.write_text(text_digest())
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_config(home: Path, text: str) -> Path:
    path = home / "xdg" / "flashdigest" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_options_come_from_the_default_config_file(home: Path) -> None:
    write_config(home, 'out = "~/decks"\n\n[export]\nquiet = true\n')
    code, out, err = run("export", str(home / "in"))
    assert (code, out, err) == (0, "", "")
    assert (home / "home" / "decks" / "2025-07-01.apkg").is_file()


def test_the_command_line_wins(home: Path) -> None:
    write_config(home, 'out = "~/decks"\n')
    code, out, _err = run("export", str(home / "in"), "--out", str(home / "elsewhere"))
    assert code == 0 and "1 written" in out
    assert (home / "elsewhere" / "2025-07-01.apkg").is_file()
    assert not (home / "home" / "decks").exists()


def test_config_named_by_option_or_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = home / "named.toml"
    named.write_text(f'out = "{home / "by-option"}"\n')
    assert run("--config", str(named), "export", str(home / "in"))[0] == 0
    assert (home / "by-option" / "2025-07-01.apkg").is_file()
    named.write_text(f'out = "{home / "by-env"}"\n')
    monkeypatch.setenv("FLASHDIGEST_CONFIG", str(named))
    assert run("export", str(home / "in"))[0] == 0
    assert (home / "by-env" / "2025-07-01.apkg").is_file()


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('out = "decks"\nquiet = tru\n', 2, "not valid TOML: "),
        ('out = "decks"\n\n# a comment\ndeck_rot = "AI"\n', 4, "unknown option 'deck_rot'"),
        ('[export]\nout = "decks"\nformat = "pdf"\n', 3, "format: 'pdf' is not one of"),
        ('[export]\nquiet = "yes"\n', 2, "quiet: expected true or false"),
        ('[verify]\nout = "decks"\n', 2, "unknown option 'out' for verify"),
        ("[exprot]\nquiet = true\n", 1, "[exprot] is not a command"),
    ],
)
def test_a_bad_config_exits_78_naming_file_line_and_key(
    home: Path, text: str, line: int, reason: str
) -> None:
    path = write_config(home, text)
    code, out, err = run("export", str(home / "in"))
    assert code == 78, err
    assert out == ""
    (message,) = err.splitlines()
    assert message.startswith(f"flashdigest: error: {path}:{line}: {reason}"), message
    assert not list(home.rglob("*.apkg"))


def test_a_named_config_that_is_missing_exits_78(home: Path) -> None:
    code, _out, err = run("--config", str(home / "nope.toml"), "export", str(home / "in"))
    assert code == 78
    assert err.splitlines() == [f"flashdigest: error: {home / 'nope.toml'}: config file not found"]


def test_the_documented_config_example_is_taken_as_written(home: Path) -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "cron.md").read_text(encoding="utf-8")
    example = page.split("\n## The config file", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    write_config(home, example)
    from flashdigest.cli import main as group
    from flashdigest.cli.config_map import config_defaults
    from flashdigest.config import load_config

    config = load_config(home / "xdg" / "flashdigest" / "config.toml", set(group.commands))
    defaults = config_defaults(config, group.commands)["export"]
    assert defaults["deck_root"] == "AI Papers" and defaults["tags"] == ["papers", "to-review"]
    assert defaults["wait_timeout"] == 600 and defaults["quiet"] is True
    assert str(defaults["collection"]).startswith(str(home / "home"))  # ~ expanded


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("out = 5\n", 1, "out: expected a string, got a number"),
        ("[export]\nbundle = true\n", 2, "bundle: expected a string, got a boolean"),
        ("\nanki_connect_url = true\n", 2, "anki_connect_url: expected a string, got a boolean"),
        ('[export]\nwait_timeout = "soon"\n', 2, "wait_timeout: expected a number, got a string"),
        ('[export]\ntag = ["a", 5]\n', 2, "tag: expected a string, got a number"),
        (
            "[export]\nsince = 2026-01-01T10:00:00\n",
            2,
            "since: expected a date (2026-01-01), got a TOML datetime (2026-01-01 10:00:00)",
        ),
        ("[fetch]\nmax_new_pages = 2.5\n", 2, "max_new_pages: expected a whole number, got a number"),
        ("[fetch]\nmax_time = -1\n", 2, "max_time: -1"),
    ],
)
def test_a_value_of_the_wrong_type_exits_78_before_anything_runs(
    home: Path, text: str, line: int, reason: str
) -> None:
    path = write_config(home, text)
    code, out, err = run("export", str(home / "in"))
    assert (code, out) == (78, ""), err
    (message,) = err.splitlines()
    assert message.startswith(f"flashdigest: error: {path}:{line}: {reason}"), message
    assert not list(home.rglob("*.apkg"))


def test_a_toml_date_is_taken_where_a_date_is_meant(home: Path) -> None:
    from flashdigest.cli import main as group
    from flashdigest.cli.config_map import config_defaults
    from flashdigest.config import load_config

    path = write_config(home, "since = 2026-01-01\n[fetch]\nmax_time = 60\n")
    defaults = config_defaults(load_config(path, set(group.commands)), group.commands)
    assert defaults["fetch"]["since"] == dt.datetime(2026, 1, 1)
    assert defaults["export"]["since"] == dt.datetime(2026, 1, 1)
    assert run("export", str(home / "in"), "-q") == (0, "", "")  # taken, and meaningless without --fetch


def test_an_array_nested_5000_deep_exits_78(home: Path) -> None:
    path = write_config(home, "tag = " + "[" * 5000 + "]" * 5000 + "\n")
    code, _out, err = run("export", str(home / "in"))
    assert code == 78
    assert err.splitlines() == [f"flashdigest: error: {path}: not valid TOML: arrays or tables nest too deep"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_config_that_is_not_a_regular_file_is_refused_at_once(home: Path, kind: str) -> None:
    path = home / "config.toml"
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes to it: reading would wait forever
    elif kind == "folder":  # in the default place (a folder named by --config is click's usage error)
        path = home / "xdg" / "flashdigest" / "config.toml"
        path.mkdir(parents=True)
    else:
        path = Path("/dev/zero")  # endless: reading it all would eat the memory
    named = [] if kind == "folder" else ["--config", str(path)]
    code, _out, err = run(*named, "export", str(home / "in"))
    assert code == 78
    assert err.splitlines() == [f"flashdigest: error: {path}: config file is not a regular file"]


def test_a_config_over_the_cap_by_bytes_read_is_refused(home: Path) -> None:
    from flashdigest.config import MAX_CONFIG_BYTES

    path = write_config(home, "# " + "x" * MAX_CONFIG_BYTES + "\n")
    code, _out, err = run("export", str(home / "in"))
    assert code == 78
    assert err.splitlines() == [
        f"flashdigest: error: {path}: config file is over the {MAX_CONFIG_BYTES} bytes it may be"
    ]
