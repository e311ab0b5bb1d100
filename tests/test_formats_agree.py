"""Formats agree: one digest rendered as text (+ answer key), HTML page, JSONL archive and YAML,
each exported and imported into the real Anki backend, gives the same notes, field by field,
with the same GUIDs.

The renderings are written here from one :class:`Digest`, each the way its source writes it:
the text as a reader copies it from a page, the page the way the generator writes it (attributes
unescaped, so an option starting with a quote breaks ``data-answer`` and ``data-value``, and a
point that swallowed the next ones), the archive's Markdown (numbered or not, all five points on
one line or one a line), YAML as a person writes it. Only the flowchart differs by nature: the
text has its words, the others its SVG; the ``Flowchart`` field is compared among those.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from flashdigest.model import Digest, Paper, PointKind, Question
from flashdigest.options import DeckOptions
from flashdigest.parse import ParseOptions
from flashdigest.pipeline import ExportOptions, export_inputs
from flashdigest.verify import throwaway_collection
from tests.anki_helpers import import_deck, imported_notes

EMOJI = {"TOPIC": "📘", "PRIOR_WORK": "💡", "PROBLEM": "❓", "METHODS": "🛠️", "RESULTS": "📊"}
SVG = (
    '<svg viewBox="0 0 100 40" xmlns="http://www.w3.org/2000/svg">'
    '<text x="2" y="20">Ask then answer</text></svg>'
)


def points(prefix: str) -> dict[PointKind, str]:
    return {kind: f"{prefix} {kind.label.lower()} point, with 5% and $20 in it." for kind in PointKind}


DIGEST = Digest(
    date=dt.date(2025, 12, 1),
    source=Path("digest"),
    format="model",
    papers=(
        Paper(
            number=1,
            title="Spilled Points: Every Format Agrees",
            published=dt.date(2025, 11, 28),
            link="http://arxiv.org/pdf/2511.09001",
            points=points("First"),
            flowchart_text="Ask then answer",
            flowchart_svg=SVG,
            questions=(
                Question(1, "Which sampling does it use?", ('"Monte Carlo" sampling', "Grid search"), 0),
                Question(2, "How many stages?", ("One", "Two", "Three"), 2),
            ),
        ),
        Paper(
            number=2,
            title="Unnumbered: Points Without Their Numbers",
            published=dt.date(2025, 11, 29),
            link="http://arxiv.org/abs/2511.09002",
            points=points("Second"),
            questions=(Question(1, "Is it read right?", ("No", "Yes"), 1),),
        ),
        Paper(number=3, title="Titles Only: A Paper Without Points", link="http://arxiv.org/abs/2511.09003"),
    ),
)


def label(kind: PointKind) -> str:
    return f"{EMOJI[kind.name]} {kind.label}"


def spilled(paper: Paper, kinds: list[PointKind]) -> str:
    """The first point with every later one swallowed: ``text 2. **💡 Label:** text2 ...``."""
    first, *rest = kinds
    return paper.points[first] + "".join(
        f"  {kind.position}. **{label(kind)}:** {paper.points[kind]}" for kind in rest
    )


# -- the renderings --------------------------------------------------------------------------------


def as_text(digest: Digest, folder: Path) -> Path:
    lines = [f"{digest.date} Papers", ""]
    key: dict[int, list[str]] = {}
    for paper in digest.papers:
        lines += ["1/2", f"Paper {paper.number}", paper.title]
        lines += [f"Published: {paper.published}"] if paper.published else []
        lines += [f"Link: {paper.link}"]
        kinds = [kind for kind in PointKind if kind in paper.points]
        if kinds and paper.number == 1:  # as copied from a page whose first point swallowed the rest
            lines.append(f"1. {label(kinds[0])}: {spilled(paper, kinds)}")
        elif kinds:  # copied without the list's numbers
            lines += [f"{label(kind)}: {paper.points[kind]}" for kind in kinds]
        lines += [paper.title] + ([paper.flowchart_text] if paper.flowchart_text else [])
        for question in paper.questions:
            lines += [f"Q{question.number}", f"{question.number}. {question.text}", *question.options]
            key.setdefault(paper.number, []).append("ABC"[question.answer or 0])
    path = folder / f"{digest.date}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / f"{digest.date}.answers.yaml").write_text(yaml.safe_dump(key), encoding="utf-8")
    return path


def text(value: str) -> str:
    """Text the way the page generator escapes it: ``&<>`` only, quotes left as they are."""
    return html.escape(value, quote=False)


def as_html(digest: Digest, folder: Path) -> Path:
    blocks = []
    for paper in digest.papers:
        kinds = [kind for kind in PointKind if kind in paper.points]
        chunks = "".join(
            f'<div class="category-chunk">{kind.position}.  <strong>{label(kind)}:</strong> '
            f"{text(spilled(paper, kinds[index:]))}</div>"
            for index, kind in enumerate(kinds)
        )
        tabs = "".join(
            f'<div class="quiz-tab">Q{q.number}<div class="quiz-popup" data-answer="{q.answer_text}">'
            f'<div class="quiz-question">{q.number}. {text(q.text)}</div><div class="quiz-choices">'
            + "".join(f'<div class="quiz-choice" data-value="{o}">{text(o)}</div>' for o in q.options)
            + "</div></div></div>"
            for q in paper.questions
        )
        published = f"<p><strong>Published: </strong>{paper.published}</p>" if paper.published else ""
        blocks.append(
            f'<div class="paper-container"><div class="card-deck"><div class="card-counter">1/2</div>'
            f'<div class="paper-card active"><h2>Paper {paper.number}</h2><p><strong>{text(paper.title)}'
            f'</strong></p>{published}<p><strong>Link: </strong><a href="{paper.link}">{paper.link}</a></p>'
            f'<div>{chunks}</div></div><div class="paper-card flowchart-card"><h2>{text(paper.title)}</h2>'
            f'{paper.flowchart_svg}</div></div><div class="quiz-tabs">{tabs}</div></div>'
        )
    page = f"<!DOCTYPE html><html><body><h1>{digest.date} Papers</h1>{''.join(blocks)}</body></html>"
    path = folder / f"{digest.date}.html"
    path.write_text(page, encoding="utf-8")
    return path


def as_jsonl(digest: Digest, folder: Path) -> Path:
    rows = []
    for paper in digest.papers:
        kinds = [kind for kind in PointKind if kind in paper.points]
        if paper.number == 1:  # all five on one line
            content = f"Here's an analysis:\n\n1. **{label(kinds[0])}:** {spilled(paper, kinds)}\n"
        else:  # Markdown without numbers
            content = "\n\n".join(f"**{label(kind)}:** {paper.points[kind]}" for kind in kinds)
        questions = {
            f"question{q.number}": {
                "question": q.text,
                **{f"option{i}": option for i, option in enumerate(q.options, 1)},
                "answer": f"option{(q.answer or 0) + 1}",
            }
            for q in paper.questions
        }
        row: dict[str, object] = {"title": paper.title, "url": paper.link, "date": str(digest.date)}
        row["content"] = content
        row |= {"published_at": str(paper.published)} if paper.published else {}
        row |= {"questions": questions, "flow_chart": paper.flowchart_svg}
        rows.append(json.dumps(row, ensure_ascii=False))
    path = folder / f"{digest.date}.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def as_yaml(digest: Digest, folder: Path) -> Path:
    papers: list[dict[str, Any]] = []
    for paper in digest.papers:
        entry: dict[str, Any] = {"title": paper.title, "link": paper.link}
        entry |= {"published": str(paper.published)} if paper.published else {}
        entry["points"] = {kind.name.lower(): text for kind, text in paper.points.items()}
        entry |= {"flowchart_svg": paper.flowchart_svg} if paper.flowchart_svg else {}
        entry["questions"] = [
            {"question": q.text, "options": list(q.options), "answer": q.answer_text} for q in paper.questions
        ]
        papers.append(entry)
    path = folder / f"{digest.date}.yaml"
    path.write_text(yaml.safe_dump({"date": str(digest.date), "papers": papers}, allow_unicode=True), "utf-8")
    return path


# -- the test ------------------------------------------------------------------------------------


def exported_notes(source: Path, out: Path) -> dict[str, dict[str, Any]]:
    report = export_inputs(
        [source],
        ExportOptions(out_dir=out, parse=ParseOptions(), now=1_700_000_000, deck=DeckOptions(cards=("all",))),
    )
    assert not report.failures, report.failures
    with throwaway_collection() as collection:
        for deck in report.written:
            import_deck(collection, deck.path)
        return {
            note.guid: {
                "type": note.notetype,
                **note.fields,
                "tags": note.tags,
                "decks": note.decks,
                "cards": note.cards,
            }
            for note in imported_notes(collection)
        }


def test_text_html_jsonl_and_yaml_give_the_same_notes_field_by_field(tmp_path: Path) -> None:
    notes = {}
    for fmt, render in (("text", as_text), ("html", as_html), ("jsonl", as_jsonl), ("yaml", as_yaml)):
        folder = tmp_path / fmt
        folder.mkdir()
        notes[fmt] = exported_notes(render(DIGEST, folder), tmp_path / f"{fmt}-decks")
    reference = notes["yaml"]
    types = Counter(note["type"] for note in reference.values())
    # two papers with points (a paper without gets no note), three MCQs, and the figures' cloze notes
    assert (types["FlashDigest Paper v2"], types["FlashDigest MCQ v2"]) == (2, 3)
    assert types["FlashDigest Cloze"] > 0 and len(types) == 3
    for fmt in ("text", "html", "jsonl"):
        assert notes[fmt].keys() == reference.keys(), fmt
        for guid, fields in reference.items():
            for name, value in fields.items():
                if fmt == "text" and name == "Flowchart":
                    continue  # the text has the flowchart's words, the others its picture
                assert notes[fmt][guid][name] == value, (fmt, fields.get("Title") or fields["Question"], name)
    flowcharts = [
        note["Flowchart"] for note in notes["text"].values() if note["type"] == "FlashDigest Paper v2"
    ]
    assert any("Ask then answer" in flowchart for flowchart in flowcharts)


def test_the_page_is_broken_the_way_the_generator_breaks_it(tmp_path: Path) -> None:
    page = as_html(DIGEST, tmp_path).read_text(encoding="utf-8")
    assert 'data-answer=""Monte Carlo" sampling"' in page
    assert 'data-value=""Monte Carlo" sampling"' in page
    assert "  2. **💡 Previous Research and New Ideas:** First" in page
