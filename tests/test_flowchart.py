"""Flowchart SVGs: the allowlist sanitizer against hostile input, the media file and its note field,
checked as XML and after an import into the real Anki backend."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from flashdigest.cards import build_deck
from flashdigest.cards.flowchart import flowchart_image
from flashdigest.errors import SvgRejected
from flashdigest.model import Digest, Paper, PointKind
from flashdigest.parse import read_digests
from flashdigest.pipeline import ExportOptions, export_inputs
from flashdigest.svg import (
    BACKDROP_FILL,
    MAX_SVG_BYTES,
    MAX_SVG_ELEMENTS,
    MAX_SVG_INPUT_CHARS,
    sanitize_svg,
    sanitize_svg_node,
)
from tests.anki_helpers import by_type, import_deck, imported_notes
from tests.conftest import DATA, SAMPLES
from tests.test_formats_agree import as_html

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
IMG_FIELD_RE = re.compile(
    r'<img class="fd-flowchart" src="(fd-[0-9a-f]{20}\.svg)" alt="([^"]*)" style="[^"]*">'
)
FORBIDDEN_ELEMENTS = {
    "script",
    "foreignObject",
    "image",
    "feImage",
    "animate",
    "set",
    "iframe",
    "a",
    "handler",
}

HOSTILE = {
    "script element": "<svg><script>alert(1)</script><text>kept</text></svg>",
    "event handlers": '<svg onload="alert(1)"><rect onclick="x()" ONMOUSEOVER="y()" width="1"/></svg>',
    "javascript link": '<svg><a href="javascript:alert(1)"><text>kept</text></a></svg>',
    "external use": '<svg><use xlink:href="http://evil.example/x#a"/><use href="//evil.example/#b"/></svg>',
    "data use": '<svg><use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/></svg>',
    "image": '<svg><image href="http://evil.example/t.png" width="1" height="1"/></svg>',
    "feImage": '<svg><filter id="f"><feImage href="http://evil.example/x.png"/></filter></svg>',
    "foreignObject": '<svg><foreignObject><iframe src="http://evil.example"></iframe></foreignObject></svg>',
    "style import": "<svg><style>@import url(http://evil.example/a.css); .a{fill:red}</style></svg>",
    "style url": "<svg><style>.a{fill:url(http://evil.example/p#x)} .b{fill:url(#ok)}</style></svg>",
    "css escapes": r"<svg><style>.a{background:u\72l(http://evil.example/q)} @im\port 'x';</style></svg>",
    "escaped escape": r"<svg><style>.a{background:u\\72l(http://evil.example/q)}</style></svg>",
    "escape in attribute": r'<svg><rect fill="u\72l(http://evil.example/q)" style="fill:u\\72l(x)"/></svg>',
    "style attribute": "<svg><rect style=\"fill:url('http://evil.example/f');behavior:url(x.htc)\"/></svg>",
    "presentation url": '<svg><rect fill="url(http://evil.example/p#g)" stroke="url(#ok)"/></svg>',
    "animation": '<svg><animate attributeName="href" to="javascript:alert(1)"/><set to="alert(1)"/></svg>',
    "doctype entity": '<!DOCTYPE svg [<!ENTITY x "evil.example">]><svg><text>&x;</text></svg>',
    "nested svg": '<svg><svg onload="alert(1)"><script>alert(2)</script></svg><text>kept</text></svg>',
    "unknown element": "<svg><handler>alert(1)</handler><iframe src='http://evil.example'></iframe></svg>",
    # numbers too large for a float: infinite, they once stopped the export with an internal error
    "overflowing numbers": f'<svg viewBox="0 0 1e999 10" width="{"9" * 400}" height="1e999"><rect/></svg>',
    "overflowing length": f'<svg width="{"9" * 400}" height="10"><rect/></svg>',
    # characters XML forbids, in every place text reaches the document: it must still parse as XML
    "xml-invalid characters": "<svg><title>t\x01\ufffe</title><desc>d\x0b\uffff</desc>"
    '<style>.a{fill:red}\x02</style><text x="1\x03" class="a\ufffe">w\x04\r\n</text></svg>',
}


def as_xml(document: str) -> ET.Element:
    """The sanitized document parsed as XML (a .svg image must be well-formed XML)."""
    return ET.fromstring(document)


def assert_safe(document: str) -> None:
    root = as_xml(document)
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    for element in root.iter():
        name = element.tag.removeprefix(SVG)
        assert name not in FORBIDDEN_ELEMENTS, name
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), attribute
            if attribute in ("href", XLINK_HREF):
                assert value.startswith("#"), value
            for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", value):
                assert target.startswith("#"), value
        for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", element.text or ""):
            assert target.startswith("#"), element.text
    assert "\\" not in document  # no CSS escape can hide a URL
    lowered = document.lower()
    for word in ("evil.example", "javascript", "alert", "@import", "data:", "entity"):
        assert word not in lowered, word


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_svg_comes_out_safe_well_formed_and_stable(name: str) -> None:
    document = sanitize_svg(HOSTILE[name])
    assert_safe(document)
    assert sanitize_svg(document) == document
    if "<text>kept" in HOSTILE[name]:
        assert [t.text for t in as_xml(document).iter(f"{SVG}text")] == ["kept"]


def test_fragment_references_and_styles_are_kept() -> None:
    document = sanitize_svg(HOSTILE["style url"] + HOSTILE["presentation url"])
    assert ".b{fill:url(#ok)}" in document and ".a{fill:none}" in document
    rects = [r for r in as_xml(sanitize_svg(HOSTILE["presentation url"])).iter(f"{SVG}rect")]
    assert [(r.get("fill"), r.get("stroke")) for r in rects] == [(BACKDROP_FILL, None), (None, "url(#ok)")]


def svgs_of(page: Path) -> list[Any]:
    return LexborHTMLParser(page.read_text(encoding="utf-8")).css(".flowchart-card svg")


def test_real_flowcharts_keep_every_element_and_are_a_fixed_point(shared_digests: Path) -> None:
    pages = [*sorted((shared_digests / "html").glob("*.html")), *sorted(SAMPLES.glob("*.html"))]
    checked = 0
    for page in pages:
        for node in svgs_of(page):
            document = sanitize_svg_node(node)
            assert_safe(document)
            assert sanitize_svg(document) == document
            elements = [n for n in node.traverse() if n.is_element_node][1:]
            kept = [e for e in as_xml(document).iter() if e.get("class") != "fd-backdrop"][1:]
            assert len(kept) == len(elements), page
            texts = [" ".join(t.itertext()) for t in as_xml(document).iter(f"{SVG}text")]
            assert texts == [t.text() for t in node.css("text")]
            checked += 1
    assert checked >= 11


def test_backdrop_and_size_come_from_the_view_box() -> None:
    root = as_xml(sanitize_svg('<svg viewBox="-10 -5 300 200.5"><circle r="3"/></svg>'))
    assert (root.get("viewBox"), root.get("width"), root.get("height")) == (
        "-10 -5 300 200.5",
        "300",
        "200.5",
    )
    backdrop = root[0]
    assert backdrop.tag == f"{SVG}rect" and backdrop.get("fill") == BACKDROP_FILL
    assert [backdrop.get(k) for k in ("x", "y", "width", "height")] == ["-10", "-5", "300", "200.5"]
    assert root.get("xmlns") is None  # it is the element's namespace, checked by its tag above


@pytest.mark.parametrize(
    ("attributes", "view_box"),
    [
        ('width="640px" height="320"', "0 0 640 320"),
        ('width="100%" viewBox="0 0 0 10"', "0 0 1000 800"),
        ('width="100%"', "0 0 1000 800"),
        ('viewBox="0,0,50,40"', "0 0 50 40"),
    ],
)
def test_view_box_is_always_set(attributes: str, view_box: str) -> None:
    assert as_xml(sanitize_svg(f"<svg {attributes}><rect/></svg>")).get("viewBox") == view_box


def test_archive_string_with_xml_prolog_and_cdata_goes_through_the_same_sanitizer() -> None:
    archive_svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50" onload="alert(1)">'
        "<style><![CDATA[ .t { font-size: 9px } ]]></style><text class='t'>A &amp; B &lt; C</text>"
        "<script><![CDATA[ alert(2) ]]></script></svg>"
    )
    document = sanitize_svg(archive_svg)
    assert_safe(document)
    (text,) = as_xml(document).iter(f"{SVG}text")
    assert text.text == "A & B < C"
    assert ".t { font-size: 9px }" in document


def test_limits_reject_instead_of_shipping() -> None:
    with pytest.raises(SvgRejected, match="no <svg> element"):
        sanitize_svg("<div>no drawing</div>")
    with pytest.raises(SvgRejected, match="characters"):
        sanitize_svg("<svg>" + " " * MAX_SVG_INPUT_CHARS + "</svg>")
    with pytest.raises(SvgRejected, match="elements"):
        sanitize_svg("<svg>" + "<rect/>" * (MAX_SVG_ELEMENTS + 1) + "</svg>")
    long_text = "x" * (MAX_SVG_BYTES + 1)
    with pytest.raises(SvgRejected, match="bytes"):
        sanitize_svg(f"<svg><text>{long_text}</text></svg>")


def paper(svg: str, title: str = "Flow Paper", text: str = "flow text") -> Paper:
    return Paper(
        1, title, link="http://arxiv.org/abs/2501.00001", points={PointKind.TOPIC: "t"},
        flowchart_text=text, flowchart_svg=svg,
    )  # fmt: skip


def digest(*papers: Paper, day: int = 1) -> Digest:
    return Digest(dt.date(2025, 1, day), papers, Path(f"2025-01-0{day}.html"), "html")


def flowchart_field(build: Any) -> str:
    return str(build.notes[0].fields[9])


def test_media_is_named_by_content_hash_and_never_collides_across_days() -> None:
    svg = '<svg viewBox="0 0 10 10"><text>Same</text></svg>'
    first, again = build_deck(digest(paper(svg), day=1)), build_deck(digest(paper(svg), day=2))
    other = build_deck(digest(paper(svg.replace("Same", "Other")), day=3))
    (media,) = first.media
    assert media.name == f"fd-{hashlib.sha256(media.data).hexdigest()[:20]}.svg"
    assert media.data == sanitize_svg(svg).encode("utf-8")
    assert [m.name for m in again.media] == [media.name]
    assert [m.name for m in other.media] != [media.name]
    assert f'src="{media.name}"' in flowchart_field(first)


def test_image_alt_text_is_escaped() -> None:
    image = flowchart_image("<svg><rect/></svg>", 'A "quoted" <b>title</b> & more')
    (img,) = LexborHTMLParser(image.field).css("img")
    assert img.attributes["alt"] == 'Flowchart of A "quoted" <b>title</b> & more'
    assert img.attributes["src"] == image.name
    assert "background-color" in (img.attributes["style"] or "")


def test_flowchart_that_cannot_be_made_safe_falls_back_to_its_text_with_a_notice() -> None:
    build = build_deck(digest(paper("<svg>" + "<g/>" * (MAX_SVG_ELEMENTS + 1) + "</svg>")))
    assert build.media == ()
    assert flowchart_field(build) == (
        '<details class="fd-flowchart-details"><summary>Flowchart (text)</summary>'
        '<div class="fd-flowchart-text">flow text</div></details>'
    )
    assert any(f"over {MAX_SVG_ELEMENTS} elements" in notice for notice in build.notices)
    text_only = build_deck(digest(dataclasses.replace(paper(""), flowchart_svg="")))
    assert text_only.media == () and "fd-flowchart-text" in flowchart_field(text_only)


def test_flowcharts_arrive_in_ankis_media_folder_and_every_reference_resolves(
    tmp_path: Path, collection: Any
) -> None:
    sources = [SAMPLES / "2025-05-02.html", DATA / "html" / "2025-09-09-broken.html"]
    report = export_inputs(sources, ExportOptions(out_dir=tmp_path, now=1_700_000_000))
    assert not report.failures
    for deck in report.written:
        import_deck(collection, deck.path)
    media_dir = Path(collection.media.dir())
    papers = by_type(imported_notes(collection), "FlashDigest Paper")
    expected = {p.title: p for source in sources for p in next(iter(read_digests(source))).papers}
    with_images = 0
    for note in papers:
        source_paper = expected[note.fields["Title"]]
        match = IMG_FIELD_RE.fullmatch(note.fields["Flowchart"])
        assert bool(match) == bool(source_paper.flowchart_svg), note.fields["Title"]
        if match:
            with_images += 1
            data = (media_dir / match.group(1)).read_bytes()
            assert data == sanitize_svg(source_paper.flowchart_svg).encode("utf-8")
            assert_safe(data.decode("utf-8"))
    assert with_images == 4  # two sample papers, the hostile chart and the truncated one
    check = collection.media.check()
    assert list(check.missing) == [] and list(check.unused) == []


def test_archive_flowcharts_go_through_the_same_sanitizer(shared_digests: Path) -> None:
    archives = [shared_digests / "summaries-sample.jsonl", SAMPLES / "archive.jsonl"]
    shipped = 0
    for digest_of_day in (d for archive in archives for d in read_digests(archive)):
        build = build_deck(digest_of_day)
        svgs = [p.flowchart_svg for p in digest_of_day.papers if p.flowchart_svg and p.points]
        assert [m.data for m in build.media] == [sanitize_svg(svg).encode("utf-8") for svg in svgs]
        for media in build.media:
            assert_safe(media.data.decode("utf-8"))
        shipped += len(build.media)
    assert shipped >= 4


# -- an HTML page's SVG is sanitized from the page as parsed: once, and the same -------------------


def page_svgs(path: Path) -> list[str]:
    """The flowcharts' markup as a browser's parse of the page gives it (what the cards came from)."""
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    return [node.html or "" for node in tree.css(".flowchart-card svg")]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_pages_svg_gives_the_image_its_markup_gives(name: str, tmp_path: Path) -> None:
    """The parser sanitizes a page's SVG from its parsed node (no second parse): the image is the
    one the SVG's markup gives the sanitizer, hostile input included, and the builder ships it."""
    path = as_html(digest(paper(HOSTILE[name])), tmp_path)
    ((first, *_),) = [digest.papers for digest in read_digests(path)]
    markup = page_svgs(path)[0]  # (the outer one, when an <svg> nests another)
    assert first.flowchart_sanitized and first.flowchart_svg == sanitize_svg(markup)
    assert_safe(first.flowchart_svg)
    (media,) = build_deck(digest(first)).media
    assert media.data == sanitize_svg(markup).encode("utf-8")


