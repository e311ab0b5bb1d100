"""The learner's versions of flashdigest's note types as AnkiConnect shows them: their names and
field names (what :func:`.notetypes.changes_for` compares) and their look (name, fields, CSS and
templates: what :func:`.notetypes.earlier_versions` compares). Each is asked once a delivery."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..export.notetype_times import notetype_look

if TYPE_CHECKING:
    from .ankiconnect_client import AnkiConnect
    from .package import PackageContent


class LearnerNotetypes:
    """What AnkiConnect says of the collection's note types, by id (one call for the names, one
    per note type for its fields, and two more for its look when that is asked)."""

    def __init__(self, anki: AnkiConnect) -> None:
        self.anki = anki
        self._fields: dict[str, list[str]] = {}

    @cached_property
    def names(self) -> dict[int, str]:
        return {int(mid): str(name) for name, mid in dict(self.anki.call("modelNamesAndIds")).items()}

    def name(self, mid: int) -> str:
        return self.names.get(mid, str(mid))

    def fields(self, mid: int) -> tuple[str, list[str]] | None:
        """The note type's name and field names in the collection; None when it has none."""
        name = self.names.get(mid)
        if name is None:
            return None
        if name not in self._fields:
            self._fields[name] = [str(f) for f in self.anki.call("modelFieldNames", modelName=name)]
        return name, self._fields[name]

    def look(self, mid: int) -> str | None:
        """The note type's :func:`~flashdigest.export.notetype_times.notetype_look`; None when
        the collection has none."""
        held = self.fields(mid)
        if held is None:
            return None
        name, fields = held
        css = str(dict(self.anki.call("modelStyling", modelName=name))["css"])
        templates: dict[str, Any] = dict(self.anki.call("modelTemplates", modelName=name))
        sides = [(str(t), str(s["Front"]), str(s["Back"])) for t, s in templates.items()]
        return notetype_look(name, css, fields, sides)

    def held(self) -> list[int]:
        """The ids of the note types the collection has."""
        return list(self.names)

    def bring_up_to_date(self, earlier: Sequence[int], contents: Sequence[PackageContent]) -> list[str]:
        """Give each note type of ``earlier`` (ids) this version's templates and CSS, with
        AnkiConnect's ``updateModelTemplates`` and ``updateModelStyling`` (which keep the fields,
        so no full sync follows); their names."""
        ours = {mid: model for content in contents for mid, model in content.models.items()}
        names = []
        for mid in sorted(earlier):
            name = self.names[mid]
            templates = ours[mid]["tmpls"]
            sides = {str(t["name"]): {"Front": str(t["qfmt"]), "Back": str(t["afmt"])} for t in templates}
            self.anki.call("updateModelTemplates", model={"name": name, "templates": sides})
            self.anki.call("updateModelStyling", model={"name": name, "css": str(ours[mid]["css"])})
            names.append(name)
        return names
