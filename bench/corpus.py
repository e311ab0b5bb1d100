"""Generate a realistic benchmark corpus: a year of digest pages (HTML of real size with inline SVG,
three papers of five points and three questions each), the same digests as text with answer keys,
and the same papers as one JSONL archive.

    python bench/corpus.py OUT_DIR [--days 360]

Content is synthetic (seeded, deterministic); its shape follows the 2025-04 page layout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
from pathlib import Path
from typing import Any

WORDS = [
    "model",
    "training",
    "data",
    "tokens",
    "attention",
    "layer",
    "benchmark",
    "reasoning",
    "agent",
    "retrieval",
    "diffusion",
    "video",
    "vision",
    "language",
    "policy",
    "reward",
    "sparse",
    "expert",
    "latency",
    "memory",
    "scaling",
    "evaluation",
    "robust",
    "efficient",
    "transformer",
    "encoder",
    "decoder",
    "alignment",
    "synthetic",
    "curriculum",
    "distillation",
    "quantization",
    "context",
]
LABELS = (
    ("📘", "Topic and Domain"),
    ("💡", "Previous Research and New Ideas"),
    ("❓", "Problem"),
    ("🛠️", "Methods"),
    ("📊", "Results and Evaluation"),
)
START = dt.date(2025, 4, 1)


#: where a point's figures are measured (real points name their benchmarks)
BENCHMARKS = ["GSM8K", "MATH-500", "AIME24", "MMLU", "HumanEval", "LiveCodeBench", "GPQA", "VBench"]
#: the points that state figures, as the real digests' Methods and Results do
WITH_FIGURES = ("Methods", "Results and Evaluation")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def figures(rng: random.Random) -> str:
    """A sentence of figures, as the real digests' Methods and Results hold (figure clozes)."""
    ours, theirs = rng.uniform(40, 95), rng.uniform(20, 40)
    return (
        f"It reaches {ours:.1f}% on {rng.choice(BENCHMARKS)} against {theirs:.1f}% for the strongest "
        f"baseline, and runs {rng.randint(2, 9)}x faster with {rng.randint(10, 90)}% less memory."
    )


def make_paper(rng: random.Random, day: int, number: int) -> dict[str, Any]:
    arxiv = f"{2504 + day // 30}.{10000 + day * 10 + number:05d}"
    questions = []
    for _ in range(3):
        options = [sentence(rng, 9) for _ in range(3)]
        questions.append(
            {
                "text": f"Which {sentence(rng, 8)[:-1].lower()}?",
                "options": options,
                "answer": rng.randrange(3),
            }
        )
    return {
        "title": f"{sentence(rng, 7)[:-1]}: {sentence(rng, 5)[:-1]}",
        "published": (START + dt.timedelta(days=day - 2)).isoformat(),
        "link": f"http://arxiv.org/pdf/{arxiv}",
        "points": [
            f"{sentence(rng, 40)} {figures(rng)}" if label in WITH_FIGURES else sentence(rng, 40)
            for _, label in LABELS
        ],
        "flowchart": flowchart_svg(rng),
        "questions": questions,
    }


def flowchart_svg(rng: random.Random) -> str:
    boxes = []
    for index in range(38):
        y = 60 + index * 40
        boxes.append(
            f'  <rect x="30" y="{y}" width="940" height="34" rx="8" fill="url(#g1)" stroke="#96b0e3"/>\n'
            f'  <text x="50" y="{y + 22}" font-family="Arial, sans-serif" font-size="14" fill="#003366">'
            f"{html.escape(sentence(rng, 12))}</text>\n"
            f'  <line x1="500" y1="{y + 34}" x2="500" y2="{y + 40}" stroke="#555" marker-end="url(#arrow)"/>'
        )
    return (
        '<svg width="100%" viewBox="0 0 1000 2000" xmlns="http://www.w3.org/2000/svg">\n'
        '  <defs><linearGradient id="g1" x1="0%" y1="0%" x2="100%" y2="0%">'
        '<stop offset="0%" style="stop-color:rgb(150,200,255)"/>'
        '<stop offset="100%" style="stop-color:rgb(200,230,255)"/></linearGradient>'
        '<marker id="arrow" markerWidth="10" markerHeight="7" refX="9" refY="3.5" orient="auto">'
        '<polygon points="0 0, 10 3.5, 0 7" fill="#555"/></marker></defs>\n'
        '  <rect width="100%" height="100%" fill="#f0f8ff"/>\n' + "\n".join(boxes) + "\n</svg>"
    )


