"""The output directory's memory between runs: the folder ``.flashdigest-state/``.

``index.json`` keeps, per input, a fingerprint of what was read (so an unchanged input is not
parsed again) and, per deck, a hash of what was written (so an unchanged deck is not written
again). ``notes/YYYY-MM.json`` keeps, per note of that month's decks, a hash of its content with
the modification time it was given; only the month being built is held in memory, so memory does
not grow with the number of decks (and a year of decks costs twelve small writes, not 365).
A note keeps its modification time while its content is unchanged, which makes the package
byte-identical; a changed note gets a newer one, which is what makes Anki's importer take the
correction. A lost, deleted or unreadable state costs a rebuild in which
every note counts as newer: never a dropped correction.
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

STATE_DIR = ".flashdigest-state"
STATE_VERSION = 3
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


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any, out_dir: Path, durable: bool) -> None:
    """Write ``data`` to ``path`` through a temporary file in ``out_dir`` and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, sort_keys=True, separators=(",", ":")))
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@dataclass
class ExportState:
    """What the last runs wrote into one output directory (see the module docstring)."""

    out_dir: Path
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    decks: dict[str, dict[str, Any]] = field(default_factory=dict)
    notetypes: dict[str, int] = field(default_factory=dict)
    #: whether the index changed since load (an unchanged index is not written again)
    dirty: bool = False
    #: the one month (YYYY-MM) whose note table is in memory, that table, and whether it changed
    notes_month: str | None = None
    notes: dict[str, list[Any]] = field(default_factory=dict)
    notes_dirty: bool = False

    @classmethod
    def load(cls, out_dir: Path) -> ExportState:
        """The state of ``out_dir``; an empty one if it is missing, unreadable or of another version."""
        data = _read_json(out_dir / STATE_DIR / "index.json")
        try:
            if data.get("version") == STATE_VERSION:
                return cls(out_dir, data["inputs"], data["decks"], data["notetypes"])
        except (KeyError, TypeError, AttributeError):
            pass
        return cls(out_dir)

    def set_deck(self, date: str, record: dict[str, Any]) -> None:
        if self.decks.get(date) != record:
            self.decks[date] = record
            self.dirty = True

    def save(self) -> None:
        """Write what changed: the note table in memory, then the index (flushed to disk)."""
        self._flush_notes()
        if self.dirty:
            index = {
                "version": STATE_VERSION,
                "inputs": self.inputs,
                "decks": self.decks,
                "notetypes": self.notetypes,
            }
            _write_json(self.out_dir / STATE_DIR / "index.json", index, self.out_dir, durable=True)
            self.dirty = False

    # -- modification times --------------------------------------------------------------------
    def note_mod(self, date: str, guid: str, content_hash: str, now: int) -> int:
        """The mod time of a note: kept while its content is unchanged, else newer than before."""
        self._use_notes(date[:7])
        key = f"{date}/{guid}"
        entry = self.notes.get(key)
        if entry is not None and entry[0] == content_hash:
            return int(entry[1])
        mod = now if entry is None else max(now, int(entry[1]) + 1)
        self.notes[key] = [content_hash, mod]
        self.notes_dirty = True
        return mod

    def notetype_mod(self, content_hash: str, now: int) -> int:
        """The mod time of a note type version: the first time this exact version was written."""
        if content_hash not in self.notetypes:
            newest = max(self.notetypes.values(), default=0)
            self.notetypes[content_hash] = max(now, newest + 1)
            self.dirty = True
        return self.notetypes[content_hash]

    def _notes_path(self, month: str) -> Path:
        return self.out_dir / STATE_DIR / "notes" / f"{month}.json"

    def _use_notes(self, month: str) -> None:
        if month == self.notes_month:
            return
        self._flush_notes()
        table = _read_json(self._notes_path(month))
        self.notes_month, self.notes = month, table if isinstance(table, dict) else {}

    def _flush_notes(self) -> None:
        """Write the note table in memory if it changed. Not fsynced: a table lost to a crash reads
        as empty, which only makes the next build give those notes newer times."""
        if self.notes_month is not None and self.notes_dirty:
            _write_json(self._notes_path(self.notes_month), self.notes, self.out_dir, durable=False)
            self.notes_dirty = False

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
