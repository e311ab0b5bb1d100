"""The output directory's memory between runs: ``.flashdigest-state.json``.

It keeps, per input, a fingerprint of what was read (so an unchanged input is not parsed again);
per deck, a hash of what was written (so an unchanged deck is not written again); and per note,
a hash of its content with the modification time it was given. A note keeps its modification time
while its content is unchanged, which makes the package byte-identical; a changed note gets a
newer one, which is what makes Anki's importer take the correction. Losing the file costs a
rebuild in which every note counts as newer: never a dropped correction.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_NAME = ".flashdigest-state.json"
STATE_VERSION = 2
#: temporary files of this directory's writers (decks and the state) start with this
TEMP_PREFIX = ".flashdigest-"


def remove_temporary_files(out_dir: Path) -> int:
    """Delete what an interrupted run left behind in ``out_dir``; how many files."""
    removed = 0
    for leftover in out_dir.glob(f"{TEMP_PREFIX}*.tmp"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def sha256_hex(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class ExportState:
    """What the last runs wrote into one output directory (see the module docstring)."""

    path: Path
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    decks: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, list[Any]] = field(default_factory=dict)
    notetypes: dict[str, int] = field(default_factory=dict)
    #: whether anything changed since load (an unchanged state is not written again)
    dirty: bool = False

    @classmethod
    def load(cls, out_dir: Path) -> ExportState:
        """The state of ``out_dir``; an empty one if it is missing, unreadable or of another version."""
        path = out_dir / STATE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                return cls(path)
            return cls(path, data["inputs"], data["decks"], data["notes"], data["notetypes"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)

    def set_deck(self, date: str, record: dict[str, Any]) -> None:
        if self.decks.get(date) != record:
            self.decks[date] = record
            self.dirty = True

    def save(self) -> None:
        """Write the state atomically (temporary file, flush, rename), if anything changed."""
        if not self.dirty:
            return
        data = {
            "version": STATE_VERSION,
            "inputs": self.inputs,
            "decks": self.decks,
            "notes": self.notes,
            "notetypes": self.notetypes,
        }
        descriptor, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(data, sort_keys=True, separators=(",", ":")))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # -- modification times --------------------------------------------------------------------
    def note_mod(self, key: str, content_hash: str, now: int) -> int:
        """The mod time of a note: kept while its content is unchanged, else newer than before."""
        return self._mod(self.notes, key, content_hash, now)

    def notetype_mod(self, content_hash: str, now: int) -> int:
        """The mod time of a note type version: the first time this exact version was written."""
        if content_hash not in self.notetypes:
            newest = max(self.notetypes.values(), default=0)
            self.notetypes[content_hash] = max(now, newest + 1)
            self.dirty = True
        return self.notetypes[content_hash]

    def _mod(self, table: dict[str, list[Any]], key: str, content_hash: str, now: int) -> int:
        entry = table.get(key)
        if entry is not None and entry[0] == content_hash:
            return int(entry[1])
        mod = now if entry is None else max(now, int(entry[1]) + 1)
        table[key] = [content_hash, mod]
        self.dirty = True
        return mod

    # -- incremental runs -----------------------------------------------------------------------
    def input_entry(self, source: Path) -> dict[str, Any] | None:
        return self.inputs.get(str(source.resolve()))

    def decks_present(self, entry: dict[str, Any], out_dir: Path) -> bool:
        return all((out_dir / f"{date}.apkg").is_file() for date in entry.get("dates", []))

    def record_input(self, source: Path, fingerprint: str, stamp: list[Any], dates: Iterable[str]) -> None:
        entry = {"fingerprint": fingerprint, "stamp": stamp, "dates": sorted(set(dates))}
        if self.inputs.get(str(source.resolve())) != entry:
            self.inputs[str(source.resolve())] = entry
            self.dirty = True

    def forget_input(self, source: Path) -> None:
        if self.inputs.pop(str(source.resolve()), None) is not None:
            self.dirty = True
