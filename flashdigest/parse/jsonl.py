"""The generator's JSON-lines archive: one paper a line -> one Digest per digest date.

The file is streamed in two passes, so memory does not grow with the number of rows:

1. *index*: every line is decoded and checked; the byte ranges of consecutive rows of the same
   deck date ("runs") are remembered, and each bad line becomes a ParseError with its number.
2. *read*: for each deck date, in the order of its first row, its runs are read again and turned
   into a Digest. A date whose rows reappear later in the file is still one digest.

Rows without a ``date`` (the archive's oldest) are filed under their ``published_at`` date, with a
notice; the same paper in several undated rows becomes one paper. Within a date, a paper that
appears twice is kept once (the richer row; on a tie, the later one).

Rows are held to the same limits as every format (at most ``max_papers`` rows a date,
text lengths, questions, options), so that what ``inspect`` prints can be exported again.

After the last digest, bad lines are raised together as :class:`~flashdigest.errors.LineErrors`,
so the caller has exported every good date before it hears of them.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import LineErrors, ParseError
from ..limits import LIMITS
from ..model import Digest, Paper
from ..textutil import SURROGATE_RE, clean_text
from .jsonl_row import ArchiveRow, read_row

#: a line longer than this (a paper with a huge flowchart, or not an archive) is reported, not read
MAX_LINE_BYTES = LIMITS.max_jsonl_line_bytes
#: bad lines reported one by one; any beyond are summed up in one more error
MAX_REPORTED_LINES = 50


@dataclass
class _Run:
    """Consecutive lines whose rows share a deck date: [start, end) in bytes, from first_line."""

    start: int
    end: int
    first_line: int


@dataclass
class _Index:
    runs: dict[dt.date, list[_Run]] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    bad_lines: int = 0
    rows_per_date: dict[dt.date, int] = field(default_factory=dict)
    #: the line after which the file was read no further (far more bad lines than rows)
    stopped_at: int | None = None

    def reject(self, error: ParseError) -> None:
        self.bad_lines += 1
        if len(self.errors) < MAX_REPORTED_LINES:
            self.errors.append(error)

    def count_row(self, row: ArchiveRow, path: Path) -> bool:
        """Count ``row`` for its date; False (and a bad line) once the date has max_papers rows."""
        count = self.rows_per_date.get(row.deck_date, 0) + 1
        if count == 1 and len(self.rows_per_date) >= LIMITS.max_digests:  # each date is a deck to write
            self.reject(ParseError(f"over {LIMITS.max_digests} digest dates in one archive", path, row.line))
            return False
        if count > LIMITS.max_papers:
            self.reject(
                ParseError(
                    f"{row.deck_date} already has {LIMITS.max_papers} rows, the most a digest takes",
                    path,
                    row.line,
                )
            )
            return False
        self.rows_per_date[row.deck_date] = count
        return True


def parse_jsonl(path: Path) -> Iterator[Digest]:
    """Yield one Digest per deck date of the archive at ``path``; then raise LineErrors if
    some lines could not be read."""
    try:
        with path.open("rb") as raw, _as_utf8(raw) as handle:
            index = _index(handle, path)
            undated_seen: set[str] = set()
            for date, runs in index.runs.items():
                yield _digest(handle, path, date, runs, undated_seen)
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}", path) from None
    if index.bad_lines:
        raise LineErrors(tuple(_reported_errors(index, path)), path)


def _as_utf8(raw: BinaryIO) -> contextlib.AbstractContextManager[BinaryIO]:
    """``raw`` itself, or for a UTF-16 file (with its BOM) a temporary UTF-8 copy made in chunks:
    line offsets stay byte offsets and memory stays constant."""
    if raw.read(2) not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raw.seek(0)
        return contextlib.nullcontext(raw)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    copy: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller's with)
    while chunk := raw.read(1 << 20):
        copy.write(decoder.decode(chunk).encode("utf-8", "surrogatepass"))
    copy.write(decoder.decode(b"", final=True).encode("utf-8", "surrogatepass"))
    copy.seek(0)
    return copy


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


def _lines(handle: BinaryIO, start: int, first_line: int) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, offset after the line, its bytes or None when over MAX_LINE_BYTES)."""
    handle.seek(start)
    number = first_line
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (more := handle.readline(MAX_LINE_BYTES)) and not more.endswith(b"\n"):
                pass
            yield number, handle.tell(), None
        else:
            yield number, handle.tell(), raw
        number += 1


