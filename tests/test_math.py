"""Math in summaries: ``$...$`` becomes the ``\\(...\\)`` Anki's MathJax renders; prices stay prices.

Rendering the math is Anki's own MathJax (in the apps, not in the ``anki`` package); what we check
is that the delimiters reach the card as the real backend renders it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flashdigest.cards.builder import field_text, math_delimiters
from tests.anki_helpers import by_type, imported_notes
from tests.browser_helpers import import_demo_deck, rendered_cards


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("loss $x^2$ falls", r"loss \(x^2\) falls"),
        ("$a$ and $b$", r"\(a\) and \(b\)"),
        ("sum $$\\sum_i x_i$$ here", r"sum \[\sum_i x_i\] here"),
        ("cost $O(n \\log n)$.", r"cost \(O(n \log n)\)."),
        ("escaped \\$ inside $a\\$b$", r"escaped \$ inside \(a\$b\)"),
        ("already \\(x\\) done", r"already \(x\) done"),
    ],
)
def test_dollar_math_becomes_anki_delimiters(text: str, expected: str) -> None:
    assert math_delimiters(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "costs $5 and saves $10 a month",
        "from $20,000 to $30,000",
        "priced $5-$10",
        "US$ 5 or $ 6 $",
        "a lone $ sign",
        "costs \\$5 and \\$6",
        "paid $5, then $6.",
        "$$",
        "$ x$",
        "$x $",
    ],
)
def test_dollars_that_are_not_math_stay(text: str) -> None:
    assert math_delimiters(text) == text


def test_field_text_escapes_markup_inside_math_and_keeps_line_breaks_out_of_it() -> None:
    assert field_text("if $a<b$ then\n$c$") == r"if \(a&lt;b\) then<br>\(c\)"
    assert field_text("$a\nb$") == "$a<br>b$"


def test_math_reaches_the_card_as_the_backend_renders_it(collection: Any, tmp_path: Path) -> None:
    import_demo_deck(collection, tmp_path)
    (paper,) = by_type(imported_notes(collection), "FlashDigest Paper")
    assert paper.fields["Results"] == (
        r"Matches the teacher on four of five tasks at 1/100 of the energy ($3 of power a year); "
        r"planning costs \(O(H \cdot d^2)\) for horizon \(H\) and width \(d\)."
    )
    results_card = next(card for card in rendered_cards(collection) if card.template.startswith("5."))
    assert r"\(O(H \cdot d^2)\)" in results_card.answer
    assert "($3 of power a year)" in results_card.answer
