"""The floor: a bare genanki script that writes the same notes into the same decks, no parsing.

python bench/floor.py dump NOTES_JSON INPUT_DIR   (untimed: records what flashdigest would write)
python bench/floor.py write NOTES_JSON OUT_DIR    (timed: genanki alone writes those decks)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def dump(notes_json: Path, input_dir: Path) -> None:
    from flashdigest.cards import build_deck
    from flashdigest.parse import read_digests

    decks = []
    media_dir = notes_json.parent / "floor-media"
    media_dir.mkdir(exist_ok=True)
    for path in sorted(input_dir.glob("*.html")):
        for digest in read_digests(path):
            build = build_deck(digest)
            for media in build.media:
                (media_dir / media.name).write_bytes(media.data)
            decks.append(
                {
                    "date": build.date.isoformat(),
                    "deck_id": build.deck_id,
                    "deck_name": build.deck_name,
                    "notes": [
                        {"model": n.model.model_id, "fields": n.fields, "tags": list(n.tags), "guid": n.guid}
                        for n in build.notes
                    ],
                    "media": [str(media_dir / m.name) for m in build.media],
                }
            )
    notes_json.write_text(json.dumps(decks), encoding="utf-8")


def write(notes_json: Path, out_dir: Path) -> None:
    import genanki

    from flashdigest.cards import all_models

    # the same note types, as genanki's own objects
    models = {model.model_id: genanki.Model(**model.genanki_args()) for model in all_models()}
    out_dir.mkdir(parents=True, exist_ok=True)
    for deck_data in json.loads(notes_json.read_text(encoding="utf-8")):
        deck = genanki.Deck(deck_data["deck_id"], deck_data["deck_name"])
        for note in deck_data["notes"]:
            deck.add_note(
                genanki.Note(
                    model=models[note["model"]], fields=note["fields"], tags=note["tags"], guid=note["guid"]
                )
            )
        package = genanki.Package(deck, media_files=deck_data["media"])
        package.write_to_file(str(out_dir / f"{deck_data['date']}.apkg"))


if __name__ == "__main__":
    command, notes, folder = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"dump": dump, "write": write}[command](notes, folder)
