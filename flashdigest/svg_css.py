"""The CSS of a flowchart made safe: its style sheets, style attributes and presentation values.

A helper of :mod:`flashdigest.svg` (the allowlist of elements and attributes is there): what is
left of CSS holds no import, escape, script, address or URL but a fragment (``url(#id)``), and
no character the SVG document drops at the end (so that no check passes on a value that dropping
them would change).
"""

from __future__ import annotations

import re

from .textutil import clean_text

#: an unclosed ``url(`` runs to the end of the CSS, as a CSS parser reads it
_URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*(?:\)|$)", re.IGNORECASE | re.DOTALL)
_FRAGMENT_RE = re.compile(r"#[A-Za-z_][\w.\-:]*")
_CSS_DANGER_RE = re.compile(r"@import|expression\s*\(|javascript:|-moz-binding|behavior\s*:", re.IGNORECASE)
_CSS_ESCAPE_RE = re.compile(r"\\(?:(?P<hex>[0-9a-fA-F]{1,6})\s?|(?P<char>[^\n0-9a-fA-F])|\n|$)")
#: an address left outside any url() (as after a broken escape): removed, it has no business in a drawing
_CSS_ADDRESS_RE = re.compile(
    r"(?:(?:[a-z][a-z0-9+.\-]*:)?//|(?:https?|ftp|wss?|file):\s*/)[^\s;)}'\"]*", re.IGNORECASE
)  # (``http:/host`` is ``http://host`` to a URL parser; ``http: /host`` is none, but goes too)
#: what every address above holds (searched first: it finds none in 2 µs where the pattern, which
#: tries every word as a scheme, takes 140 over a style sheet of a kilobyte)
_ADDRESS_MARK_RE = re.compile(r"//|:\s*/")
#: characters XML 1.0 forbids (control characters but tab and newlines, lone surrogates, U+FFFE/F)
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def sanitize_css(css: str) -> str:
    """CSS (a style attribute or element) without imports, escapes, scripts or non-fragment URLs."""
    css = plain(_CSS_ESCAPE_RE.sub(_unescape_css, clean_text(css))).replace("\\", "")
    while (cleaner := _CSS_DANGER_RE.sub("", css)) != css:
        css = cleaner
    if "(" in css:  # (no url( without one)
        css = _URL_RE.sub(lambda m: m.group(0) if is_fragment(m.group(2).strip()) else "none", css)
    return (_CSS_ADDRESS_RE.sub("", css) if _may_hold_address(css) else css).strip()


def is_safe_css_value(value: str) -> bool:
    """Whether a presentation attribute's value (a CSS value) holds no escape, no URL but a
    fragment, no address, and none of ``javascript:``, ``expression(`` and the like."""
    if "\\" in value or ("(" in value and not _urls_are_fragments(value)) or _has_address(value):
        return False
    return _CSS_DANGER_RE.search(value) is None


def is_fragment(reference: str) -> bool:
    """Whether ``reference`` is a link inside the document (``#id``)."""
    return _FRAGMENT_RE.fullmatch(reference) is not None


def _has_address(value: str) -> bool:
    return _may_hold_address(value) and _CSS_ADDRESS_RE.search(value) is not None


def _may_hold_address(text: str) -> bool:
    return _ADDRESS_MARK_RE.search(text) is not None


def plain(text: str) -> str:
    """``text`` without the characters the document drops at the end (controls, U+FFFE...), so
    that no check passes on a value that dropping them would change (``url\\6(``, ``htt\\x1cp:``)."""
    if text.isprintable():  # (no control, surrogate or noncharacter: nothing to drop)
        return text
    return _XML_INVALID_RE.sub("", clean_text(text))


def _unescape_css(match: re.Match[str]) -> str:
    """A CSS escape (``\\72`` or ``\\r``) as the character it stands for, so no URL hides in one."""
    if match["hex"]:
        code = int(match["hex"], 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return match["char"] or ""


def _urls_are_fragments(value: str) -> bool:
    if "url" not in value.lower():
        return True
    if re.search(r"url\s*\(", value, re.IGNORECASE) is None:
        return True
    matches = _URL_RE.findall(value)
    return bool(matches) and all(is_fragment(target.strip()) for _quote, target in matches)
