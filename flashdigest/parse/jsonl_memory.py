"""What an archive's reader remembers between runs, so that a grown archive re-reads only what changed.

Per archive (kept by the caller, in the output directory's state, as plain JSON) and per deck
date: the hashes of its rows' bytes in order (SHA-256), a key over them and over what else the
date's digest depends on (how many places its rows come in; their line numbers when its digest
had notices, which name lines), and the key of the digest they gave. On the next run every line
is hashed, not decoded: a row whose hash is known gives its date without JSON, and a date whose
key is the same comes as a :class:`KnownDate`, decoded only if the caller asks for it.

Everything remembered is salted (flashdigest's code, the limits, the options, the archive's path):
any change of them forgets it all. A date with rows without a ``date`` is always decoded: which
undated papers it keeps depends on the dates before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..frozen import frozen
from ..model import Digest

#: bytes of a row's hash: a collision among a few million rows stays below one in 10^16
ROW_HASH_BYTES = 12
_HEX = 2 * ROW_HASH_BYTES


#: what ``bytes.strip()`` strips (ASCII white space)
_SPACE = frozenset(b" \t\n\r\x0b\x0c")


def row_hash(raw: bytes) -> bytes:
    """The hash of a line's row: its bytes without the surrounding whitespace (and newline), the
    first ROW_HASH_BYTES of their SHA-256 (OpenSSL's, with the CPU's SHA instructions: twice
    BLAKE2b's speed here, and an appended day's run hashes every line of the archive)."""
    start, end = 0, len(raw)
    while start < end and raw[start] in _SPACE:
        start += 1
    while end > start and raw[end - 1] in _SPACE:
        end -= 1
    return hashlib.sha256(memoryview(raw)[start:end]).digest()[:ROW_HASH_BYTES]


@dataclass(slots=True)
class DateRows:
    """A date's rows as the first pass found them (the rows its digest is read from), in order:
    their hashes end to end, and their line numbers (some 20 bytes a row in all)."""

    hashes: bytearray = field(default_factory=bytearray)
    lines: array[int] = field(default_factory=lambda: array("Q"))

    def add(self, digest: bytes, line: int) -> None:
        self.hashes += digest
        self.lines.append(line)


@frozen
class DateMemory:
    """One date as last read: its key, its digest's key, its rows' hashes (hex, in order) and
    whether it had undated rows and whether its key holds line numbers."""

    key: str
    digest_key: str
    rows: str
    undated: bool
    with_lines: bool


@frozen
class KnownDate:
    """A date whose rows are those that gave the digest of key ``digest_key`` last time; ``read()``
    decodes it all the same (only before the next item is asked of the reader)."""

    date: dt.date
    digest_key: str
    read: Callable[[], Digest]


def date_key(salt: str, rows: DateRows, run_starts: Sequence[int], with_lines: bool) -> str:
    """The key of a date's rows: their hashes in order, the number of places they come in, and
    (``with_lines``) their line numbers and those places'."""
    key = hashlib.blake2b(salt.encode("utf-8"), digest_size=16)
    key.update(f"{len(run_starts)}/{with_lines}".encode())
    key.update(rows.hashes)
    if with_lines:
        key.update(repr((rows.lines.tolist(), list(run_starts))).encode())
    return key.hexdigest()


class ArchiveMemory:
    """What the last run remembered of one archive (``data``, its JSON; anything else: nothing),
    and what this run learns, for :meth:`to_json`."""

    def __init__(self, salt: str, data: object = None) -> None:
        self.salt = salt
        self.previous = _from_json(data, salt)
        self.current: dict[str, DateMemory] = {}
        self._pending: dict[str, DateMemory] = {}
        self._dates: dict[bytes, dt.date] | None = None

    def date_of(self, digest: bytes) -> dt.date | None:
        """The date of the row of hash ``digest``, when the last run read it."""
        if self._dates is None:
            self._dates = {}
            for iso, entry in self.previous.items():
                date = dt.date.fromisoformat(iso)
                for start in range(0, len(entry.rows), _HEX):
                    self._dates[bytes.fromhex(entry.rows[start : start + _HEX])] = date
        return self._dates.get(digest)

    def unchanged(self, date: dt.date, rows: DateRows, run_starts: Sequence[int]) -> DateMemory | None:
        """The memory of ``date`` when its rows are the same as last time (and it has no undated rows)."""
        entry = self.previous.get(date.isoformat())
        if (
            entry is None
            or entry.undated
            or date_key(self.salt, rows, run_starts, entry.with_lines) != entry.key
        ):
            return None
        self._pending[date.isoformat()] = entry
        return entry

    def read(
        self, date: dt.date, rows: DateRows, run_starts: Sequence[int], undated: bool, notices: bool
    ) -> None:
        """Note that ``date`` was decoded from ``rows``: remembered once its digest's key is known."""
        key = date_key(self.salt, rows, run_starts, notices)
        self._pending[date.isoformat()] = DateMemory(key, "", rows.hashes.hex(), undated, notices)

    def remember(self, date: dt.date, digest_key: str) -> None:
        """``date``, read last (:meth:`unchanged` or :meth:`read`), gave the digest of ``digest_key``."""
        entry = self._pending.pop(date.isoformat(), None)
        if entry is not None:
            self.current[date.isoformat()] = DateMemory(
                entry.key, digest_key, entry.rows, entry.undated, entry.with_lines
            )

    def to_json(self) -> dict[str, object]:
        """What this run learnt (the dates it gave digests of), for the next run's ``data``."""
        dates = {
            iso: [entry.key, entry.digest_key, entry.rows, int(entry.undated), int(entry.with_lines)]
            for iso, entry in sorted(self.current.items())
        }
        return {"salt": self.salt, "dates": dates}


def _from_json(data: object, salt: str) -> dict[str, DateMemory]:
    """The dates of :meth:`ArchiveMemory.to_json`'s ``data`` if it has that shape and ``salt``, else none."""
    if not isinstance(data, dict) or data.get("salt") != salt or not isinstance(data.get("dates"), dict):
        return {}
    dates: dict[str, DateMemory] = {}
    for iso, entry in data["dates"].items():
        if not (isinstance(entry, list) and len(entry) == 5 and _valid(iso, entry)):
            return {}
        dates[iso] = DateMemory(entry[0], entry[1], entry[2], bool(entry[3]), bool(entry[4]))
    return dates


def _valid(iso: object, entry: list[object]) -> bool:
    texts, flags = entry[:3], entry[3:]
    if not all(isinstance(text, str) for text in texts) or not all(flag in (0, 1) for flag in flags):
        return False
    rows = entry[2]
    try:
        dt.date.fromisoformat(str(iso))
        bytes.fromhex(str(rows))
    except ValueError:
        return False
    return isinstance(rows, str) and len(rows) % _HEX == 0
