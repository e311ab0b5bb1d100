"""Property-based tests (hypothesis) of every parser and of the path to the card.

1. Any input, to any parser, gives digests or the project's own FlashdigestError: never another
   exception, never an "internal error".
2. Any text that survives parsing shows unchanged on the card that the real Anki backend renders,
   after the documented normalisations (control characters removed, surrounding space stripped,
   runs of whitespace collapsed where the format collapses them).
3. The SVG sanitizer's output, from any markup, is well-formed, safe, and a fixed point.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from flashdigest.errors import FlashdigestError, SvgRejected
from flashdigest.parse import ParseOptions, read_digests
from flashdigest.parse.source import clean_text
from flashdigest.pipeline import ExportOptions, export_inputs
from flashdigest.svg import sanitize_svg
from flashdigest.verify import import_package, throwaway_collection
from fuzz.targets import UNSAFE_CSS_RE
from tests.hostile.inputs import SVG, TEMPLATES, html_page, jsonl_row, text_digest, yaml_digest

FORMATS = ("text", "html", "jsonl", "yaml")
SUFFIX = {"text": ".txt", "html": ".html", "jsonl": ".jsonl", "yaml": ".yaml"}
COMMON = settings(
    max_examples=100,
    deadline=None,
    database=None,  # nothing written into the checkout; a failure prints its example to pin with @example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROUND_TRIP = settings(COMMON, max_examples=30)

#: markup-ish text: the characters that break parsers, and some words
_PIECES = st.sampled_from(
    [
        "<", ">", "&", ";", '"', "'", "/", "=", "\n", " ", "\t", "\x00", "\x1f", "\ufeff", "\ud800",
        "<div>", "</div>", "<p>", "<svg>", "</svg>", "<script>", "<!--", "-->", "<![CDATA[", "]]>",
        "&amp;", "&#0;", "&#xd800;", "&lt;", "Paper 1", "2025-07-01 Papers", "Published: 2025-07-01",
        "Link: ", "1. Topic:", "Q1", "[", "]", "{", "}", ":", "- ", "*a", "&a", "---", "\\",
        'class="paper-card"', 'class="category-chunk"', 'class="quiz-popup" data-answer="x"',
    ]
)  # fmt: skip
markupish = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join)


def read_all(path: Path, fmt: str | None = None) -> list[Any]:
    """Every digest of ``path``; a FlashdigestError is an accepted outcome, any other is a bug."""
    try:
        return list(read_digests(path, ParseOptions(format=fmt)))
    except FlashdigestError:
        return []


# -- 1. any input: a digest or the project's own error ----------------------------------------------


@COMMON
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(FORMATS))
def test_any_bytes_give_digests_or_a_parse_error(tmp_path: Path, data: bytes, fmt: str) -> None:
    path = tmp_path / f"input{SUFFIX[fmt]}"
    path.write_bytes(data)
    read_all(path, fmt)
    read_all(path)  # format detected from the content


@COMMON
@given(text=markupish, fmt=st.sampled_from(FORMATS))
def test_any_markupish_text_gives_digests_or_a_parse_error(tmp_path: Path, text: str, fmt: str) -> None:
    path = tmp_path / f"input{SUFFIX[fmt]}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    read_all(path, fmt)


@COMMON
@given(piece=markupish, where=st.sampled_from(("title", "point")), fmt=st.sampled_from(FORMATS))
def test_a_valid_digest_with_anything_in_a_field_parses_or_fails_cleanly(
    tmp_path: Path, piece: str, where: str, fmt: str
) -> None:
    path = tmp_path / f"input{SUFFIX[fmt]}"
    path.write_bytes(TEMPLATES[fmt](**{where: piece}).encode("utf-8", "surrogatepass"))
    read_all(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
row_keys = st.sampled_from(["title", "date", "published_at", "url", "content", "questions", "flow_chart"])


@COMMON
@given(rows=st.lists(st.dictionaries(row_keys, json_values, max_size=7), min_size=1, max_size=5))
def test_any_json_rows_give_digests_or_line_errors(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / "archive.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    read_all(path)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["date", "papers", "title", "points", "topic", "questions"]), inner)
    ),
    max_leaves=15,
)


@COMMON
@given(document=st.dictionaries(st.sampled_from(["date", "papers"]), yaml_values))
def test_any_yaml_structure_gives_digests_or_a_parse_error(tmp_path: Path, document: dict[str, Any]) -> None:
    path = tmp_path / "digest.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    read_all(path)


# -- 2. what survives parsing shows unchanged on the card ---------------------------------------------

#: text a digest may carry: any printable character but the few with a documented meaning
#: ($ starts math, which the card turns into MathJax delimiters), controls and odd spaces included
field_chars = st.characters(
    codec="utf-8",  # no lone surrogates (category Cs)
    exclude_characters="$",
)
field_text = st.text(field_chars, min_size=1, max_size=40)


def normalised(text: str, collapse: bool) -> str:
    """The documented normalisations: control characters removed, stripped, whitespace collapsed
    (every format but YAML collapses or splits on it), and Anki's own: Unicode NFC."""
    text = unicodedata.normalize("NFC", clean_text(text).strip())
    return " ".join(text.split()) if collapse else text


def shown_text(collection: Any) -> str:
    """The text of every card, front and back, as Anki renders it: markup dropped, entities read."""
    shown = []
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        for rendered in (card.question(), card.answer()):
            rendered = re.sub(r"<(script|style)\b.*?</\1>", " ", rendered, flags=re.DOTALL)
            shown.append(html.unescape(re.sub(r"<[^>]*>", " ", rendered)))
    return "\n".join(shown)