def test_a_pages_svg_the_sanitizer_refuses_is_refused_by_the_builder_with_its_reason(tmp_path: Path) -> None:
    path = as_html(digest(paper("<svg>" + "<g/>" * (MAX_SVG_ELEMENTS + 1) + "</svg>")), tmp_path)
    ((first, *_),) = [digest.papers for digest in read_digests(path)]
    assert not first.flowchart_sanitized and first.flowchart_svg == page_svgs(path)[0]
    build = build_deck(digest(first))
    assert build.media == () and any(f"over {MAX_SVG_ELEMENTS} elements" in n for n in build.notices)


def test_every_pages_svg_is_sanitized_as_its_markup_would_be(shared_digests: Path) -> None:
    """On the samples, the broken pages and the real pages of every layout."""
    pages = [
        *SAMPLES.glob("*.html"),
        *(DATA / "html").glob("*.html"),
        *(shared_digests / "html").glob("*.html"),
    ]
    compared = 0
    for path in sorted(pages):
        papers = [paper for digest in read_digests(path) for paper in digest.papers if paper.flowchart_svg]
        markups = {sanitize_svg(markup) for markup in page_svgs(path)}
        for paper in papers:
            assert paper.flowchart_sanitized, (path.name, paper.number)
            assert paper.flowchart_svg in markups, (path.name, paper.number)
            compared += 1
    assert compared >= 15


