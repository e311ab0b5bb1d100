"""``@frozen`` (flashdigest/frozen.py): the dataclass ``@dataclass(frozen=True)`` made, with its
guard against assignment in mypy instead of at run time."""

from __future__ import annotations

import ast
import pickle
import textwrap
from dataclasses import FrozenInstanceError, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

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


def twins(
    body: dict[str, Any], annotations: dict[str, str], bases: tuple[Any, Any] | None = None
) -> tuple[Any, Any]:
    """The same class made by ``@frozen`` and by ``@dataclass(frozen=True)`` (from ``bases``, each
    its own)."""
    made: list[Any] = []
    for index, decorator in enumerate((frozen, dataclass(frozen=True))):
        namespace = {**body, "__annotations__": dict(annotations), "__qualname__": "Twin"}
        base = (bases[index],) if bases else ()
        made.append(decorator(type("Twin", base, namespace)))
    return made[0], made[1]


NAN = float("nan")
#: field options the records use and may use (repr, compare and hash of each), and edge values
CASES: list[tuple[dict[str, Any], dict[str, str], list[tuple[Any, ...]]]] = [
    ({}, {}, [()]),
    ({}, {"a": "int"}, [(1,), (2,), (NAN,)]),
    ({}, {"a": "int", "b": "str"}, [(1, "x"), (1, "y"), (NAN, "x")]),
    ({"b": field(default="", repr=False)}, {"a": "int", "b": "str"}, [(1, "x"), (1, "<svg>")]),
    ({"b": field(default=0, compare=False)}, {"a": "int", "b": "int"}, [(1, 2), (1, 3), (2, 2)]),
    ({"b": field(default=0, hash=False)}, {"a": "int", "b": "int"}, [(1, 2), (1, 3)]),
    ({"a": field(default=0, compare=False, hash=True), "b": 0}, {"a": "int", "b": "int"}, [(1, 2), (3, 2)]),
    ({"b": field(default=0, compare=False)}, {"b": "int"}, [(1,), (2,)]),
]


@pytest.mark.parametrize(("body", "annotations", "values"), CASES)
def test_a_frozen_record_compares_hashes_and_shows_as_the_frozen_dataclass(
    body: dict[str, Any], annotations: dict[str, str], values: list[tuple[Any, ...]]
) -> None:
    made, twin = twins(body, annotations)
    for one in values:
        for other in values:
            a, b, a_twin, b_twin = made(*one), made(*other), twin(*one), twin(*other)
            assert (a == b) == (a_twin == b_twin), (one, other)
            assert (a != b) == (a_twin != b_twin), (one, other)
            assert (a == a) == (a_twin == a_twin)  # a NaN field: the same object, so equal
        assert hash(made(*one)) == hash(twin(*one))
        assert repr(made(*one)) == repr(twin(*one))
        assert made(*one).__eq__(twin(*one)) is NotImplemented
    assert [(f.name, f.repr, f.compare, f.hash) for f in fields(made)] == [
        (f.name, f.repr, f.compare, f.hash) for f in fields(twin)
    ]
    assert made.__match_args__ == twin.__match_args__


def test_a_frozen_record_keeps_the_methods_its_class_defines_and_inherits_fields() -> None:
    def own_repr(self: object) -> str:
        return "mine"

    def own_eq(self: object, other: object) -> bool:
        return True

    made, twin = twins({"__repr__": own_repr, "__eq__": own_eq}, {"a": "int"})
    assert repr(made(1)) == repr(twin(1)) == "mine"
    assert made(1) == made(2) and twin(1) == twin(2)
    assert hash(made(1)) == hash(twin(1))  # (an __eq__ of its own: the hash is still the fields')
    base, base_twin = twins({}, {"a": "int"})
    child, child_twin = twins({}, {"b": "str"}, (base, base_twin))
    assert repr(child(1, "x")) == repr(child_twin(1, "x")) == "Twin(a=1, b='x')"
    assert hash(child(1, "x")) == hash(child_twin(1, "x"))
    assert child(1, "x") != base(1) and base(1) != child(1, "x")  # another class: not equal


def test_a_record_holding_itself_shows_as_the_dataclass_shows_it() -> None:
    made, twin = twins({}, {"items": "list[object]"})
    a, b = made([]), twin([])
    a.items.append(a)
    b.items.append(b)
    assert repr(a) == repr(b) == "Twin(items=[...])"


def test_a_frozen_record_is_the_dataclass_frozen_made() -> None:
    made, twin = Point("Methods", ("a",)), GuardedPoint("Methods", ("a",))
    assert hash(made) == hash(twin)
    assert repr(made).replace("Point", "GuardedPoint", 1) == repr(twin)
    assert made == Point("Methods", ("a",), ["ignored: not compared"])
    assert made != Point("Methods")
    assert {made: 1}[Point("Methods", ("a",))] == 1
    assert replace(made, kind="Results") == Point("Results", ("a",))
    assert asdict(made) == asdict(twin)
    assert pickle.loads(pickle.dumps(made)) == made
    assert Point.__eq__.__qualname__ == "Point.__eq__"
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
