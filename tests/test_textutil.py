"""The text helpers every stage shares (flashdigest/textutil.py)."""

from __future__ import annotations

import html

from hypothesis import example, given
from hypothesis import strategies as st

from flashdigest.textutil import (
    _CONTROL_RE,
    SURROGATE_RE,
    clean_text,
    collapse_space,
    escape_html,
    remove_controls,
    utf8_has_controls,
)


@given(st.text(alphabet=st.sampled_from("&<>\"'a &amp;é\x00中")))
def test_escape_html_is_htmls_escape(text: str) -> None:
    assert escape_html(text) == html.escape(text)


#: bytes near the edges of what remove_controls removes, in and out of UTF-8 sequences
EDGE_BYTES = st.sampled_from(
    [0x00, 0x08, 0x09, 0x0A, 0x0B, 0x0D, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0xC2, 0xC3, 0xE2, 0xEF]
)


@given(st.binary() | st.lists(EDGE_BYTES).map(bytes))
def test_utf8_has_controls_is_searching_the_decoded_text(data: bytes) -> None:
    assert utf8_has_controls(data) == bool(_CONTROL_RE.search(data.decode("utf-8", "replace")))


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_utf8_has_controls_sees_every_control_of_a_text(text: str) -> None:
    assert utf8_has_controls(text.encode()) == (remove_controls(text) != text)


def test_utf8_has_controls_on_the_edges() -> None:
    assert not utf8_has_controls("tab\tnew\nline\r é \u00d7 ° \u00a0 中".encode())
    assert utf8_has_controls(b"a\x1fb")  # Anki's field separator
    assert utf8_has_controls("a\u0085b".encode())  # a C1 control: C2 85
    assert not utf8_has_controls(b"\xc2\xa0\xc2")  # a no-break space and a cut-off C2
    assert utf8_has_controls(b"\xe2\xc2\x80")  # a broken sequence before a C1 control


SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000"


@given(
    st.text(alphabet=st.sampled_from(f"a b{SPACES}é"))
    | st.sampled_from(SPACES).map(lambda space: f"a{space}b")
)
@example("a  b")
@example(" a")
@example("a ")
def test_collapse_space_is_splitting_and_joining(text: str) -> None:
    assert collapse_space(text) == " ".join(text.split())


@given(
    st.text(st.characters(codec=None))
    | st.text(alphabet=st.sampled_from("a\t\n\r\x00\x1f\x7f\x85\x9f\xad\u200b\ud800é中"))
)
def test_clean_text_is_its_two_patterns(text: str) -> None:
    """What clean_text returns unread (a printable text) is what its patterns would leave."""
    assert clean_text(text) == SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", text))
    if not SURROGATE_RE.search(text):
        assert remove_controls(text) == _CONTROL_RE.sub("", text)
