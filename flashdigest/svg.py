"""Flowchart SVGs made safe to ship as Anki media.

Every SVG that reaches a deck, whatever its source (an HTML page's inline ``<svg>``, the JSONL
archive's ``flow_chart`` string, a YAML digest's ``flowchart_svg``), goes through
:func:`sanitize_svg`, or :func:`sanitize_svg_node` for a node of a page already parsed (the HTML
parser sanitizes its pages' SVGs so, and the card builder takes them as they are: one parse of
each SVG, not two). The sanitizer is an allowlist: it re-serializes the tree as well-formed XML
keeping only known SVG elements and attributes, so that no script, event handler,
``<foreignObject>`` or external reference survives; it sets ``xmlns`` and ``viewBox``, gives the
drawing a white backdrop (readable on night mode's dark cards) and caps the size. Its output is a
fixed point: sanitizing it again gives the same bytes, so the media name (a hash of the bytes) is
stable. It lives beside the stages (like :mod:`.textutil`), used by the parser and the card builder;
what it keeps of CSS (style sheets, style attributes, presentation values) is made safe by
:mod:`.svg_css`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .errors import SvgRejected
from .limits import LIMITS, markup_depth
from .svg_css import is_fragment, is_safe_css_value, plain, sanitize_css

#: inputs longer than this are refused before parsing
MAX_SVG_INPUT_CHARS = 4_000_000
#: a sanitized flowchart larger than this is left out
MAX_SVG_BYTES = 1_000_000
MAX_SVG_ELEMENTS = 20_000
MAX_SVG_DEPTH = 64
DEFAULT_VIEWBOX = (0.0, 0.0, 1000.0, 800.0)
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
BACKDROP_CLASS = "fd-backdrop"
BACKDROP_FILL = "#ffffff"


def _names(*names: str) -> dict[str, str]:
    """Lookup by the name as lexbor gives it (canonical case) or lowercased."""
    return {name.lower(): name for name in names} | {name: name for name in names}


_ELEMENTS = _names(
    "svg", "g", "defs", "symbol", "use", "switch", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "path", "text", "tspan", "textPath", "marker", "linearGradient", "radialGradient",
    "stop", "pattern", "clipPath", "mask", "filter", "style", "title", "desc", "feBlend",
    "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting",
    "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB",
    "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
    "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
)  # fmt: skip
#: elements whose own tag is dropped but whose children are kept
_UNWRAPPED = {"a"}
#: elements whose text children are kept (elsewhere text is layout whitespace)
_TEXT_ELEMENTS = {"text", "tspan", "textpath", "style", "title", "desc"}

_ATTRIBUTES = _names(
    "id", "class", "style", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx",
    "fy", "fr", "width", "height", "d", "points", "pathLength", "transform", "viewBox",
    "preserveAspectRatio", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
    "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-opacity", "opacity", "color", "display", "visibility", "overflow",
    "font-family", "font-size", "font-weight", "font-style", "font-variant", "font-stretch",
    "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
    "word-spacing", "text-decoration", "writing-mode", "direction", "textLength", "lengthAdjust",
    "rotate", "dx", "dy", "startOffset", "method", "spacing", "xml:space", "offset", "stop-color",
    "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits",
    "patternContentUnits", "patternTransform", "clipPathUnits", "clip-path", "clip-rule", "mask",
    "maskUnits", "maskContentUnits", "filter", "filterUnits", "primitiveUnits", "markerWidth",
    "markerHeight", "markerUnits", "refX", "refY", "orient", "marker-start", "marker-mid",
    "marker-end", "in", "in2", "result", "stdDeviation", "slope", "intercept", "amplitude",
    "exponent", "type", "values", "tableValues", "mode", "operator", "k1", "k2", "k3", "k4",
    "flood-color", "flood-opacity", "lighting-color", "color-interpolation-filters", "scale",
    "xChannelSelector", "yChannelSelector", "radius", "baseFrequency", "numOctaves", "seed",
    "stitchTiles", "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode",
    "surfaceScale", "diffuseConstant", "specularConstant", "specularExponent", "azimuth",
    "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "paint-order",
    "vector-effect", "shape-rendering", "text-rendering", "systemLanguage", "href", "xlink:href",
)  # fmt: skip
_LINK_ATTRIBUTES = {"href", "xlink:href"}
#: attributes whose values are checked whatever characters they hold (a link, a style sheet)
_CHECKED_NAMES = {*_LINK_ATTRIBUTES, "style"}

_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def sanitize_svg(markup: str) -> str:
    """The first ``<svg>`` of ``markup`` as a safe, standalone SVG document; SvgRejected if none."""
    if len(markup) > MAX_SVG_INPUT_CHARS:
        raise SvgRejected(f"flowchart SVG is {len(markup)} characters, over the {MAX_SVG_INPUT_CHARS} limit")
    if markup_depth(markup, stop_above=LIMITS.max_markup_depth) > LIMITS.max_markup_depth:
        raise SvgRejected(f"flowchart SVG tags nest over {LIMITS.max_markup_depth} deep")
    node = LexborHTMLParser(markup).css_first("svg")
    if node is None:
        raise SvgRejected("no <svg> element in the flowchart")
    return sanitize_svg_node(node)


def sanitize_svg_node(node: LexborNode) -> str:
    """``node`` (an ``<svg>`` element of a parsed page) as a safe, standalone SVG document."""
    writer = _SvgWriter()
    view_box = _view_box(node.attributes)
    width, height = _format_number(view_box[2]), _format_number(view_box[3])
    writer.parts.append(
        f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" '
        f'viewBox="{" ".join(_format_number(v) for v in view_box)}" width="{width}" height="{height}"'
        f"{_root_extras(node.attributes)}>"
    )
    writer.parts.append(
        f'<rect class="{BACKDROP_CLASS}" x="{_format_number(view_box[0])}" y="{_format_number(view_box[1])}" '
        f'width="{width}" height="{height}" fill="{BACKDROP_FILL}"/>'
    )
    writer.children(node, 1)
    writer.parts.append("</svg>")
    # Every text and attribute value went through _plain, so no character XML forbids is left. A CR
    # would come back as LF once parsed again: written as LF, the output is a fixed point.
    document = "".join(writer.parts)
    if "\r" in document:
        document = document.replace("\r\n", "\n").replace("\r", "\n")
    if len(document.encode("utf-8")) > MAX_SVG_BYTES:
        raise SvgRejected(f"flowchart SVG is over {MAX_SVG_BYTES} bytes once sanitized")
    return document


class _SvgWriter:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.elements = 0

    def children(self, node: LexborNode, depth: int, name: str | None = None) -> None:
        """The sanitized children of ``node`` (its kept ``name``, when the caller knows it)."""
        parent = (name if name is not None else node.tag or "").lower()
        keep_text = parent in _TEXT_ELEMENTS
        for child in node.iter(include_text=keep_text):  # elsewhere text is layout whitespace
            tag = child.tag or "-"
            if tag == "-text":
                if keep_text and (text := _xml_text(plain(child.text_content or ""), parent)):
                    self.parts.append(text)  # (an empty one would make <style></style>, not <style/>)
            elif tag[0] != "-":  # an element, not a comment or doctype
                self.element(child, tag, depth)

    def element(self, node: LexborNode, tag: str, depth: int) -> None:
        if depth > MAX_SVG_DEPTH:
            return
        name = _ELEMENTS.get(tag) or _ELEMENTS.get(tag.lower())
        if name is None:
            if tag.lower() in _UNWRAPPED:
                self.children(node, depth + 1)
            return
        raw_attributes = node.attributes
        if name == "rect" and BACKDROP_CLASS in (raw_attributes.get("class") or "").split():
            return
        self.elements += 1
        if self.elements > MAX_SVG_ELEMENTS:
            raise SvgRejected(f"flowchart SVG has over {MAX_SVG_ELEMENTS} elements")
        attributes = _attributes(raw_attributes.items())
        if name in ("title", "desc", "style"):  # text only; a style sheet is sanitized whole, once
            text = node.text(deep=True)  # (a style sheet's own sanitizer takes what _plain drops)
            self.parts.append(
                f"<{name}{attributes}>{_xml_text(text if name == 'style' else plain(text), name)}</{name}>"
            )
            return
        child = node.child
        if child is None:  # (most elements: nothing inside to walk)
            self.parts.append(f"<{name}{attributes}/>")
            return
        if child.next is None and child.is_text_node and (parent := name.lower()) in _TEXT_ELEMENTS:
            # (a label, half a flowchart's elements: its one text, without walking its children)
            text = _xml_text(plain(child.text_content or ""), parent)
            self.parts.append(f"<{name}{attributes}>{text}</{name}>" if text else f"<{name}{attributes}/>")
            return
        start = len(self.parts)
        self.parts.append(f"<{name}{attributes}>")
        self.children(node, depth + 1, name)
        if len(self.parts) == start + 1:
            self.parts[start] = f"<{name}{attributes}/>"
        else:
            self.parts.append(f"</{name}>")


#: attributes made before, by (name, value): flowcharts repeat the same ones over and over
_MADE: dict[tuple[str, str | None], str] = {}
_MADE_MAX = 1 << 14  # (emptied when full: its memory stays bounded)
_MADE_VALUE_CHARS = 200  # (longer values, a path's points, are not kept)


def _attributes(items: Iterable[tuple[str, str | None]]) -> str:
    """`` name="value"`` for each allowed attribute with a safe value, nothing for the others (event
    handlers are never allowed). A plain dictionary, not an lru_cache: 0.23 to 0.11 µs an
    attribute, and a flowchart has some 700."""
    parts = []
    for item in items:
        text = _MADE.get(item)
        if text is None:
            text = _checked_attribute(*item)
            if item[1] is None or len(item[1]) <= _MADE_VALUE_CHARS:
                if len(_MADE) >= _MADE_MAX:
                    _MADE.clear()
                _MADE[item] = text
        parts.append(text)
    return "".join(parts)


#: what a presentation value made only of these characters cannot hold: an escape, a ``url(``,
#: an address or a scheme (no backslash, ``(``, ``:`` or ``/``), markup to escape, a control; of the
#: dangerous words, only ``-moz-binding`` (looked for): it needs none of :func:`_safe_value`'s checks
_PLAIN_VALUE = "0123456789 #%+,-.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _checked_attribute(raw_name: str, raw_value: str | None) -> str:
    name = _ATTRIBUTES.get(raw_name) or _ATTRIBUTES.get(raw_name.lower())
    if name is None:
        return ""
    value = raw_value or ""
    if not value.strip(_PLAIN_VALUE) and name not in _CHECKED_NAMES and "binding" not in value.lower():
        return f' {name}="{value}"'  # (most values: a number, a colour, a word; 0.6 µs, not 1.8)
    # controls go before the checks: "htt\x1cp:/x" must not become "http:/x" after them
    safe = _safe_value(name, plain(value))
    return "" if safe is None else f' {name}="{_xml_attr(safe)}"'


def _safe_value(name: str, value: str) -> str | None:
    if name in _LINK_ATTRIBUTES:
        return value.strip() if is_fragment(value.strip()) else None
    if name == "style":
        return sanitize_css(value) or None
    return value if is_safe_css_value(value) else None


def _view_box(attributes: dict[str, str | None]) -> tuple[float, float, float, float]:
    """The root's viewBox; else one from a numeric width and height; else the generator's usual.
    (A number too large for a float, ``1e999``, is no number: it would be infinite.)"""
    numbers = [float(n) for n in _NUMBER_RE.findall(attributes.get("viewBox") or "")]
    if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0 and all(map(math.isfinite, numbers)):
        return (numbers[0], numbers[1], numbers[2], numbers[3])
    width = _plain_length(attributes.get("width"))
    height = _plain_length(attributes.get("height"))
    if width and height:
        return (0.0, 0.0, width, height)
    return DEFAULT_VIEWBOX


def _plain_length(value: str | None) -> float | None:
    """``120`` or ``120px`` as a number; None for percentages, other units and no finite number."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(?:px)?\s*", value or "")
    number = float(match.group(1)) if match else 0.0
    return number if 0 < number < math.inf else None


def _root_extras(attributes: dict[str, str | None]) -> str:
    """The root's own attributes worth keeping (not its size, namespaces or viewBox, which are set)."""
    skipped = {"width", "height", "viewbox", "x", "y", "href", "xlink:href"}
    return _attributes((name, value) for name, value in attributes.items() if name.lower() not in skipped)


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _xml_text(text: str, parent: str) -> str:
    """``text`` as the content of the element named ``parent`` (lowercase)."""
    if parent == "style":
        text = sanitize_css(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: str) -> str:
    """An attribute value for ``name="..."`` (characters XML forbids go from the whole document)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