def test_only_the_html_parser_hands_over_a_sanitized_svg(shared_digests: Path) -> None:
    sources = [
        SAMPLES / "archive.jsonl",
        SAMPLES / "hand-written.yaml",
        shared_digests / "summaries-sample.jsonl",
    ]
    papers = [paper for source in sources for digest in read_digests(source) for paper in digest.papers]
    assert any(paper.flowchart_svg for paper in papers)
    assert not any(paper.flowchart_sanitized for paper in papers)


def test_the_attributes_kept_for_reuse_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the sanitizer keeps of attributes it made is emptied when full, and changes nothing."""
    import flashdigest.svg

    svg = "<svg>" + "".join(f'<rect x="{n}" y="{n}" onclick="x()"/>' for n in range(300)) + "</svg>"
    expected = sanitize_svg(svg)
    monkeypatch.setattr(flashdigest.svg, "_MADE", {})
    monkeypatch.setattr(flashdigest.svg, "_MADE_MAX", 50)
    assert sanitize_svg(svg) == expected
    assert 0 < len(flashdigest.svg._MADE) <= 50


#: plain characters (the words of ``-moz-binding`` among them) and a few of those that need checks
VALUE_CHARACTERS = [*"0a Z#%+,-.mozbindingBINDING", *"\\(:/&<>\"'\x1c\t"]


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["fill", "x", "transform", "font-family", "style", "href", "xlink:href", "onclick"]),
    value=st.text(alphabet=st.sampled_from(VALUE_CHARACTERS), max_size=24),
)
@example(name="fill", value="-moz-binding")
@example(name="fill", value="-MOZ-Binding x")
@example(name="style", value=" fill ")
@example(name="href", value="#a")
def test_a_plain_value_kept_unchecked_is_what_the_checks_give(name: str, value: str) -> None:
    """A value of plain characters skips the checks: it must come out as they would give it."""
    import flashdigest.svg as svg
    from flashdigest import svg_css

    checked = svg._safe_value(name, svg_css.plain(value)) if name in svg._ATTRIBUTES else None
    expected = "" if checked is None else f' {svg._ATTRIBUTES[name]}="{svg._xml_attr(checked)}"'
    assert svg._checked_attribute(name, value) == expected


def test_a_binding_in_a_plain_value_is_dropped() -> None:
    assert "binding" not in sanitize_svg('<svg><rect fill="-moz-binding" x="1"/></svg>').lower()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"hfiletpsw:/ .x;('\")\t\n"]), max_size=30))
@example("http:/host")
@example("//host")
@example("https:\t /host")
def test_the_address_pattern_is_skipped_only_where_it_cannot_match(text: str) -> None:
    from flashdigest import svg_css

    assert svg_css._may_hold_address(text) or svg_css._CSS_ADDRESS_RE.search(text) is None
