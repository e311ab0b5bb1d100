"""The output directory's memory between runs: ``.flashdigest-state/index.json``.

It keeps, per input, what was read (a stamp of its size and mtime, a fingerprint of its bytes, and
the dates of its decks), so an unchanged input is not parsed again; and, per deck, what the deck
should be (a hash of its notes, and the size, mtime and SHA-256 of the file written), so an
unchanged deck is not written again and a deck that was deleted, truncated, replaced or edited by
hand is rebuilt. Note modification times are not kept here: they are read from the previous deck
itself (:mod:`flashdigest.export`), so a lost state never makes an unchanged note look newer.

The state is only an optimisation. Anything that cannot be read, or has the wrong shape, costs
one rebuild with a notice (:meth:`ExportState.load`), never a failure; the decision "parse again /
rewrite the deck" is made here, in :meth:`ExportState.unchanged_dates` and
:meth:`ExportState.deck_is_current`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .atomic import TEMP_PREFIX, write_atomically
from .state_records import DeckRecord, InputRecord, guid_lists, real_path, record_from_json

STATE_DIR = ".flashdigest-state"
STATE_VERSION = 4
#: a state file larger than this is not read (a year of decks takes about 200 KB)
MAX_STATE_BYTES = 64 * 1024 * 1024


def remove_temporary_files(out_dir: Path) -> int:
    """Delete what an interrupted run left behind in ``out_dir`` (and its state folder); how many."""
    removed = 0
    state_dir = out_dir / STATE_DIR
    folders = [out_dir, state_dir] if state_dir.is_dir() and not state_dir.is_symlink() else [out_dir]
    for folder in folders:
        for leftover in folder.glob(f"{TEMP_PREFIX}*.tmp"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def sha256_hex(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks: any size hashes in constant memory."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass
class ExportState:
    """What the last runs wrote into one output directory (see the module docstring)."""

    out_dir: Path
    inputs: dict[str, InputRecord] = field(default_factory=dict)
    decks: dict[str, DeckRecord] = field(default_factory=dict)
    #: per delivery target and date ("TARGET|YYYY-MM-DD"), the content of the deck last delivered
    #: there: a deck not delivered (Anki was open) is delivered by the next run, changed or not
    delivered: dict[str, str] = field(default_factory=dict)
    #: per delivery target, the GUIDs of every note delivered there: one missing from the
    #: collection later was deleted by the learner, and is not delivered again
    delivered_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: per date, the hash of the digest (and settings) that gave its deck: a date of a changed
    #: archive whose digest is the same is not built again
    digests: dict[str, str] = field(default_factory=dict)
    #: per archive input, what its reader learnt of its rows (JSON of flashdigest.parse.jsonl_memory,
    #: which checks its shape): the dates of rows unchanged since are known without decoding them
    archives: dict[str, Any] = field(default_factory=dict)
    #: whether something changed since the last save
    dirty: bool = False

    @property
    def path(self) -> Path:
        return self.out_dir / STATE_DIR / "index.json"

    @classmethod
    def load(cls, out_dir: Path) -> tuple[ExportState, str | None]:
        """The state of ``out_dir``, and a notice when it existed but could not be used.

        Missing: an empty state, no notice. Unreadable, too large, of another version or of the
        wrong shape: an empty state (every input is read again, unchanged decks are still not
        written again) and a notice saying why."""
        path = out_dir / STATE_DIR / "index.json"
        if path.parent.is_symlink() or (path.parent.exists() and not path.parent.is_dir()):
            return cls(out_dir), _lost(path.parent, "is not a folder of its own (replaced by one)")
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return cls(out_dir), None
        except OSError as exc:
            return cls(out_dir), _lost(path, exc.strerror or str(exc))
        if size > MAX_STATE_BYTES:
            return cls(out_dir), _lost(path, f"{size} bytes, over the {MAX_STATE_BYTES} a state takes")
        try:
            data = json.loads(path.read_bytes())
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                return cls(out_dir), _lost(path, "written by another version of flashdigest")
            inputs = {str(k): record_from_json(InputRecord, v) for k, v in dict(data["inputs"]).items()}
            decks = {str(k): record_from_json(DeckRecord, v) for k, v in dict(data["decks"]).items()}
            delivered = dict(data.get("delivered", {}))
            digests = dict(data.get("digests", {}))
            if not all(isinstance(v, str) for v in [*delivered.values(), *digests.values()]):
                raise ValueError("delivered, digests: not tables of hashes")
            notes = guid_lists(data.get("delivered_notes", {}))
            archives = data.get("archives", {})
            if not isinstance(archives, dict):
                raise ValueError("archives: not a table")
        except (OSError, ValueError, TypeError, KeyError, RecursionError, MemoryError) as exc:
            return cls(out_dir), _lost(path, f"cannot be read ({type(exc).__name__})")
        state = cls(out_dir, inputs, decks, delivered, notes, digests, archives)
        state.prune()
        return state, None

    def prune(self) -> None:
        """Forget the inputs that no longer exist (their decks stay: they are the learner's)."""
        gone = [key for key in self.inputs if not os.path.lexists(key)]
        for key in gone:
            del self.inputs[key]
        gone_archives = [key for key in self.archives if not os.path.lexists(key)]
        for key in gone_archives:
            del self.archives[key]
        self.dirty = self.dirty or bool(gone) or bool(gone_archives)

    def save(self, durable: bool = True) -> None:
        """Write the index if it changed, through a temporary file and a rename."""
        if not self.dirty:
            return
        data = {
            "version": STATE_VERSION,
            "inputs": {key: vars(record) for key, record in sorted(self.inputs.items())},
            "decks": {key: vars(record) for key, record in sorted(self.decks.items())},
            "delivered": dict(sorted(self.delivered.items())),
            "delivered_notes": {key: list(guids) for key, guids in sorted(self.delivered_notes.items())},
            "digests": dict(sorted(self.digests.items())),
            "archives": dict(sorted(self.archives.items())),
        }
        _write_json(self.path, data, durable)
        self.dirty = False

    # -- the decisions ----------------------------------------------------------------------------
    def unchanged_dates(
        self, source: Path, stamp: tuple[str | int | None, ...], fingerprint: Callable[[], str]
    ) -> tuple[str, ...] | None:
        """The dates of ``source``'s decks if the input need not be read again, else None.

        It need not be when its stamp (size and mtime; else its ``fingerprint()``, the hash of
        its bytes, when one was kept) matches the last export and every deck it gave is still on
        disk as written."""
        record = self.inputs.get(source_name(source))
        if record is None or not all(self.deck_intact(date) for date in record.dates):
            return None
        if record.stamp == stamp:
            return record.dates
        if record.fingerprint and record.fingerprint == fingerprint():  # ("": none kept, an archive's)
            self.record_input(source, stamp, lambda: record.fingerprint, record.dates)  # touched, not changed
            return record.dates
        return None

    def deck_is_current(self, date: str, content: str) -> bool:
        """Whether the deck of ``date`` on disk already holds ``content`` (no need to write it)."""
        record = self.decks.get(date)
        return record is not None and record.content == content and self.deck_intact(date)

    def deck_intact(self, date: str) -> bool:
        """Whether the deck file of ``date`` is the file last written: its size and mtime, or,
        when only the mtime moved, its bytes (a deck edited or replaced by hand is not)."""
        record = self.decks.get(date)
        if record is None:
            return False
        path = self.out_dir / f"{date}.apkg"
        try:
            info = path.stat()
            if info.st_size != record.size:
                return False
            if info.st_mtime_ns == record.mtime_ns:
                return True
            if file_sha256(path) != record.sha256:
                return False
        except OSError:
            return False
        self.decks[date] = replace(record, mtime_ns=info.st_mtime_ns)
        self.dirty = True
        return True

    # -- recording ---------------------------------------------------------------------------------
    def record_deck(
        self, date: str, source: Path, richness: Iterable[int], content: str, data: bytes | None = None
    ) -> None:
        """Remember the deck file of ``date`` as it is on disk now (``data``: its bytes, when the
        caller has just written them or found them there; else they are read back, unless the file
        is the one recorded, by its size and mtime, as :meth:`deck_intact` judges)."""
        path = self.out_dir / f"{date}.apkg"
        info = path.stat()
        old = self.decks.get(date)
        if data is not None:
            sha256 = hashlib.sha256(data).hexdigest()
        elif old is not None and (old.size, old.mtime_ns) == (info.st_size, info.st_mtime_ns):
            sha256 = old.sha256
        else:
            sha256 = file_sha256(path)
        record = DeckRecord(
            source_name(source), tuple(richness), content, info.st_size, info.st_mtime_ns, sha256
        )
        if old != record:
            self.decks[date] = record
            self.dirty = True

    def record_digest(self, date: str, digest: str) -> None:
        """Remember the hash of the digest that gave the deck of ``date`` (after record_deck)."""
        if self.digests.get(date) != digest:
            self.digests[date] = digest
            self.dirty = True

    def unchanged_digest(self, date: str, source: Path, digest: str) -> DeckRecord | None:
        """The record of the deck of ``date`` when ``source`` gave it from this very digest and
        the file is intact: nothing to build or write for it."""
        record = self.decks.get(date)
        if record is None or self.digests.get(date) != digest or record.source != source_name(source):
            return None
        return record if self.deck_intact(date) else None

    def record_input(
        self,
        source: Path,
        stamp: tuple[str | int | None, ...],
        fingerprint: Callable[[], str],
        dates: Iterable[str],
    ) -> None:
        """``source`` exported into ``dates``, with its stamp and ``fingerprint()``; an archive with
        none (``""``): its rows' memory tells its unchanged dates in the one pass a read makes."""
        name = source_name(source)
        kept = "" if self.archives.get(name) is not None else fingerprint()
        record = InputRecord(tuple(stamp), kept, tuple(sorted(set(dates))))
        if self.inputs.get(name) != record:
            self.inputs[name] = record
            self.dirty = True

    def undelivered(self, target: str, dates: Iterable[str]) -> list[str]:
        """Of ``dates``, those whose deck ``target`` has not had in its present content."""
        return [
            date
            for date in dates
            if date in self.decks and self.delivered.get(f"{target}|{date}") != self.decks[date].content
        ]

    def record_delivered(self, target: str, dates: Iterable[str]) -> None:
        for date in dates:
            self.delivered[f"{target}|{date}"] = self.decks[date].content
            self.dirty = True

    def notes_delivered(self, target: str) -> frozenset[str]:
        """The GUIDs of the notes delivered to ``target`` so far."""
        return frozenset(self.delivered_notes.get(target, ()))

    def remember_notes(self, target: str, guids: Iterable[str]) -> None:
        known = self.notes_delivered(target)
        added = set(guids) - known
        if added:
            self.delivered_notes[target] = tuple(sorted(known | added))
            self.dirty = True

    def archive_memory(self, source: Path) -> Any:
        """What the last run's reader learnt of the archive ``source`` (its JSON), or None."""
        return self.archives.get(source_name(source))

    def remember_archive(self, source: Path, memory: Any) -> None:
        """Keep what the reader learnt of the archive ``source`` (kept when the input is forgotten:
        it says only which rows gave which digest, each checked again against the decks)."""
        if self.archives.get(source_name(source)) != memory:
            self.archives[source_name(source)] = memory
            self.dirty = True

    def forget_input(self, source: Path) -> None:
        if self.inputs.pop(source_name(source), None) is not None:
            self.dirty = True


def source_name(source: Path) -> str:
    """How the state names an input or a deck's source: its real path (resolved once a run)."""
    return real_path(str(source))


def _lost(path: Path, why: str) -> str:
    return f"{path}: state {why}; inputs are read again (unchanged decks are not rewritten)"


def _write_json(path: Path, data: Any, durable: bool) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename (so a state folder
    on another file system works); a file or a symlink in the state folder's place is replaced."""
    folder = path.parent
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()  # ours by its name: a symlink (to elsewhere) or a stray file
    folder.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():  # something in the state's own place: replaced
        import shutil  # (only then)

        shutil.rmtree(path)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    write_atomically(path, text.encode("utf-8"), durable=durable)
