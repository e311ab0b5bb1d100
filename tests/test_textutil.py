"""The text helpers every stage shares (flashdigest/textutil.py)."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from flashdigest.textutil import escape_html


@given(st.text(alphabet=st.sampled_from("&<>\"'a &amp;é\x00中")))
def test_escape_html_is_htmls_escape(text: str) -> None:
    assert escape_html(text) == html.escape(text)
