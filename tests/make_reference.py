"""Write the generated parts of docs/reference.md from the code: `python -m tests.make_reference`
(or `make docs`); tests/test_docs.py fails when the file differs from what this would write.

A generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``; the text
around the parts is written by hand and kept as it is. The parts:

- ``help COMMAND``: click's ``--help`` of ``flashdigest`` and of each of its commands, at 80 columns
  (one part per command; a command without one gets a section of its own before the exit codes);
- ``exit-codes``: the codes of ``flashdigest/cli/output.py`` (the ``EXIT_*`` constants and
  ``SEVERITY``) with what each means (:data:`EXIT_MEANING` below);
- ``failures``: the table ``EXIT_FOR``, each failure with the first line of its docstring;
- ``config-keys``: every long option of every command, as a config file key;
- ``limits``: :func:`flashdigest.limits.limits_table`;
- ``environment``: every environment variable the package reads (found in its source), the limits'
  variables, and click's completion variable, each with its description.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

import flashdigest
from flashdigest.cli import main, output
from flashdigest.limits import Limits, env_name, limits_table

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"
COMMAND = "python -m tests.make_reference  (or: make docs)"
PART_RE = re.compile(r"<!-- generated: (?P<name>[\w -]+?) -->\n.*?<!-- end generated -->\n", re.S)
WIDTH = 80
#: where the commands' sections end (a new command's section goes before it)
COMMANDS_END = "\n## Exit codes\n"
MISSING = "**(not described: add it to {table} in tests/make_reference.py)**"

#: what each exit code means, in a user's words; a code without a row here shows MISSING
EXIT_MEANING: dict[int, str] = {
    0: "every input exported, or was unchanged since the last run (a day without papers is not an error)",
    2: "usage error (unknown option, missing input path); click's own code",
    65: "some input could not be exported, a folder below an input could not be read, or the "
    "collection is damaged (Anki's Tools > Check Database mends it); one stderr "
    "line each (`flashdigest: error: FILE:LINE: reason`); every other input was still exported, "
    "and no partial deck was written",
    66: "not one digest file among the inputs (an empty or wrong folder); also under `--quiet`, so "
    "a cron job pointed at the wrong folder does not look like success; nothing is created",
    69: "`verify`, `--collection` or `--sync` without the Anki backend (PyPI `anki`) installed; "
    "the message says how to add it to this installation",
    70: "a bug in flashdigest outside any one input (one line; `--debug` shows the traceback). "
    "A bug met while reading one input fails that input only (65)",
    71: "a worker process of the run was killed (out of memory, or by hand) before it answered: "
    "the run stops there, as with 73: every deck written before stays whole and the state "
    "remembers them",
    73: "`--out`, a deck in it, the bundle, the `--fetch`/`fetch --into` folder or the collection "
    "(missing, not an Anki collection, made by a newer Anki, or an older one without "
    "`--upgrade-collection`: nothing is created or changed) cannot be created or written (an "
    "existing file in the way, a read-only or full disk, a backup that cannot be made), naming "
    "the path and the reason. The run stops there; every deck written before stays "
    "whole, the state remembers them, and no temporary file is left",
    75: "try again later: another export is writing into the same `--out` (`--wait` queues instead; "
    "`--wait-timeout` bounds the wait) or another fetch holds `--into`; the collection is open in "
    "Anki, or AnkiConnect does not answer (the decks are still written, and the next run "
    "delivers them); `fetch` (and `export --fetch`): some page or the site's index could not be "
    "fetched in time (`--page-time`, `--max-time`), or the index lists no digest page any more, "
    "one stderr line each as it happens",
    77: "permission refused: AnkiConnect refused the request for want of its `apiKey` "
    "(`--anki-connect-key`), or the sync server refused the login or the kept sync key "
    "(`flashdigest login` again)",
    78: "the config file is not TOML, sets an option no command has, or a value the option refuses "
    "(one line: file, line, key)",
}

#: environment variables read with os.environ (an option's ``envvar`` is described by its help)
ENV_DOCS: dict[str, str] = {
    "FLASHDIGEST_DEBUG": "`1`: print the traceback of an internal error (as `--debug`)",
    "XDG_CONFIG_HOME": "on Linux, the default config file is `$XDG_CONFIG_HOME/flashdigest/config.toml` "
    "(unset: `~/.config/flashdigest/config.toml`); macOS and Windows use their own config folder",
    "XDG_DATA_HOME": "on Linux, `flashdigest login` keeps the sync key, and `--sync` its own "
    "collection, in `$XDG_DATA_HOME/flashdigest/` (unset: `~/.local/share/flashdigest/`); macOS and "
    "Windows use their own data folder",
    "APPDATA": "on Windows, the data folder of `flashdigest login` and `--sync` is `%APPDATA%\\flashdigest`",
    "FLASHDIGEST_WORKERS": "the most processes an export makes decks in: the run itself and one "
    "worker process fewer (default: the CPUs this process may use; `1`: no worker, every deck made "
    "in the run itself)",
    "FLASHDIGEST_FETCH_DELAY": "seconds between two requests of a fetch (default 0.25; the tests "
    "set it lower)",
    "SOURCE_DATE_EPOCH": "new notes take their modification time from it instead of the clock, so "
    "two exports of the same inputs are byte-identical "
    "([reproducible-builds](https://reproducible-builds.org/specs/source-date-epoch/))",
    "_FLASHDIGEST_COMPLETE": "click's shell completion: `eval \"$(_FLASHDIGEST_COMPLETE=bash_source "
    'flashdigest)"` in `~/.bashrc` (`zsh_source`, `fish_source` for the others)',
}
_ENV_READ_RE = re.compile(r"""(?:environ\.get\(|environ\[|getenv\()\s*["'](?P<name>[A-Z_][A-Z0-9_]*)["']""")


def help_text(name: str) -> str:
    """click's --help of ``flashdigest`` (name ``flashdigest``) or of one of its commands, without
    running the group (so no config file is read)."""
    root = click.Context(
        main, info_name="flashdigest", terminal_width=WIDTH, max_content_width=WIDTH, **main.context_settings
    )
    if name == "flashdigest":
        return main.get_help(root)
    command = main.get_command(root, name)
    if command is None:
        raise ValueError(f"docs/reference.md has a help part for {name!r}, which is no command")
    return command.get_help(click.Context(command, info_name=name, parent=root, **command.context_settings))


def help_part(name: str) -> str:
    command = "flashdigest" if name == "flashdigest" else f"flashdigest {name}"
    return f"```text\n$ {command} --help\n{help_text(name)}\n```\n"


def exit_codes_part() -> str:
    constants = vars(output).items()
    codes = sorted(
        (value, name) for name, value in constants if name.startswith("EXIT_") and isinstance(value, int)
    )
    rows = ["| code | name | meaning |", "| --- | --- | --- |"]
    for value, name in codes:
        shown = name.removeprefix("EXIT_")
        sysexits = f"`EX_{shown}`" if value >= 64 else f"`{name}`"
        meaning = EXIT_MEANING.get(value, MISSING.format(table="EXIT_MEANING"))
        rows.append(f"| {value} | {sysexits} | {meaning} |")
    order = " ".join(str(code) for code in output.SEVERITY)
    severity = f"A run with several outcomes exits with the first of: {order} (`SEVERITY`)."
    return "\n".join(rows) + f"\n\n{severity}\n"


def failures_part() -> str:
    rows = ["| failure (`flashdigest/errors.py`) | exit code | what it is |", "| --- | --- | --- |"]
    for kind, code in output.EXIT_FOR:
        doc = " ".join((kind.__doc__ or "").split("\n\n")[0].split()).replace("``", "`")
        rows.append(f"| `{kind.__name__}` | {code} | {doc} |")
    return "\n".join(rows) + "\n"


def _takes(option: click.Option) -> str:
    if option.is_flag:
        return "`true` or `false`"
    if isinstance(option.type, click.Choice):
        return "one of " + ", ".join(f'`"{choice}"`' for choice in option.type.choices)
    kind = {"float range": "number", "integer range": "integer"}.get(option.type.name, option.type.name)
    if option.metavar:
        kind += f" `{option.metavar}`"
    if isinstance(option.type, click.Path):
        kind += " (`~` expanded)"
    return f"a list of {kind}" if option.multiple else kind


def config_keys_part() -> str:
    root = click.Context(main, info_name="flashdigest")
    rows = ["| key | in the tables of | takes |", "| --- | --- | --- |"]
    keys: dict[str, tuple[list[str], str]] = {}
    for name in main.list_commands(root):
        command = main.get_command(root, name)
        assert command is not None
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    commands, _ = keys.setdefault(opt[2:], ([], _takes(param)))
                    commands.append(f"`[{name}]`")
    for key in sorted(keys):
        commands, takes = keys[key]
        rows.append(f"| `{key}` | {', '.join(commands)} | {takes} |")
    return "\n".join(rows) + "\n"


def environment_part() -> str:
    documented = dict(ENV_DOCS)
    root = click.Context(main)
    commands = [main, *(main.get_command(root, name) for name in main.list_commands(root))]
    for param in (param for command in commands if command is not None for param in command.params):
        if isinstance(param, click.Option) and isinstance(param.envvar, str):
            documented[param.envvar] = f"as `{param.opts[0]}`: {param.help}"
    for spec in Limits.__dataclass_fields__.values():
        documented[env_name(spec.name)] = f"limit: {spec.metadata['what']} (see [Limits](#limits))"
    rows = ["| variable | meaning |", "| --- | --- |"]
    for name in sorted(set(documented) | environment_read()):
        rows.append(f"| `{name}` | {documented.get(name, MISSING.format(table='ENV_DOCS'))} |")
    return "\n".join(rows) + "\n"


def environment_read() -> set[str]:
    """The names of the environment variables the package's source reads by name."""
    package = Path(flashdigest.__file__).resolve().parent
    return {
        match["name"]
        for path in sorted(package.rglob("*.py"))
        for match in _ENV_READ_RE.finditer(path.read_text(encoding="utf-8"))
    }


PARTS: dict[str, Callable[[], str]] = {
    "exit-codes": exit_codes_part,
    "failures": failures_part,
    "config-keys": config_keys_part,
    "limits": limits_table,
    "environment": environment_part,
}


def part(name: str) -> str:
    if name.startswith("help "):
        return help_part(name.removeprefix("help "))
    if name not in PARTS:
        raise ValueError(f"docs/reference.md has a generated part {name!r} that this script lacks")
    return PARTS[name]()


def render(text: str) -> str:
    """``text`` (docs/reference.md) with every generated part written anew from the code; a command
    without its help part gets a section of its own at the end of the commands."""
    names = [match["name"] for match in PART_RE.finditer(text)]
    missing = [name for name in PARTS if name not in names]
    if missing:
        raise ValueError(
            f"docs/reference.md lacks the generated part(s) {missing}: add <!-- generated: NAME -->"
        )
    for command in ["flashdigest", *main.list_commands(click.Context(main))]:
        if f"help {command}" not in names:
            text = add_command_section(text, command)
    return PART_RE.sub(
        lambda m: f"<!-- generated: {m['name']} -->\n{part(m['name'])}<!-- end generated -->\n", text
    )


def add_command_section(text: str, command: str) -> str:
    """``text`` with a section for ``command`` (its help part) just before the exit codes."""
    at = text.index(COMMANDS_END)
    section = f"### `flashdigest {command}`\n\n<!-- generated: help {command} -->\n<!-- end generated -->\n\n"
    return text[:at] + section + text[at:]


def main_(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else REFERENCE
    text = path.read_text(encoding="utf-8")
    try:
        new = render(text)
    except ValueError as error:
        print(f"make_reference: {error}", file=sys.stderr)
        return 1
    if new != text:
        path.write_text(new, encoding="utf-8")
    print(f"{path}: {'rewritten' if new != text else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
