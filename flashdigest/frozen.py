"""``@frozen``: a dataclass of values, never assigned to once made, which mypy checks.

Public entry point: :func:`frozen`, used where ``@dataclass(frozen=True)`` would be.

The records passed between the stages (a paper, a deck, an input's record in the state) are values:
made whole, compared and hashed by their fields, changed only by making another
(``dataclasses.replace``). ``@dataclass(frozen=True)`` says so and also guards it at run time:
Python 3.11 compiles a ``__setattr__`` and a ``__delattr__`` that raise, and a ``__hash__``, from
source for every such class when its module is imported. That is some 200 µs a class, 7 ms of a
daily run's 117 (33 classes; docs/performance.md). ``@frozen`` makes the same dataclass (the same
fields, ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__``; ``replace``, ``fields`` and
``asdict`` work as before) and leaves the guard to mypy, which runs over the package and its
tests in ``make lint``: the decorator is declared a dataclass transform that is frozen by default
(PEP 681), so assigning to a field is a type error ("read-only"), as it is for
``@dataclass(frozen=True)`` (mypy checks no ``del`` of a field, for either).
``tests/test_frozen.py`` checks both halves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, dataclass_transform

__all__ = ["frozen"]

_Class = TypeVar("_Class")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[_Class]) -> type[_Class]:
    """``cls`` made a dataclass compared and hashed by its fields, its fields read-only to mypy."""
    return dataclass(unsafe_hash=True)(cls)
