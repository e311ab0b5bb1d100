"""The generator's JSON-lines archive: one paper a line -> one Digest per digest date.

The file is streamed in two passes, so memory does not grow with the number of rows:

1. *index*: every line is hashed; a row the last run read (its hash in the archive's
   :class:`~.jsonl_memory.ArchiveMemory`) gives its date without being decoded, any other line is
   decoded and checked (a good row decoded here is kept for pass 2 while they take little room).
   The byte ranges of consecutive rows of the same deck date ("runs") are remembered, and each bad
   line becomes a ParseError with its number.
2. *read*: for each deck date, in the order of its first row, its runs are read again and turned
   into a Digest. A date whose rows reappear later in the file is still one digest. A date whose
   rows are those of the last run comes as a :class:`~.jsonl_memory.KnownDate` instead, decoded
   only if the caller asks.

Rows without a ``date`` (the archive's oldest) are filed under their ``published_at`` date, with a
notice; the same paper in several undated rows becomes one paper. Within a date, a paper that
appears twice is kept once (the richer row; on a tie, the later one).

Rows are held to the same limits as every format (at most ``max_papers`` rows a date,
text lengths, questions, options), so that what ``inspect`` prints can be exported again.

After the last digest, bad lines are raised together as :class:`~flashdigest.errors.LineErrors`,
so the caller has exported every good date before it hears of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, overload

from ..errors import LineErrors, ParseError
from ..limits import LIMITS
from ..model import Digest, Paper
from ..textutil import clean_text
from . import jsonl_lines
from .jsonl_lines import MAX_LINE_BYTES, READ_BUFFER, as_utf8, lines, replacement
from .jsonl_memory import ArchiveMemory, DateRows, KnownDate, row_hash
from .jsonl_row import ArchiveRow

__all__ = ["MAX_LINE_BYTES", "parse_jsonl"]

#: bad lines reported one by one; any beyond are summed up in one more error
MAX_REPORTED_LINES = 50
#: rows decoded in pass 1 are kept for pass 2 while their lines total no more than this
KEEP_ROW_BYTES = 256 * 1024

#: a good row, decoded, and what decoding its line replaced (for a notice), if anything
_Decoded = tuple[ArchiveRow, str | None]


@dataclass(slots=True)
class _Run:
    """Consecutive lines whose rows share a deck date: [start, end) in bytes, from first_line."""

    start: int
    end: int
    first_line: int


@dataclass
class _Index:
    runs: dict[dt.date, list[_Run]] = field(default_factory=dict)
    #: per date, the rows its digest is read from (the first max_papers), by hash and line
    rows: dict[dt.date, DateRows] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    bad_lines: int = 0
    #: the line after which the file was read no further (far more bad lines than rows)
    stopped_at: int | None = None
    #: rows decoded in pass 1, by line, for pass 2 (up to KEEP_ROW_BYTES of their lines)
    kept: dict[int, _Decoded] = field(default_factory=dict)
    kept_bytes: int = 0
    good_rows: int = 0

    def reject(self, error: ParseError) -> None:
        self.bad_lines += 1
        if len(self.errors) < MAX_REPORTED_LINES:
            self.errors.append(error)

    def count_row(self, date: dt.date, digest: bytes, line: int, path: Path) -> bool:
        """Count the row on ``line`` for ``date``; False (a bad line) once the date has max_papers rows."""
        rows = self.rows.get(date)
        if rows is None and len(self.rows) >= LIMITS.max_digests:  # each date is a deck to write
            self.reject(ParseError(f"over {LIMITS.max_digests} digest dates in one archive", path, line))
            return False
        if rows is not None and len(rows.lines) >= LIMITS.max_papers:
            self.reject(
                ParseError(
                    f"{date} already has {LIMITS.max_papers} rows, the most a digest takes", path, line
                )
            )
            return False
        self.rows.setdefault(date, DateRows()).add(digest, line)
        self.good_rows += 1
        return True

    def keep(self, row: ArchiveRow, raw: bytes) -> None:
        if self.kept_bytes + len(raw) <= KEEP_ROW_BYTES:
            self.kept[row.line] = (row, replacement(raw))
            self.kept_bytes += len(raw)


@overload
def parse_jsonl(path: Path) -> Iterator[Digest]: ...
@overload
def parse_jsonl(path: Path, memory: ArchiveMemory | None) -> Iterator[Digest | KnownDate]: ...
def parse_jsonl(path: Path, memory: ArchiveMemory | None = None) -> Iterator[Digest | KnownDate]:
    """Yield one Digest per deck date of the archive at ``path`` (a KnownDate for a date whose rows
    ``memory`` knows unchanged); then raise LineErrors if some lines could not be read."""
    try:
        with path.open("rb", buffering=READ_BUFFER) as raw, as_utf8(raw) as handle:
            index = _index(handle, path, memory)
            reader = _Reader(handle, path, index, memory)
            for date, runs in index.runs.items():
                starts = [run.first_line for run in runs]
                known = memory.unchanged(date, index.rows[date], starts) if memory is not None else None
                if known is None:
                    yield reader.digest(date)
                else:
                    yield KnownDate(date, known.digest_key, functools.partial(reader.digest, date))
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}", path) from None
    if index.bad_lines:
        raise LineErrors(tuple(_reported_errors(index, path)), path)


def _reported_errors(index: _Index, path: Path) -> list[ParseError]:
    errors = list(index.errors)
    unreported = index.bad_lines - len(errors)
    if index.stopped_at is not None:
        errors.append(
            ParseError(
                f"read no further than line {index.stopped_at}: {index.bad_lines} bad lines, "
                f"over {LIMITS.max_jsonl_bad_lines} more than good rows; is this a JSON-lines archive?",
                path,
            )
        )
        return errors
    if unreported:
        errors.append(
            ParseError(f"{unreported} more bad line(s) not listed; is this a JSON-lines archive?", path)
        )
    return errors


def _index(handle: BinaryIO, path: Path, memory: ArchiveMemory | None) -> _Index:
    """Pass 1: the date of every line (decoding only the rows ``memory`` does not know), each deck
    date's runs and rows; the bad lines."""
    index = _Index()
    current: _Run | None = None
    current_date: dt.date | None = None
    start = 0
    for number, end, raw in lines(handle, 0, 1):
        digest = row_hash(raw) if raw is not None else b""
        date = memory.date_of(digest) if memory is not None and raw is not None else None
        if date is None:
            date = _first_read(raw, number, path, index)
        if date is not None and not index.count_row(date, digest, number, path):
            date = None
        if index.bad_lines > LIMITS.max_jsonl_bad_lines + index.good_rows:
            index.stopped_at = number
            break
        if date is not None and (current is None or date != current_date):
            current, current_date = _Run(start, end, number), date
            index.runs.setdefault(date, []).append(current)
        elif date is not None and current is not None:
            current.end = end
        start = end
    return index


