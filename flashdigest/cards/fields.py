"""Field text: plain text from a digest as the HTML of an Anki field."""

from __future__ import annotations

import re

from ..textutil import clean_text, escape_html


def field_text(text: str) -> str:
    """Plain text as Anki field HTML: control characters removed, markup shown literally,
    ``$...$`` math turned into the ``\\(...\\)`` that Anki's MathJax renders."""
    text = clean_text(text).strip().replace("\r\n", "\n").replace("\r", "\n")  # a lone CR is a break too
    return math_delimiters(escape_html(text)).replace("\n", "<br>")


# Pandoc's rule for TeX math between dollars: the opening $ has a non-space on its right, the
# closing $ a non-space on its left and no digit after it, so "$20 and $30" stay prices; \$ is a dollar.
_DISPLAY_MATH_RE = re.compile(r"(?<![\\$])\$\$(?=[^\s$])((?:\\.|[^$\\\n])+?)(?<=[^\s\\])\$\$")
_INLINE_MATH_RE = re.compile(r"(?<![\\$])\$(?=[^\s$])((?:\\.|[^$\\\n])*?)(?<=[^\s\\])\$(?![\d$])")


def math_delimiters(text: str) -> str:
    """``$$x$$`` -> ``\\[x\\]`` and ``$x$`` -> ``\\(x\\)``; dollars that are not math stay as they are."""
    if "$" not in text:  # nearly every field: no regex work
        return text
    text = _DISPLAY_MATH_RE.sub(r"\\[\1\\]", text)
    return _INLINE_MATH_RE.sub(r"\\(\1\\)", text)


def safe_link(link: str) -> str:
    """The link if it is an http(s) URL, else nothing (no ``javascript:`` in a card)."""
    link = clean_text(link).strip()
    return escape_html(link) if link.lower().startswith(("http://", "https://")) else ""
