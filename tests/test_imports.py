"""The package's import structure: every module imports alone, no cycles, no parser imports another,
and no stage imports a later one (``cards/`` imports nothing from ``parse/``).

The imports are read from the source with ``ast`` (top-level and function-level alike, but not
those under ``if TYPE_CHECKING:``), so a test fails on the line that breaks the rule.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import flashdigest

PACKAGE = Path(flashdigest.__file__).resolve().parent
#: the parsers, by family: a parser's helper modules (html_text, jsonl_row...) are its own
PARSER_FAMILIES = {
    "text": "text",
    "html": "html",
    "html_text": "html",
    "html_quiz": "html",
    "jsonl": "jsonl",
    "jsonl_row": "jsonl",
    "jsonl_lines": "jsonl",
    "jsonl_memory": "jsonl",
    "yaml_digest": "yaml",
    "answers": "answers",
}
#: the pipeline's stages in order; a stage imports no later one
STAGES = ("fetch", "parse", "cards", "export", "deliver", "handoff", "pipeline", "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(name: str) -> dict[str, int]:
    """The flashdigest modules ``name`` imports (``from .x import y`` counts as ``x`` and, where
    ``y`` is a module, ``x.y``), each with the line of its first import."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in _walk_outside_type_checking(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            if target in MODULES and target != name:
                found.setdefault(target, getattr(node, "lineno", 0))
    return found


def _walk_outside_type_checking(tree: ast.AST) -> list[ast.AST]:
    nodes: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def _stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports_alone_in_a_fresh_interpreter(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_no_parser_imports_another_parser() -> None:
    wrong = []
    for name in MODULES:
        family = PARSER_FAMILIES.get(name.removeprefix("flashdigest.parse."))
        if not name.startswith("flashdigest.parse.") or family is None:
            continue
        for target, line in imported_modules(name).items():
            other = PARSER_FAMILIES.get(target.removeprefix("flashdigest.parse."))
            if target.startswith("flashdigest.parse.") and other is not None and other != family:
                wrong.append(f"{MODULES[name]}:{line}: {name} imports {target}")
    assert wrong == []


def test_no_stage_imports_a_later_stage_and_cards_nothing_of_parse() -> None:
    wrong = []
    for name in MODULES:
        stage = _stage(name)
        if stage is None:
            continue
        for target, line in imported_modules(name).items():
            other = _stage(target)
            if other is not None and STAGES.index(other) > STAGES.index(stage):
                wrong.append(f"{MODULES[name]}:{line}: {name} ({stage}) imports {target} ({other})")
            if stage == "cards" and other == "parse":
                wrong.append(f"{MODULES[name]}:{line}: {name} imports {target}")
    assert wrong == []


def test_only_the_cli_imports_click() -> None:
    importers = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            if any(n == "click" or n.startswith("click.") for n in names):
                importers.append(name)
    assert importers and all(name.startswith("flashdigest.cli") for name in importers), importers


def test_the_rules_see_a_parser_importing_another() -> None:
    """The checks above read what they claim to: the HTML parser's own helpers are seen."""
    assert "flashdigest.parse.html_text" in imported_modules("flashdigest.parse.html")
    assert "flashdigest.parse.points" in imported_modules("flashdigest.parse.text")


def test_no_import_cycles() -> None:
    graph = {name: set(imported_modules(name)) for name in MODULES}
    for name in graph:  # a package's own __init__ importing its modules is no cycle with them
        graph[name] = {target for target in graph[name] if not name.startswith(target + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