def _first_read(raw: bytes | None, number: int, path: Path, index: _Index) -> dt.date | None:
    """The date of the row on line ``number`` (decoded, and kept for pass 2 if there is room);
    None for a blank line or a bad one (rejected)."""
    try:
        row = jsonl_lines.decode_row(raw, path, number)
    except ParseError as error:
        index.reject(error)
        return None
    if row is None or raw is None:
        return None
    index.keep(row, raw)
    # a date object of its own: the digest's date, not its papers' (inspect's YAML would alias them)
    return dt.date.fromordinal(row.deck_date.toordinal())


@dataclass
class _Reader:
    """Pass 2: the digests of the dates pass 1 found, each read from its runs when asked for."""

    handle: BinaryIO
    path: Path
    index: _Index
    memory: ArchiveMemory | None
    #: the undated papers filed so far (an undated row repeating one is kept once)
    undated_seen: set[str] = field(default_factory=set)

    def digest(self, date: dt.date) -> Digest:
        runs, rows = self.index.runs[date], self.index.rows[date]
        digest, undated = _digest(self.path, date, runs, self._rows(runs, rows), self.undated_seen)
        if self.memory is not None:
            self.memory.read(date, rows, [run.first_line for run in runs], undated, bool(digest.notices))
        return digest

    def _rows(self, runs: list[_Run], rows: DateRows) -> Iterator[_Decoded]:
        """The rows of a date on the lines pass 1 counted for it, decoded (or as pass 1 kept them)."""
        wanted = iter(rows.lines)
        line = next(wanted, None)
        for run in runs:
            for number, end, raw in lines(self.handle, run.start, run.first_line):
                if number == line:
                    line = next(wanted, None)
                    decoded = self.index.kept.pop(number, None) or self._decode(raw, number)
                    if decoded is not None:
                        yield decoded
                if end >= run.end:
                    break

    def _decode(self, raw: bytes | None, number: int) -> _Decoded | None:
        try:
            row = jsonl_lines.decode_row(raw, self.path, number)
        except ParseError as error:  # a line that changed since pass 1 read it
            self.index.reject(error)
            return None
        return None if row is None or raw is None else (row, replacement(raw))


@dataclass
class _Group:
    """The papers of one deck date being gathered, by identity, in first-seen order."""

    papers: dict[str, Paper] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    undated_lines: list[int] = field(default_factory=list)


def _digest(
    path: Path, date: dt.date, runs: list[_Run], rows: Iterator[_Decoded], undated_seen: set[str]
) -> tuple[Digest, bool]:
    """The digest of ``date`` from its ``rows``, and whether some of them had no ``date``."""
    group = _Group()
    for row, replaced in rows:
        if replaced:
            group.notices.append(f"{path}:{row.line}: {replaced}")
        if not row.dated:
            group.undated_lines.append(row.line)
            if row.paper.identity in undated_seen and row.paper.identity not in group.papers:
                group.notices.append(
                    f"{path}:{row.line}: undated row repeats a paper filed earlier; kept once"
                )
                continue
            undated_seen.add(row.paper.identity)
        _add_paper(group, row, path)
    if group.undated_lines:
        group.notices.append(_undated_notice(path, date, group.undated_lines))
    if len(runs) > 1:
        starts = ", ".join(str(run.first_line) for run in runs)
        group.notices.append(
            f"{path}: rows of {date} come in {len(runs)} places (from lines {starts}); one deck"
        )
    papers = tuple(
        dataclasses.replace(paper, number=number)
        for number, paper in enumerate(group.papers.values(), start=1)
    )
    notices = tuple(clean_text(notice) for notice in group.notices)
    return Digest(date, papers, path, "jsonl", notices), bool(group.undated_lines)


def _add_paper(group: _Group, row: ArchiveRow, path: Path) -> None:
    earlier = group.papers.get(row.paper.identity)
    if earlier is None:
        group.papers[row.paper.identity] = row.paper
        return
    keep = "this row" if _richness(row.paper) >= _richness(earlier) else "the earlier row"
    group.notices.append(f"{path}:{row.line}: paper repeats an earlier row of {row.deck_date}; kept {keep}")
    if keep == "this row":
        group.papers[row.paper.identity] = row.paper


def _richness(paper: Paper) -> tuple[int, int, int]:
    answered = sum(question.answer is not None for question in paper.questions)
    return (answered, bool(paper.flowchart_svg), len(paper.points))


def _undated_notice(path: Path, date: dt.date, lines: list[int]) -> str:
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
    return (
        f"{path}: {len(lines)} row(s) without a digest 'date' ({where}) filed under their "
        f"published date, deck {date.isoformat()}"
    )