def page_html(date: str, papers: list[dict[str, Any]]) -> str:
    style = "\n".join(
        f"        .filler-{i} {{ margin: {i}px; padding: {i % 7}px; color: #333; }}" for i in range(260)
    )
    parts = [
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{date} Papers</title>"
        f"<style>\n{style}\n</style></head>\n<body>\n<h1>{date} Papers</h1>"
    ]
    for number, paper in enumerate(papers, start=1):
        chunks = "".join(
            f'<div class="category-chunk">{i}.  <strong>{emoji} {label}:</strong> {html.escape(point)}</div>'
            for i, ((emoji, label), point) in enumerate(zip(LABELS, paper["points"], strict=True), start=1)
        )
        quiz = "".join(quiz_tab(q, i) for i, q in enumerate(paper["questions"], start=1))
        parts.append(
            f'<div class="paper-container"><div class="card-deck"><div class="card-counter">1/2</div>'
            f'<div class="paper-card active"><h2>Paper {number}</h2>'
            f"<p><strong>{html.escape(paper['title'])}</strong></p>"
            f"<p><strong>Published: </strong>{paper['published']}</p>"
            f'<p><strong>Link: </strong><a href="{paper["link"]}">{paper["link"]}</a></p>'
            f"<div>{chunks}</div></div>"
            f'<div class="paper-card flowchart-card"><h2>{html.escape(paper["title"])}</h2>'
            f"{paper['flowchart']}</div></div>"
            f'<div class="quiz-tabs">{quiz}</div></div>'
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def quiz_tab(question: dict[str, Any], number: int) -> str:
    answer = html.escape(question["options"][question["answer"]], quote=True)
    choices = "".join(
        f'<div class="quiz-choice" data-value="{html.escape(o, quote=True)}">{html.escape(o)}</div>'
        for o in question["options"]
    )
    return (
        f'<div class="quiz-tab">Q{number}<div class="quiz-popup" data-answer="{answer}">'
        f'<div class="quiz-question">{number}. {html.escape(question["text"])}</div>'
        f'<div class="quiz-choices">{choices}</div><div class="quiz-feedback"></div></div></div>'
    )


def page_text(date: str, papers: list[dict[str, Any]]) -> str:
    lines = [f"{date} Papers", ""]
    for number, paper in enumerate(papers, start=1):
        lines += [
            "1/2",
            "",
            f"Paper {number}",
            "",
            paper["title"],
            "",
            f"Published: {paper['published']}",
            "",
            f"Link: {paper['link']}",
            "",
        ]
        lines += [
            f"{i}. {e} {label}: {p}"
            for i, ((e, label), p) in enumerate(zip(LABELS, paper["points"], strict=True), start=1)
        ]
        lines += ["", paper["title"], "", "Flowchart " + sentence(random.Random(number), 30)]
        for q_number, question in enumerate(paper["questions"], start=1):
            lines += [f"Q{q_number}", f"{q_number}. {question['text']}", *question["options"]]
    return "\n".join(lines) + "\n"


def jsonl_row(date: str, paper: dict[str, Any]) -> str:
    content = "\n\n".join(
        f"{i}. **{e} {label}:** {p}"
        for i, ((e, label), p) in enumerate(zip(LABELS, paper["points"], strict=True), start=1)
    )
    questions = {
        f"question{n}": {
            "question": q["text"],
            **{f"option{i}": o for i, o in enumerate(q["options"], start=1)},
            "answer": f"option{q['answer'] + 1}",
        }
        for n, q in enumerate(paper["questions"], start=1)
    }
    row = {
        "title": paper["title"],
        "published_at": paper["published"],
        "url": paper["link"],
        "content": content,
        "date": date,
        "questions": questions,
        "flow_chart": paper["flowchart"],
    }
    return json.dumps(row, ensure_ascii=False)


def write_day(out: Path, day: int, archive: object) -> None:
    rng = random.Random(day)
    date = (START + dt.timedelta(days=day)).isoformat()
    papers = [make_paper(rng, day, number) for number in (1, 2, 3)]
    (out / "html" / f"{date}.html").write_text(page_html(date, papers), encoding="utf-8")
    (out / "text" / f"{date}.txt").write_text(page_text(date, papers), encoding="utf-8")
    key = "".join(
        f"{n}: [{', '.join('ABC'[q['answer']] for q in p['questions'])}]\n"
        for n, p in enumerate(papers, start=1)
    )
    (out / "text" / f"{date}.answers.yaml").write_text(key, encoding="utf-8")
    for paper in papers:
        archive.write(jsonl_row(date, paper) + "\n")  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--days", type=int, default=360)
    parser.add_argument("--first-day", type=int, default=0)
    args = parser.parse_args()
    for folder in ("html", "text", "jsonl"):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
    with (args.out / "jsonl" / "summaries.jsonl").open("a", encoding="utf-8") as archive:
        for day in range(args.first_day, args.first_day + args.days):
            write_day(args.out, day, archive)


if __name__ == "__main__":
    main()
