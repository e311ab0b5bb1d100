"""Text cleaning shared by the parsers and the card builder (neutral: imports nothing of flashdigest).

Whatever stage a text reaches, it is cleaned the same way: control characters removed (tab and
newline kept; U+001F, Anki's field separator, among them), lone surrogates replaced, runs of
white space collapsed where a browser would collapse them.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, and C1 controls; U+001F (Anki's field separator) among them.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: a lone UTF-16 surrogate: not text (Anki rejects a package holding one)
SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Remove control characters (tab and newline kept) and lone surrogates."""
    if text.isprintable():  # (no control, no surrogate: nothing to do; one pass in C, not two regexes)
        return text
    return SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", text))


def remove_controls(text: str) -> str:
    """Remove control characters (tab and newline kept): :func:`clean_text` of a text that holds
    no lone surrogate (as bytes decoded with ``errors="replace"``), without looking for one."""
    return text if text.isprintable() else _CONTROL_RE.sub("", text)


#: every byte but those that are a control character of :data:`_CONTROL_RE` in UTF-8 (C0 but tab,
#: newline and CR; DEL) and 0xC2, which begins the UTF-8 of the C1 controls (U+0080-U+009F)
_NOT_CONTROL_BYTES = bytes(set(range(256)) - {*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2})
_C1_UTF8_RE = re.compile(b"\xc2[\x80-\x9f]")


def utf8_has_controls(data: bytes) -> bool:
    """Whether ``data`` decoded as UTF-8 (errors replaced) holds a character :func:`remove_controls`
    removes: a byte test some five times as fast as searching the decoded text (a page's 78 KB: 26
    µs, not 150), and a page rarely holds one."""
    rest = data.translate(None, _NOT_CONTROL_BYTES)
    return bool(rest.strip(b"\xc2")) or (bool(rest) and _C1_UTF8_RE.search(data) is not None)


#: what ``str.split()`` splits ASCII text at besides one space (``\x1c``-``\x1f`` among it)
_ASCII_BREAKS = ("  ", "\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def collapse_space(text: str) -> str:
    """Runs of white space (line breaks too) as one space, none at either end."""
    if text.isascii() and text[:1] != " " and text[-1:] != " ":
        for mark in _ASCII_BREAKS:
            if mark in text:
                break
        else:  # (most texts: already so; not split into words and joined again, 4 times as long)
            return text
    return " ".join(text.split())


def escape_html(text: str) -> str:
    """What ``html.escape(text)`` gives: ``& < > " '`` as character references (the html module
    is not imported: its table of entities, which escaping does not use, cost every run 2 ms)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )
