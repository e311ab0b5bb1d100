"""``@frozen`` (flashdigest/frozen.py): the dataclass ``@dataclass(frozen=True)`` made, with its
guard against assignment in mypy instead of at run time."""

from __future__ import annotations

import ast
import pickle
import textwrap
from dataclasses import FrozenInstanceError, asdict, dataclass, field, fields, replace
from pathlib import Path

import pytest

from flashdigest.frozen import frozen
from flashdigest.model import Question

ROOT = Path(__file__).resolve().parent.parent


@frozen
class Point:
    kind: str
    marks: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class GuardedPoint:
    kind: str
    marks: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False)


def test_a_frozen_record_is_the_dataclass_frozen_made() -> None:
    made, twin = Point("Methods", ("a",)), GuardedPoint("Methods", ("a",))
    assert hash(made) == hash(twin)
    assert repr(made).replace("Point", "GuardedPoint", 1) == repr(twin)
    assert made == Point("Methods", ("a",), ["ignored: not compared"])
    assert made != Point("Methods")
    assert {made: 1}[Point("Methods", ("a",))] == 1
    assert [f.name for f in fields(made)] == [f.name for f in fields(twin)]
    assert replace(made, kind="Results") == Point("Results", ("a",))
    assert asdict(made) == asdict(twin)
    assert Point.__match_args__ == GuardedPoint.__match_args__
    assert pickle.loads(pickle.dumps(made)) == made
    with pytest.raises(FrozenInstanceError):  # the run-time guard the twin has, @frozen leaves to mypy
        twin.kind = "Results"  # type: ignore[misc]


def test_mypy_refuses_assigning_to_a_frozen_record(tmp_path: Path) -> None:
    """The guard is mypy's: assigning to a field of a record is a type error, and the same code on
    a plain dataclass is not (so the test sees the difference, not an error anywhere)."""
    api = pytest.importorskip("mypy.api")
    program = textwrap.dedent(
        """
        from dataclasses import dataclass
        from flashdigest.frozen import frozen
        from flashdigest.model import Question

        @{decorator}
        class Point:
            kind: str

        point = Point("Methods")
        point.kind = "Results"
        {question_line}
        """
    )
    errors = {}
    question_line = 'Question(1, "What?", ("a", "b"), 0).text = "Why?"'
    for decorator, line in (("frozen", question_line), ("dataclass", "")):
        source = tmp_path / f"uses_{decorator}.py"
        source.write_text(program.format(decorator=decorator, question_line=line))
        stdout, _, _ = api.run(
            [str(source), "--strict", "--cache-dir", str(tmp_path / ".mypy"), "--follow-imports", "silent"]
        )
        errors[decorator] = [line for line in stdout.splitlines() if ": error:" in line]
    assert len(errors["frozen"]) == 2, errors["frozen"]
    assert all("read-only" in line for line in errors["frozen"]), errors["frozen"]
    assert errors["dataclass"] == [], errors["dataclass"]


def test_the_package_makes_its_frozen_records_with_frozen() -> None:
    """One way to say a record is a value: no ``@dataclass(frozen=True)`` is left in the package,
    which would pay the run-time guard again at every start."""
    left = []
    for path in sorted((ROOT / "flashdigest").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and any(
                        keyword.arg == "frozen" for keyword in decorator.keywords
                    ):
                        left.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert left == []
    assert hash(Question(1, "What?", ("a", "b"), 0)) == hash(Question(1, "What?", ("a", "b"), 0))
