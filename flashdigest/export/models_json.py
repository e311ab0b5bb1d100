"""``col.models`` as a deck's collection holds it: made once per run, not once per deck.

A deck's ``col.models`` is the JSON of its note types (some 46 KB, mostly their templates and
CSS), written twice, as genanki writes it: first as made, then sorted with the note types'
modification times. Between the decks of a run only the deck's id differs (the note types'
``did``), so the two texts are made once for a deck id no deck has and each deck's id is put in
its place: the same text as ``json.dumps`` of each deck's own note types (the texts are kept cut
where the id goes, and joined around each deck's: a replace would search 46 KB twice a deck).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence

from ..cards.anki_notes import Model

#: a deck id no deck has (Anki's are positive), where a deck's own goes in the texts; as JSON it
#: can only be a key's value (a quote inside a JSON string is escaped)
_NO_DECK = -7265318097
_NO_DECK_DID = f'"did": {_NO_DECK}'


def models_json(
    models: Sequence[Model], timestamp: int, deck_id: int, mods: Mapping[int, int]
) -> tuple[str, str]:
    """``col.models`` of a deck ``deck_id`` holding ``models`` (in this order): as made at
    ``timestamp``, then sorted, with each note type's time from ``mods``."""
    made, final = _texts(tuple(models), timestamp, tuple(sorted(mods.items())))
    did = f'"did": {deck_id}'
    return did.join(made), did.join(final)


@functools.lru_cache(maxsize=8)
def _texts(
    models: tuple[Model, ...], timestamp: int, mods: tuple[tuple[int, int], ...]
) -> tuple[list[str], list[str]]:
    """The two texts for a deck id no deck has, each cut where that id goes."""
    made = {str(model.model_id): model.to_json(timestamp, _NO_DECK) for model in models}
    first = json.dumps(made)
    times = dict(mods)
    for key, model in made.items():
        model["mod"] = times.get(int(key), model["mod"])
    return first.split(_NO_DECK_DID), json.dumps(made, sort_keys=True).split(_NO_DECK_DID)
