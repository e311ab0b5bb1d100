"""Which note of the collection in Anki holds which flashdigest GUID, remembered between
AnkiConnect deliveries (AnkiConnect reports no GUIDs, and Anki's importer gives imported notes
ids of its own).

The map lives beside the decks, in ``<out>/.flashdigest-state/anki-connect-notes.json``, one
table per Anki profile (AnkiConnect's URL and the profile's media folder). It is only a cache:
a note of flashdigest's note types that the map does not know is looked up once by exporting the
decks that hold its cards (into a private temporary folder), and an unreadable map is rebuilt
that way, never a failure.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path

from ..atomic import write_atomically
from ..state import STATE_DIR

MAP_NAME = "anki-connect-notes.json"
#: a map file larger than this is not read (a year of decks: about 10,000 notes, 400 KB)
MAX_MAP_BYTES = 64 * 1024 * 1024


def map_path(deck_dir: Path) -> Path:
    return deck_dir / STATE_DIR / MAP_NAME


def load_map(path: Path, profile: str) -> dict[str, int]:
    """GUID -> note id in ``profile``; empty when there is none that reads."""
    try:
        if path.stat().st_size > MAX_MAP_BYTES:
            return {}
        table = json.loads(path.read_text(encoding="utf-8")).get(profile, {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {
        str(guid): nid for guid, nid in table.items() if isinstance(nid, int) and not isinstance(nid, bool)
    }


def save_map(path: Path, profile: str, table: Mapping[str, int]) -> None:
    """Replace ``profile``'s table in the map file (through a temporary file and a rename); a map
    that cannot be written is not an error (the next delivery looks the notes up again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[profile] = dict(sorted(table.items()))
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    # temporary file in the output directory, where an interrupted run's leftovers are cleaned up
    with contextlib.suppress(OSError):  # a map not saved costs one lookup next run, never a duplicate
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text.encode("utf-8"), durable=False, temp_dir=path.parent.parent)
