"""Anki note types, notes and cards as genanki makes them, without importing genanki.

genanki (MIT, Kerrick Staley) imports PyYAML and, through `cached_property`, asyncio: more than a
daily run's own work costs. These classes hold and compute exactly what genanki's ``Model`` and
``Note`` do for the notes flashdigest writes (the note type's JSON with its ``req``, a note's cards,
GUIDs by :func:`guid_for`), and :mod:`flashdigest.export` writes them into the same rows genanki
would; tests/test_export_writer.py checks the packages against genanki's own, byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from typing import Any

from ..frozen import frozen

#: Anki's note type kinds
FRONT_BACK = 0
CLOZE = 1
DEFAULT_LATEX_PRE = (
    "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n"
    "\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n"
    "\\begin{document}\n"
)
DEFAULT_LATEX_POST = "\\end{document}"
_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
_CLOZE_REFERENCE_RES = (re.compile(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}"), re.compile("<%cloze:(.+?)%>"))
_CLOZE_NUMBER_RE = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)


def guid_for(*values: object) -> str:
    """genanki's GUID of ``values``: the first 64 bits of a SHA-256, in Anki's base 91."""
    digest = hashlib.sha256("__".join(str(value) for value in values).encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    letters = []
    while number > 0:
        number, digit = divmod(number, len(_BASE91))
        letters.append(_BASE91[digit])
    return "".join(reversed(letters))


class Model:
    """A note type: id, name, fields, card templates, CSS (genanki's ``Model``, same JSON)."""

    FRONT_BACK = FRONT_BACK
    CLOZE = CLOZE

    def __init__(
        self,
        model_id: int,
        name: str,
        fields: list[dict[str, Any]],
        templates: list[dict[str, Any]],
        css: str = "",
        model_type: int = FRONT_BACK,
        sort_field_index: int = 0,
        req: list[list[Any]] | None = None,
    ) -> None:
        self.model_id = model_id
        self.name = name
        self.fields = fields
        self.templates = templates
        self.css = css
        self.model_type = model_type
        self.latex_pre = DEFAULT_LATEX_PRE
        self.latex_post = DEFAULT_LATEX_POST
        self.sort_field_index = sort_field_index
        self.given_req = req

    def genanki_args(self) -> dict[str, Any]:
        """The arguments that make genanki's own ``Model`` of this note type (the reference the
        tests and the benchmark's floor compare with; genanki is not imported here)."""
        return {
            "model_id": self.model_id,
            "name": self.name,
            "fields": [{"name": field["name"]} for field in self.fields],
            "templates": [{key: t[key] for key in ("name", "qfmt", "afmt")} for t in self.templates],
            "css": self.css,
            "model_type": self.model_type,
            "sort_field_index": self.sort_field_index,
        }

    @cached_property
    def req(self) -> list[list[Any]]:
        """Per template, the fields its front needs ("all" of them, else "any"): as given (each of
        flashdigest's note types states its own, and the tests check it against
        :meth:`computed_req`: rendering every front a dozen times cost a daily run 3 ms), else
        as computed."""
        return self.given_req if self.given_req is not None else self.computed_req()

    def computed_req(self) -> list[list[Any]]:
        """The ``req`` genanki computes: render each front with each field emptied (then alone filled)."""
        import chevron  # small; only for a note type that does not state its req

        sentinel = "SeNtInEl"
        names = [field["name"] for field in self.fields]
        req: list[list[Any]] = []
        for ordinal, template in enumerate(self.templates):
            needed = [
                index
                for index, name in enumerate(names)
                if sentinel
                not in chevron.render(template["qfmt"], {**dict.fromkeys(names, sentinel), name: ""})
            ]
            if needed:
                req.append([ordinal, "all", needed])
                continue
            needed = [
                index
                for index, name in enumerate(names)
                if sentinel in chevron.render(template["qfmt"], {**dict.fromkeys(names, ""), name: sentinel})
            ]
            if not needed:
                raise ValueError(f"no field makes the front of template {template.get('name')!r}")
            req.append([ordinal, "any", needed])
        return req

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        """The note type as Anki's ``col.models`` holds it (genanki's keys, defaults and order)."""
        for ordinal, template in enumerate(self.templates):
            template["ord"] = ordinal
            for key, default in (("bafmt", ""), ("bqfmt", ""), ("bfont", ""), ("bsize", 0), ("did", None)):
                template.setdefault(key, default)
        for ordinal, field in enumerate(self.fields):
            field["ord"] = ordinal
            for key, value in (("font", "Liberation Sans"), ("media", []), ("rtl", False), ("size", 20)):
                field.setdefault(key, value)
            field.setdefault("sticky", False)
        return {
            "css": self.css,
            "did": deck_id,
            "flds": self.fields,
            "id": str(self.model_id),
            "latexPost": self.latex_post,
            "latexPre": self.latex_pre,
            "latexsvg": False,
            "mod": int(timestamp),
            "name": self.name,
            "req": self.req,
            "sortf": self.sort_field_index,
            "tags": [],
            "tmpls": self.templates,
            "type": self.model_type,
            "usn": -1,
            "vers": [],
        }


@frozen
class Card:
    """One card of a note: its template (cloze number - 1), its place in the new-card queue, and
    whether it is suspended (queue -1)."""

    ord: int
    due: int
    suspend: bool = False


class Note:
    """A note: its note type, fields, tags and GUID; ``due`` is the queue place of its first card
    and ``mod`` its modification time (set by the exporter)."""

    def __init__(self, model: Model, fields: list[str], tags: list[str], guid: str, due: int = 0) -> None:
        if len(fields) != len(model.fields):
            raise ValueError(f"{len(fields)} fields for note type {model.name!r} of {len(model.fields)}")
        self.model = model
        self.fields = fields
        self.tags = tags
        self.guid = guid
        self.due = due
        self.mod: int | None = None

    @property
    def sort_field(self) -> str:
        return self.fields[self.model.sort_field_index]

    @property
    def cards(self) -> list[Card]:
        """The note's cards in template order, due one after another from ``due``."""
        ordinals = self._cloze_ordinals() if self.model.model_type == CLOZE else self._front_back_ordinals()
        return [Card(ordinal, self.due + ordinal) for ordinal in sorted(ordinals)]

    def _front_back_ordinals(self) -> list[int]:
        ops = {"any": any, "all": all}
        return [
            ordinal
            for ordinal, kind, needed in self.model.req
            if ops[kind](self.fields[index] for index in needed)
        ]

    def _cloze_ordinals(self) -> set[int]:
        """One card per cloze number used in the fields the first template's clozes name (none
        when there is no cloze: genanki's fallback to card 1 never applies, so neither does it here)."""
        front = self.model.templates[0]["qfmt"]
        names = {name for pattern in _CLOZE_REFERENCE_RES for name in pattern.findall(front)}
        ordinals: set[int] = set()
        for name in names:
            index = next((i for i, field in enumerate(self.model.fields) if field["name"] == name), -1)
            value = self.fields[index] if index >= 0 else ""
            ordinals.update(int(n) - 1 for n in _CLOZE_NUMBER_RE.findall(value) if int(n) > 0)
        return ordinals
