"""HTML digest pages in every layout, broken ones too, exported and imported into the real Anki backend.

What a page says is read a second, independent way for the checks: beautifulsoup4 over html5lib
(the WHATWG reference tree builder), against flashdigest's lexbor parser.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki
import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner

from flashdigest.cards.builder import build_deck, field_text
from flashdigest.cards.mcq import answer_of
from flashdigest.cli import main
from flashdigest.errors import ParseError
from flashdigest.limits import LIMITS
from flashdigest.model import Digest, PointKind
from flashdigest.parse import ParseOptions, read_digests
from flashdigest.parse.html import parse_html
from flashdigest.parse.source import decode_source
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import FULL_SET, by_type, import_deck, imported_notes, without_cloze
from tests.conftest import DATA, SAMPLES
from tests.golden import assert_matches_golden

HTML_DATA = DATA / "html"
BROKEN = HTML_DATA / "2025-09-09-broken.html"
SHARED_PAGES = ("2025-03-20", "2025-04-14", "2026-03-25", "2026-04-10", "2026-08-21")
LABELS = {
    "en": (
        "Topic and Domain",
        "Previous Research and New Ideas",
        "Problem",
        "Methods",
        "Results and Evaluation",
    ),
    "zh": ("主题与领域", "先前研究与新思路", "问题", "方法", "结果与评估"),
}


def parse_page(markup: str, name: str = "2025-01-02.html", lang: str = "en") -> Digest:
    return parse_html(decode_source(markup.encode("utf-8"), Path(name)), lang)


def export(paths: list[Path], out: Path, lang: str = "en") -> list[Path]:
    report = export_inputs(
        paths, ExportOptions(out_dir=out, parse=ParseOptions(lang=lang), now=1_700_000_000, deck=FULL_SET)
    )
    assert not report.failures, report.failures
    return [deck.path for deck in report.written]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- the independent reading of a page ---------------------------------------------------------


@dataclass
class PagePaper:
    title: str
    arxiv: str
    points: dict[str, str] = field(default_factory=dict)
    answers: dict[int, tuple[str, str]] = field(default_factory=dict)  # Q number -> (question, answer)
    has_svg: bool = False


def shown(node: Tag) -> str:
    return " ".join(node.get_text("").split())


def page_papers(path: Path, lang: str) -> list[PagePaper]:
    """The papers of a page as html5lib builds its tree, read with the simplest rules that fit."""
    soup: Any = BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")  # bs4 types its results loosely
    papers = []
    for card in soup.select(".paper-card:not(.flowchart-card)"):
        root = card.find_parent(class_="paper-container") or card
        title = shown(card.find("p"))
        found = re.search(r"\d{4}\.\d{4,5}", card.find("a")["href"])
        assert found is not None
        arxiv = found.group(0)
        paper = PagePaper(title, arxiv, has_svg=root.select_one(".flowchart-card svg") is not None)
        chunks = card.select(f'[data-lang="{lang}"] .category-chunk') or card.select(".category-chunk")
        for chunk in chunks:
            label = shown(chunk.find("strong"))
            body = shown(chunk).split(label, 1)[1]
            body = re.split(r"\s\d\.\s*\*\*", " " + body)[0].strip()  # cut what the point swallowed
            kind = next(
                k for k, en, zh in zip(PointKind, *LABELS.values(), strict=True) if en in label or zh in label
            )
            paper.points.setdefault(kind.field_name, body)
        for number, tab in enumerate(root.select(".quiz-tab"), start=1):
            popup = tab.select_one(f'.quiz-popup[data-lang="{lang}"]') or tab.select_one(".quiz-popup")
            right = [c for c in popup.select(".quiz-choice") if c.get("data-value") == popup["data-answer"]]
            question = re.sub(r"^\d+\.\s*", "", shown(popup.select_one(".quiz-question")))
            paper.answers[number] = (question, shown(right[0]))
        papers.append(paper)
    return papers


# -- the real pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", SHARED_PAGES)
def test_shared_page_imports_with_every_field_and_answer_of_the_page(
    shared_digests: Path, tmp_path: Path, collection: Any, page: str, lang: str
) -> None:
    source = shared_digests / "html" / f"{page}.html"
    expected = page_papers(source, lang)
    decks = export([source], tmp_path / "decks", lang)
    if not expected:
        assert decks == []
        return
    (deck,) = decks
    counts = import_deck(collection, deck)
    notes = imported_notes(collection)
    assert counts.new == len(notes)
    assert len(without_cloze(notes)) == len(expected) + sum(len(p.answers) for p in expected)
    assert {d for n in notes for d in n.decks} == {f"Paper Digests::{page}"}
    paper_notes = {n.guid: n for n in by_type(notes, "FlashDigest Paper")}
    mcq_notes = {n.guid: n for n in by_type(notes, "FlashDigest MCQ")}
    for paper in expected:
        note = paper_notes[genanki.guid_for(f"arxiv:{paper.arxiv}", "paper")]
        assert note.fields["Title"] == html.escape(paper.title)
        for kind in PointKind:
            assert note.fields[kind.field_name] == field_text(paper.points.get(kind.field_name, "")), kind
        assert note.cards == len(paper.points)
        assert note.fields["Flowchart"].startswith('<img class="fd-flowchart" src="fd-') == paper.has_svg
        for number, (question, answer) in paper.answers.items():
            mcq = mcq_notes[genanki.guid_for(f"arxiv:{paper.arxiv}", f"mcq{number}")]
            assert (mcq.fields["Question"], answer_of(mcq.fields["Answer"])) == (
                field_text(question),
                field_text(answer),
            )
            assert mcq.fields["Paper"] == html.escape(paper.title)


def test_text_digest_and_its_page_give_the_same_papers_and_guids(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    (text,) = read_digests(shared_digests / "000_0e9ee186ca297bc0.txt")
    (page,) = read_digests(shared_digests / "html" / "2025-04-14.html")
    for from_text, from_page in zip(text.papers, page.papers, strict=True):
        assert from_page.identity == from_text.identity
        assert (from_page.title, from_page.points) == (from_text.title, from_text.points)
        assert from_page.flowchart_text == from_text.flowchart_text
        assert [(q.text, q.options) for q in from_page.questions] == [
            (q.text, q.options) for q in from_text.questions
        ]
    key = tmp_path / "in" / "2025-04-14.answers.yaml"
    key.parent.mkdir()
    shutil.copy(shared_digests / "000_0e9ee186ca297bc0.txt", key.parent / "2025-04-14.txt")
    answers = {p.number: [chr(ord("A") + q.answer) for q in p.questions] for p in page.papers}  # type: ignore[operator]
    key.write_text("".join(f"{number}: [{', '.join(letters)}]\n" for number, letters in answers.items()))
    (text_deck,) = export([key.parent / "2025-04-14.txt"], tmp_path / "from-text")
    (page_deck,) = export([shared_digests / "html" / "2025-04-14.html"], tmp_path / "from-page")
    added = import_deck(collection, text_deck).new
    assert import_deck(collection, page_deck).new == 0  # every note of the page is a note of the text
    assert len(imported_notes(collection)) == added
    assert len(without_cloze(imported_notes(collection))) == 12


def test_directory_with_text_and_page_of_one_date_exports_one_deck_from_the_page(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(shared_digests / "000_0e9ee186ca297bc0.txt", folder / "2025-04-14.txt")
    shutil.copy(shared_digests / "html" / "2025-04-14.html", folder / "2025-04-14.html")
    code, out, err = run("export", str(folder), "--out", str(tmp_path / "decks"), "--cards", "all")
    assert code == 0, err
    assert [p.name for p in (tmp_path / "decks").glob("*.apkg")] == ["2025-04-14.apkg"]
    assert re.search(r"2025-04-14\.txt: 2025-04-14: .*2025-04-14\.html.* richer", err), out + err
    import_deck(collection, tmp_path / "decks" / "2025-04-14.apkg")
    notes = imported_notes(collection)
    assert len(by_type(notes, "FlashDigest MCQ")) == 9
    assert all(n.fields["Flowchart"].startswith("<img") for n in by_type(notes, "FlashDigest Paper"))


def test_day_without_papers_gives_no_deck_a_notice_and_exit_0(shared_digests: Path, tmp_path: Path) -> None:
    code, out, err = run("export", str(shared_digests / "html" / "2026-03-25.html"), "--out", str(tmp_path))
    assert code == 0 and "notice:" not in out
    notices = err.splitlines()
    assert len(notices) == 1 and "2026-03-25" in notices[0] and notices[0].endswith("no deck"), err
    assert list(tmp_path.glob("*.apkg")) == []


def test_bilingual_page_in_chinese_and_fallback_of_an_english_only_page(
    tmp_path: Path, collection: Any
) -> None:
    code, _out, err = run(
        "export", str(SAMPLES / "2026-05-06.html"), str(SAMPLES / "2025-05-02.html"), "--lang", "zh",
        "--out", str(tmp_path), "--cards", "all",
    )  # fmt: skip
    assert code == 0, err
    assert f"{SAMPLES / '2025-05-02.html'}: the page has no 'zh' text; exported its 'en' text instead" in err
    import_deck(collection, tmp_path / "2026-05-06.apkg")
    tidepool = next(n for n in imported_notes(collection) if n.fields.get("Title", "").startswith("Tidepool"))
    assert tidepool.fields["Problem"] == "物理风暴潮模型精确但运行需数小时\uff0c难以支撑疏散决策。"
    answers = {answer_of(n.fields["Answer"]) for n in by_type(imported_notes(collection), "FlashDigest MCQ")}
    assert answers == {"不规则的海岸网格", "不到9厘米", "非配对的含噪与干净录音"}


# -- own pages: golden files, broken pages ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lang"), [("2025-05-02", "en"), ("2026-05-06", "en"), ("2026-05-06", "zh")]
)  # fmt: skip
def test_samples_match_golden_files(name: str, lang: str) -> None:
    (digest,) = read_digests(SAMPLES / f"{name}.html", ParseOptions(lang=lang))
    assert_matches_golden(digest, HTML_DATA / f"{name}.{lang}.expected.yaml")


def test_broken_page_matches_golden_file_and_says_what_it_left_out() -> None:
    (digest,) = read_digests(BROKEN)
    assert_matches_golden(digest, HTML_DATA / "2025-09-09-broken.expected.yaml")
    assert digest.notices == (
        f"{BROKEN}: paper 1 Q1: no answer given (empty data-answer); left out",
        f"{BROKEN}: paper 1 Q2: data-answer 'None of these' matches none of its options; left out",
        f"{BROKEN}: paper 2: published date 'not a date' is not YYYY-MM-DD; left blank",
    )


def test_swallowed_points_go_each_to_its_own_field() -> None:
    (digest,) = read_digests(BROKEN)
    spilled = digest.papers[0]
    assert spilled.points[PointKind.TOPIC] == "Topic one only."
    assert spilled.points[PointKind.PRIOR_WORK] == "Prior work that has no chunk of its own."
    assert spilled.points[PointKind.PROBLEM] == "Problem in its own chunk."


def test_broken_page_exports_what_a_browser_shows(tmp_path: Path, collection: Any) -> None:
    code, _out, err = run("export", str(BROKEN), "--out", str(tmp_path), "--cards", "all")
    assert code == 0
    assert "2025-09-09: 2 of 5 questions left out" in err
    import_deck(collection, tmp_path / "2025-09-09.apkg")
    notes = imported_notes(collection)
    titles = {n.fields["Title"] for n in by_type(notes, "FlashDigest Paper")}
    assert titles == {
        "Spill Over: A Point That Swallowed the Next Ones",
        "Hostile Charts: A Flowchart That Tries Everything",
        "Cut Short: A Flowchart Truncated Mid-Way",
        "After the Cut: Markup in Points",
    }  # paper 3 has no points, so no paper note, but its question is there:
    mcq = {n.guid: answer_of(n.fields["Answer"]) for n in by_type(notes, "FlashDigest MCQ")}
    assert mcq == {
        genanki.guid_for("arxiv:2509.00001", "mcq3"): "Shown text",
        genanki.guid_for("arxiv:2509.00003", "mcq1"): "Yes",
        genanki.guid_for("arxiv:2509.00005", "mcq1"): "Found",
    }
    markup = next(n for n in notes if n.fields.get("Title") == "After the Cut: Markup in Points")
    assert markup.fields["Topic"] == r"Uses emphasis, code and math \(x^2\) in a point."
    assert markup.fields["PriorWork"] == "Line one<br>line two &amp; more &lt;tags&gt;."


def test_page_that_is_no_digest_fails_alone_in_one_line(tmp_path: Path) -> None:
    stray = tmp_path / "stray.html"
    stray.write_text("<!DOCTYPE html><html><body><h1>My holiday</h1><p>Photos</p></body></html>")
    code, _out, err = run(
        "export", str(stray), str(SAMPLES / "2025-05-02.html"), "--out", str(tmp_path / "out")
    )
    assert code == 65
    assert err.splitlines() == [
        f"flashdigest: error: {stray}: no 'YYYY-MM-DD Papers' heading and no paper cards: not a digest page"
    ]
    assert [p.name for p in (tmp_path / "out").glob("*.apkg")] == ["2025-05-02.apkg"]


def test_old_layout_and_date_from_file_name_when_heading_is_missing() -> None:
    card = (
        '<div class="paper-card"><h2>Paper: 7</h2><p><strong>Old Layout</strong></p>'
        '<p><strong>Link: </strong><a href="http://arxiv.org/abs/2503.00007">x</a></p>'
        '<div><div class="category-chunk">1.  <strong>📘 Topic and Domain:</strong>no space</div></div></div>'
    )
    digest = parse_page(f"<html><body>{card}</body></html>", name="2025-03-21.html")
    assert digest.date == dt.date(2025, 3, 21)
    (paper,) = digest.papers
    assert (paper.number, paper.title, paper.link) == (7, "Old Layout", "http://arxiv.org/abs/2503.00007")
    assert paper.points == {PointKind.TOPIC: "no space"}
    assert paper.flowchart_svg == "" and paper.questions == ()


# -- a truncated inline SVG in the middle of a page ------------------------------------------------

_SVG_CUTS = {
    "missing </svg> only": '<svg viewBox="0 0 10 10"><rect width="5" height="5"/>',
    "inside an open <text>": '<svg viewBox="0 0 10 10"><g><text x="1" y="2">Cut he',
    "inside <style>": '<svg viewBox="0 0 10 10"><defs><style>.a { fill: red; ',
    "inside <title>": '<svg viewBox="0 0 10 10"><title>A flowch',
    "inside <foreignObject>": '<svg viewBox="0 0 10 10"><foreignObject><p>Some text',
    "inside <linearGradient>": '<svg viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0"/>',
}


def built_page(papers: int, cut_paper: int, cut: str) -> str:
    """A 2025-04 layout page whose paper ``cut_paper`` has its flowchart truncated by ``cut``."""
    blocks = []
    for n in range(1, papers + 1):
        svg = cut if n == cut_paper else f'<svg viewBox="0 0 10 10"><text x="1" y="5">Flow {n}</text></svg>'
        blocks.append(
            f'<div class="paper-container"><div class="card-deck"><div class="paper-card active">'
            f"<h2>Paper {n}</h2><p><strong>Paper Number {n}</strong></p>"
            f'<p><strong>Link: </strong><a href="http://arxiv.org/pdf/2507.{n:05d}">x</a></p>'
            f'<div><div class="category-chunk">1. <strong>📘 Topic and Domain:</strong>Topic {n}.</div></div>'
            f'</div><div class="paper-card flowchart-card"><h2>Paper Number {n}</h2>{svg}</div></div>'
            f'<div class="quiz-tabs"><div class="quiz-tab">Q1<div class="quiz-popup" data-answer="yes {n}">'
            f'<div class="quiz-question">1. Found {n}?</div><div class="quiz-choices">'
            f'<div class="quiz-choice" data-value="no {n}">no {n}</div>'
            f'<div class="quiz-choice" data-value="yes {n}">yes {n}</div></div></div></div></div></div>'
        )
    return "<!DOCTYPE html><html><body><h1>2025-07-01 Papers</h1>" + "\n".join(blocks) + "</body></html>"


@pytest.mark.parametrize("cut", list(_SVG_CUTS), ids=list(_SVG_CUTS))
def test_truncated_svg_in_the_middle_keeps_every_later_paper(
    cut: str, tmp_path: Path, collection: Any
) -> None:
    markup = built_page(6, 3, _SVG_CUTS[cut])
    reference = BeautifulSoup(markup, "html5lib").select(".paper-container")
    assert len(reference) == 6  # as the HTML5 algorithm (a browser) builds the tree
    digest = parse_page(markup, "2025-07-01.html")
    assert [p.title for p in digest.papers] == [f"Paper Number {n}" for n in range(1, 7)]
    assert [p.points[PointKind.TOPIC] for p in digest.papers] == [f"Topic {n}." for n in range(1, 7)]
    assert [p.questions[0].answer_text for p in digest.papers] == [f"yes {n}" for n in range(1, 7)]
    assert all(p.flowchart_svg for p in digest.papers)
    page = tmp_path / "2025-07-01.html"
    page.write_text(markup, encoding="utf-8")
    (deck,) = export([page], tmp_path / "decks")
    assert import_deck(collection, deck).new == 12
    answers = {answer_of(n.fields["Answer"]) for n in by_type(imported_notes(collection), "FlashDigest MCQ")}
    assert answers == {f"yes {n}" for n in range(1, 7)}


def quiz_tab(number: int, answer: str) -> str:
    return (
        f'<div class="quiz-tab">Q{number}<div class="quiz-popup" data-answer="{answer}">'
        f'<div class="quiz-question">{number}. Question {number}?</div><div class="quiz-choices">'
        '<div class="quiz-choice" data-value="a">a</div>'
        '<div class="quiz-choice" data-value="b">b</div></div></div></div>'
    )


def test_question_left_out_keeps_the_numbers_and_guids_of_the_others() -> None:
    tabs = quiz_tab(1, "b") + quiz_tab(2, "") + quiz_tab(3, "a")
    markup = built_page(1, 0, "").replace(
        '<div class="quiz-tabs">', f'<div class="quiz-tabs">{tabs}<div hidden>'
    )  # the page's own tab follows as Q4
    digest = parse_page(markup)
    (paper,) = digest.papers
    assert [(q.number, q.text, q.answer) for q in paper.questions] == [
        (1, "Question 1?", 1), (2, "Question 2?", None), (3, "Question 3?", 0), (4, "1. Found 1?", 1),
    ]  # fmt: skip
    notes = build_deck(digest).notes
    guids = {note.guid for note in notes if note.model.name.startswith("FlashDigest MCQ")}
    assert guids == {genanki.guid_for("arxiv:2507.00001", f"mcq{n}") for n in (1, 3, 4)}


def test_quizzes_belong_to_the_card_before_them_within_its_container() -> None:
    """A container whose summary card is lost: its quiz is no question of the paper before it."""
    markup = built_page(2, 0, "")
    second = markup.index('<div class="paper-container">', markup.index("Paper 2") - 200)
    card_start = markup.index('<div class="paper-card active">', second)
    card_end = markup.index('<div class="paper-card flowchart-card">', card_start)
    digest = parse_page(markup[:card_start] + markup[card_end:])
    (paper,) = digest.papers
    assert [q.answer_text for q in paper.questions] == ["yes 1"]
    assert digest.notices == ("2025-01-02.html: 1 quiz(zes) after no paper card of their own; left out",)


def test_own_page_without_papers_gives_no_deck_and_exit_0(tmp_path: Path) -> None:
    empty = tmp_path / "2025-07-02.html"
    empty.write_text(
        built_page(0, 0, "").replace("2025-07-01", "2025-07-02") + "<div class='tips-content'>x</div>"
    )
    code, out, err = run("export", str(empty), "--out", str(tmp_path / "out"))
    assert code == 0 and "notice:" not in out
    assert err.splitlines() == [
        f"notice: {empty}: 2025-07-02: no papers with points or answered questions; no deck"
    ]
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").glob("*.apkg")) == []


def test_page_with_absurdly_many_paper_cards_is_refused() -> None:
    card = '<div class="paper-card"><h2>Paper 1</h2><p><strong>T</strong></p>'
    with pytest.raises(ParseError, match=f"over the {LIMITS.max_papers} papers a digest takes"):
        parse_page("<h1>2025-01-01 Papers</h1>" + card * (LIMITS.max_papers + 1))


def chunk(lang: str, label: str, text: str) -> str:
    return (
        f'<div data-lang="{lang}"><div class="category-chunk">1. <strong>{label}:</strong> {text}</div></div>'
    )


def bilingual_paper(number: int, en: str | None, zh: str) -> str:
    title = f'<span data-lang="en">Title {number}</span><span data-lang="zh">标题 {number}</span>'
    return (
        f'<div class="paper-card"><h2>Paper {number}</h2><p><strong>{title}</strong></p>'
        f'<p><strong>Link: </strong><a href="http://arxiv.org/abs/2604.0000{number}">x</a></p><div>'
        + (chunk("en", "Topic and Domain", en) if en is not None else "")
        + chunk("zh", "主题与领域", zh)
        + "</div></div>"
    )


@pytest.mark.parametrize(("lang", "titles", "topics"), [
    ("en", ["Title 1", "Title 2", "Title 3"], ["topic one", "主题二", "topic three"]),
    ("zh", ["标题 1", "标题 2", "标题 3"], ["主题一", "主题二", "主题三"]),
])  # fmt: skip
def test_language_alternatives_anywhere_and_per_paper_fallback(
    lang: str, titles: list[str], topics: list[str]
) -> None:
    twin = bilingual_paper(3, "topic three", "主题三")
    markup = (
        "<h1>2026-04-01 Papers</h1>"
        + bilingual_paper(1, "topic one", "主题一")
        + bilingual_paper(2, None, "主题二")
        + f'<div class="paper-container" data-lang="en">{twin}</div>'
        + f'<div class="paper-container" data-lang="zh">{twin}</div>'
    )  # fmt: skip
    digest = parse_page(markup, lang=lang)
    assert [p.title for p in digest.papers] == titles
    assert [p.points[PointKind.TOPIC] for p in digest.papers] == topics
    assert digest.notices == ()


def test_page_with_papers_but_no_date_anywhere_names_what_is_missing() -> None:
    card = '<div class="paper-card"><h2>Paper 1</h2><p><strong>T</strong></p></div>'
    with pytest.raises(ParseError, match="no date in the file name"):
        parse_page(f"<html><body>{card}</body></html>", name="page.html")
