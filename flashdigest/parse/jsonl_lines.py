"""The lines of the generator's JSON-lines archive: read in bytes, each decoded into a row or an error.

Public entry points: :func:`as_utf8` (the file as UTF-8 bytes), :func:`lines` (its lines from a
byte offset), :func:`decode_row` (one line -> an :class:`~.jsonl_row.ArchiveRow`, None or a
ParseError naming the line) and :func:`replacement` (what decoding a good line had to replace).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from ..errors import ParseError
from ..limits import LIMITS
from ..textutil import SURROGATE_RE, clean_text
from .jsonl_row import ArchiveRow, read_row

#: a line longer than this (a paper with a huge flowchart, or not an archive) is reported, not read
MAX_LINE_BYTES = LIMITS.max_jsonl_line_bytes
#: the buffer an archive is read through: its rows are some 20 KB, and reading them a line at a time
#: through Python's 8 KB buffer took 11 ms for 21 MB, through this one 3 ms (docs/performance.md)
READ_BUFFER = 1 << 18


def as_utf8(raw: BinaryIO) -> contextlib.AbstractContextManager[BinaryIO]:
    """``raw`` itself, or for a UTF-16 file (with its BOM) a temporary UTF-8 copy made in chunks:
    line offsets stay byte offsets and memory stays constant."""
    if raw.read(2) not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raw.seek(0)
        return contextlib.nullcontext(raw)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    # (closed by the caller's with; typeshed has no binary type for a buffer size it cannot see)
    copy = cast(BinaryIO, tempfile.TemporaryFile("w+b", buffering=READ_BUFFER))  # noqa: SIM115
    while chunk := raw.read(1 << 20):
        copy.write(decoder.decode(chunk).encode("utf-8", "surrogatepass"))
    copy.write(decoder.decode(b"", final=True).encode("utf-8", "surrogatepass"))
    copy.seek(0)
    return copy


def lines(handle: BinaryIO, start: int, first_line: int) -> Iterator[tuple[int, int, bytes | None]]:
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


def decode_row(raw: bytes | None, path: Path, line: int) -> ArchiveRow | None:
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


def replacement(raw: bytes) -> str | None:
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
