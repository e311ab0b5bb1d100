"""Reading an input file's bytes into text: BOMs, UTF-16, invalid bytes, control characters.

Not a parser: every parser may import this module; it imports none.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import ParseError
from ..frozen import frozen
from ..limits import LIMITS
from ..textutil import SURROGATE_RE, clean_text, remove_controls, utf8_has_controls

__all__ = ["SURROGATE_RE", "SourceText", "clean_text", "decode_source", "read_source"]


@frozen
class SourceText:
    """An input's decoded text and what was repaired while decoding it."""

    path: Path
    text: str
    notices: tuple[str, ...] = ()


def read_source(path: Path, max_bytes: int | None = None) -> SourceText:
    """Read ``path`` as text (at most ``max_bytes``, by default the input limit), or raise
    ParseError saying why it cannot be."""
    max_bytes = LIMITS.max_input_bytes if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(f"file is {size} bytes, over the {max_bytes}-byte limit", path)
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}", path) from None
    return decode_source(data, path)


def decode_source(data: bytes, path: Path) -> SourceText:
    """Decode bytes: UTF-8 (BOM optional) or UTF-16 with a BOM; bad bytes become U+FFFD."""
    if not data.strip():
        raise ParseError("file is empty", path)
    notices: list[str] = []
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if utf16:
        text = data.decode("utf-16", errors="replace")
    else:
        if b"\x00" in data[:4096]:
            raise ParseError("binary file, not a text digest", path)
        text = data.decode("utf-8-sig", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
        line = text[: text.index("\ufffd")].count("\n") + 1
        notices.append(f"{path}:{line}: invalid UTF-8 bytes replaced with U+FFFD")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # (decoding with errors="replace" leaves no lone surrogate to look for; a UTF-8 text holds a
    # control character only if its bytes do)
    if utf16 or utf8_has_controls(data):
        text = remove_controls(text)
    return SourceText(path, text, tuple(notices))
