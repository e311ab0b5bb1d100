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
    return SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", text))


def remove_controls(text: str) -> str:
    """Remove control characters (tab and newline kept): :func:`clean_text` of a text that holds
    no lone surrogate (as bytes decoded with ``errors="replace"``), without looking for one."""
    return _CONTROL_RE.sub("", text)


def collapse_space(text: str) -> str:
    """Runs of white space (line breaks too) as one space, none at either end."""
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