def export_and_render(tmp_path: Path, name: str, data: str) -> str | None:
    """Export ``data`` through the pipeline; the rendered cards' text, or None when it failed."""
    run = Path(tempfile.mkdtemp(dir=tmp_path))  # every example its own input and decks
    source = run / name
    source.write_text(data, encoding="utf-8")
    out = run / "decks"
    report = export_inputs([source], ExportOptions(out_dir=out, now=0.0))
    assert not [f for f in report.failures if "internal error" in f.reason], report.failures
    if report.failures or not report.written:
        return None
    with throwaway_collection() as collection:
        for deck in report.written:
            import_package(collection, deck.path)
        return shown_text(collection)


def _as_text_line(text: str) -> str:
    """A text digest carries one line per field (and a NUL makes it a binary file: catalogued)."""
    return " ".join(text.replace("\x00", "").split())


@ROUND_TRIP
@given(title=field_text, point=field_text)
def test_text_digest_fields_show_unchanged(tmp_path: Path, title: str, point: str) -> None:
    title, point = _as_text_line(title), _as_text_line(point)
    assume(normalised(title, True) and normalised(point, True))
    assume(not re.match(r"^(Paper\s*:?\s*\d+|\d+\s*/\s*\d+|Published\s*:|Link\s*:|\d[.)])", title, re.I))
    shown = export_and_render(tmp_path, "d.txt", text_digest(title=title, point=point))
    assert shown is not None
    assert normalised(title, True) in shown
    assert normalised(point, True) in " ".join(shown.split())


@ROUND_TRIP
@given(title=field_text, point=field_text)
def test_html_page_fields_show_unchanged(tmp_path: Path, title: str, point: str) -> None:
    assume(normalised(title, True) and normalised(point, True))
    page = html_page(title=html.escape(title), point=html.escape(point), svg=SVG)
    shown = export_and_render(tmp_path, "2025-07-01.html", page)
    if shown is None:
        return  # e.g. a title that reads "Published: ..." is no title: a clean failure
    shown = " ".join(shown.split())
    assert normalised(title, True) in shown
    assert normalised(point, True) in shown


@ROUND_TRIP
@given(title=field_text, point=field_text)
@example(title="0\r1", point="0")  # found: a JSON "\r" joined the words on the card
@example(title="Caf\u00e9 \U00010000", point="\uf900")  # Anki shows NFC
def test_jsonl_row_fields_show_unchanged(tmp_path: Path, title: str, point: str) -> None:
    point = _as_text_line(point)  # a point is a line of the row's Markdown
    assume(normalised(title, True) and normalised(point, True))
    shown = export_and_render(tmp_path, "a.jsonl", jsonl_row(title=title, point=point))
    assert shown is not None
    shown = " ".join(shown.split())
    assert normalised(title, True) in shown
    assert normalised(point, True) in shown


@ROUND_TRIP
@given(title=field_text, point=field_text)
@example(title="0", point="\U00010000")  # beyond U+FFFF (written as YAML's \U escape)
def test_yaml_digest_fields_show_unchanged(tmp_path: Path, title: str, point: str) -> None:
    assume(normalised(title, True) and normalised(point, True))
    shown = export_and_render(tmp_path, "d.yaml", yaml_digest(title=title, point=point))
    assert shown is not None
    shown = " ".join(shown.split())
    assert normalised(title, True) in shown
    assert normalised(point, True) in shown


# -- 3. the SVG sanitizer ------------------------------------------------------------------------------

svg_pieces = st.sampled_from(
    [
        "<svg>", "</svg>", "<g>", "</g>", "<text>", "</text>", "<script>", "</script>",
        "<foreignObject>", "<style>", "</style>", "<a href='javascript:x'>", "<use href='http://e/x'/>",
        " onload='x'", " style='fill:url(http://e)'", " href='#a'", " fill='url(#a)'", "<!--", "-->",
        "<![CDATA[", "]]>", "\\", "url(", ")", "&", "&#x6a;", "'", '"', "<", ">", "=", " ", "x",
        "\x00", "\x1f", "\ud800", "@import", "expression(", "<rect/>", "<path d='M0 0'/>",
    ]
)  # fmt: skip


@settings(COMMON, max_examples=150)
@given(parts=st.lists(st.one_of(svg_pieces, st.text(max_size=6)), max_size=40))
@example(parts=["<style>", " "])  # found: <style></style> sanitized again became <style/>
@example(parts=["<text>a\rb</text><rect x='1\r'/>"])  # found by fuzzing: a CR came back as LF
@example(parts=["<text>\x05</text>"])  # found by fuzzing: <text></text>, then <text/>
@example(parts=["<text>", " style='fill:url(http://e)'"])  # shown text, not a reference
def test_sanitized_svg_is_well_formed_safe_and_a_fixed_point(parts: list[str]) -> None:
    markup = "<svg>" + "".join(parts)
    try:
        document = sanitize_svg(markup)
    except SvgRejected:
        return
    root = ET.fromstring(document)
    active = []  # what a renderer acts on: attribute values and style sheets (not shown text)
    for element in root.iter():
        tag = element.tag.split("}")[-1].lower()
        assert tag not in {"script", "foreignobject", "a", "image", "iframe"}, tag
        if tag == "style":
            active.append(element.text or "")
        for key, value in element.attrib.items():
            assert not key.split("}")[-1].lower().startswith("on"), key
            if key.split("}")[-1] == "href":
                assert value.startswith("#"), value
            active.append(value)
    for value in active:
        assert not UNSAFE_CSS_RE.search(value), (value, document)
    assert sanitize_svg(document) == document


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_templates_themselves_export(tmp_path: Path, fmt: str) -> None:
    """The properties above start from these digests: they must be good ones."""
    shown = export_and_render(tmp_path, f"2025-07-01{SUFFIX[fmt]}", TEMPLATES[fmt]())
    assert shown is not None and "A Plain Title" in shown
