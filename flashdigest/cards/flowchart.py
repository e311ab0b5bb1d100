"""The paper note's image of its flowchart: the sanitized SVG (:mod:`flashdigest.svg`) as a media
file named by the hash of its bytes, and the field's ``<img>`` that shows it."""

from __future__ import annotations

import hashlib

from ..frozen import frozen
from ..svg import BACKDROP_FILL, sanitize_svg
from ..textutil import clean_text, escape_html


@frozen
class FlowchartImage:
    """A sanitized flowchart: its media file name and bytes, and the field HTML that shows it."""

    name: str
    data: bytes
    field: str


def flowchart_image(svg_markup: str, title: str, sanitized: bool = False) -> FlowchartImage:
    """The media file and ``<img>`` field of a paper's flowchart; SvgRejected if it has none.
    ``sanitized``: the markup is already :mod:`flashdigest.svg`'s output (an HTML page's, made
    from its parsed node), taken as it is."""
    data = (svg_markup if sanitized else sanitize_svg(svg_markup)).encode("utf-8")
    name = f"fd-{hashlib.sha256(data).hexdigest()[:20]}.svg"
    alt = escape_html(" ".join(f"Flowchart of {clean_text(title)}".split()))
    field = (
        f'<img class="fd-flowchart" src="{name}" alt="{alt}" '
        f'style="max-width:100%;height:auto;background-color:{BACKDROP_FILL}">'
    )
    return FlowchartImage(name, data, field)