def _decode_row(raw: bytes | None, path: Path, line: int) -> ArchiveRow | None:
    """The row on a line; None for a blank line; ParseError for a bad one."""
    if raw is None:
        raise ParseError(f"line is over {MAX_LINE_BYTES} bytes", path, line)
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if not raw.endswith(b"\n"):
            reason = "the last line is cut off (no newline at its end): is the archive still being written?"
            raise ParseError(reason, path, line) from None
        raise ParseError(f"not JSON: {exc.msg} at column {exc.colno}", path, line) from None
    except RecursionError:
        raise ParseError("not JSON that can be read: nested too deeply", path, line) from None
    if "\\ud" in text or "\\uD" in text:  # a lone surrogate escape would reach the deck, or inspect's output
        value = _without_surrogates(value)
    return read_row(value, path, line)


def _without_surrogates(value: object) -> object:
    """``value`` with every string's control characters removed and lone surrogates as U+FFFD."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(key)): _without_surrogates(item) for key, item in value.items()}
    return value


def _index(handle: BinaryIO, path: Path) -> _Index:
    """Pass 1: check every line, remember each deck date's runs, collect the bad lines."""
    index = _Index()
    current: _Run | None = None
    current_date: dt.date | None = None
    start = 0
    for number, end, raw in _lines(handle, 0, 1):
        try:
            row = _decode_row(raw, path, number)
        except ParseError as error:
            index.reject(error)
            row = None
        if row is not None and not index.count_row(row, path):
            row = None
        if index.bad_lines > LIMITS.max_jsonl_bad_lines + sum(index.rows_per_date.values()):
            index.stopped_at = number
            break
        if row is not None and (current is None or row.deck_date != current_date):
            current, current_date = _Run(start, end, number), row.deck_date
            index.runs.setdefault(row.deck_date, []).append(current)
        elif row is not None and current is not None:
            current.end = end
        start = end
    return index


def _rows(
    handle: BinaryIO, path: Path, date: dt.date, runs: list[_Run]
) -> Iterator[tuple[ArchiveRow, str | None]]:
    """Pass 2: the good rows of ``date`` in its runs (the first max_papers, as pass 1 counted),
    each with the notice of what its text lost (bad UTF-8, lone surrogates), if anything."""
    count = 0
    for run in runs:
        for number, end, raw in _lines(handle, run.start, run.first_line):
            try:
                row = _decode_row(raw, path, number)
            except ParseError:
                row = None  # reported in pass 1
            if row is not None and row.deck_date == date and count < LIMITS.max_papers:
                count += 1
                yield row, _replacement(raw) if raw is not None else None
            if end >= run.end:
                break


def _replacement(raw: bytes) -> str | None:
    """What decoding a good row's line had to replace with U+FFFD, said for a notice; None if nothing."""
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        return "invalid UTF-8 bytes replaced with U+FFFD"
    if "\\ud" in text or "\\uD" in text:  # escapes of a surrogate pair are fine; a lone one is not text
        try:
            decoded = json.dumps(json.loads(text.lstrip("\ufeff")), ensure_ascii=False)
        except (ValueError, RecursionError):
            return None
        if SURROGATE_RE.search(decoded):
            return "lone UTF-16 surrogate escapes (\\udXXX) replaced with U+FFFD"
    return None


@dataclass
class _Group:
    """The papers of one deck date being gathered, by identity, in first-seen order."""

    papers: dict[str, Paper] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    undated_lines: list[int] = field(default_factory=list)


def _digest(handle: BinaryIO, path: Path, date: dt.date, runs: list[_Run], undated_seen: set[str]) -> Digest:
    group = _Group()
    for row, replaced in _rows(handle, path, date, runs):
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
    return Digest(date, papers, path, "jsonl", tuple(clean_text(notice) for notice in group.notices))


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
