"""Text of an HTML digest page as a browser shows it.

A helper of :mod:`flashdigest.parse.html`: the visible text of a node (markup dropped, white space
collapsed, a line break where a ``<br>`` is). What a summary point is, is :mod:`.points`' business.
"""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from ..textutil import collapse_space

__all__ = ["collapse_space", "visible_text"]

#: elements whose text a browser does not show
_HIDDEN_TEXT = {"script", "style", "template", "noscript", "title"}
#: elements that start a new line in a browser (so their text never runs into the text before)
_BLOCKS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}  # fmt: skip
_SPECIAL = frozenset(_HIDDEN_TEXT | _BLOCKS | {"br"})


def visible_text(node: LexborNode) -> str:
    """The text a browser shows for ``node``: markup dropped, whitespace collapsed to spaces,
    a line break only where a ``<br>`` is."""
    # (node first; a walk of its few elements costs a tenth of matching a CSS selector list)
    own, *inside = [(child.tag or "").lower() for child in node.traverse(include_text=False)]
    if own not in _HIDDEN_TEXT and own != "br" and _SPECIAL.isdisjoint(inside):
        return collapse_space(node.text(deep=True))  # plain inline markup: lexbor's own text is right
    lines: list[list[str]] = [[]]
    for child in node.traverse(include_text=True):
        tag = (child.tag or "").lower()
        if child.is_text_node:
            parent = child.parent
            if parent is None or (parent.tag or "").lower() not in _HIDDEN_TEXT:
                lines[-1].append(child.text_content or "")
        elif tag == "br":
            lines.append([])
        elif tag in _BLOCKS:
            lines[-1].append(" ")
    return "\n".join(text for text in (collapse_space("".join(parts)) for parts in lines) if text)
