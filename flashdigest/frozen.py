"""``@frozen``: a dataclass of values, never assigned to once made, which mypy checks.

Public entry point: :func:`frozen`, used where ``@dataclass(frozen=True)`` would be.

The records passed between the stages (a paper, a deck, an input's record in the state) are values:
made whole, compared and hashed by their fields, changed only by making another
(``dataclasses.replace``). ``@dataclass(frozen=True)`` says so, and costs every start of the
program dearly: Python 3.11 writes the source of six methods for each such class (``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, and a ``__setattr__`` and ``__delattr__`` that raise) and
compiles each when the class's module is imported, some 440 µs a class; a daily run defines 33.

``@frozen`` gives the same class for a fraction of that:

- ``dataclasses.dataclass`` makes its ``__init__``, its fields (``fields``, ``replace`` and
  ``asdict`` work as before) and its ``__match_args__``: one method compiled, not six;
- ``__eq__``, ``__hash__`` and ``__repr__`` are the ones ``@dataclass(frozen=True)`` would write,
  made without compiling anything: closures over an ``operator.attrgetter`` of the class's
  fields (compared as the same tuples, hashed as the same tuple, shown the same way; a method the
  class defines itself is kept, as dataclasses keep it);
- assigning to a field is refused by mypy, which runs over the package and its tests in
  ``make lint``, instead of at run time: the decorator is declared a dataclass transform that is
  frozen by default (PEP 681), so an assignment is a type error ("read-only") as it is for
  ``@dataclass(frozen=True)`` (mypy checks no ``del`` of a field, for either).

Some 10 ms of a daily run of some 115 (docs/performance.md). ``tests/test_frozen.py`` holds the
methods to what ``@dataclass(frozen=True)`` makes, and mypy to refusing an assignment.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, cast, dataclass_transform

__all__ = ["frozen"]

_Class = TypeVar("_Class")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[_Class]) -> type[_Class]:
    """``cls`` made a dataclass compared, hashed and shown by its fields, its fields read-only to mypy."""
    own = set(cls.__dict__)
    made = dataclass(repr=False, eq=False)(cls)
    every = fields(cast(Any, made))
    compared = [item for item in every if item.compare]
    hashed = [item for item in every if (item.compare if item.hash is None else item.hash)]
    shown = [item.name for item in every if item.repr]
    methods = {
        "__eq__": _eq(_values(compared)),
        "__hash__": _hash(_values(hashed)),
        "__repr__": _repr(shown),
    }
    explicit_hash = "__hash__" in own and not (cls.__dict__["__hash__"] is None and "__eq__" in own)
    for name, method in methods.items():
        if name in own and (name != "__hash__" or explicit_hash):
            continue  # the class's own, as dataclasses keep it
        method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    return made


def _values(chosen: list[Field[Any]]) -> Callable[[object], tuple[Any, ...]]:
    """The tuple of ``chosen`` fields of an instance, as ``(self.a, self.b)`` would make it."""
    names = [item.name for item in chosen]
    if len(names) == 1:
        name = names[0]
        return lambda instance: (getattr(instance, name),)
    if not names:
        return lambda instance: ()
    getter = attrgetter(*names)
    return getter  # (several names: attrgetter gives the tuple itself)


def _eq(values: Callable[[object], tuple[Any, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[object], tuple[Any, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(values(self))

    return __hash__


def _repr(names: list[str]) -> Callable[[object], str]:
    @reprlib.recursive_repr()
    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__
