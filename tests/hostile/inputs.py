"""Small valid digests in each format, with a slot for hostile text, and the makers of the
catalogue's inputs that are too big, too binary or too many to keep as files."""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

DATE = "2025-07-01"
SVG = (
    '<svg viewBox="0 0 200 100"><rect x="10" y="10" width="80" height="40" fill="#eef"/>'
    '<text x="20" y="35">Step one</text></svg>'
)
POINT = "Topic text of the paper"


def text_digest(title: str = "A Plain Title", point: str = POINT, date: str = DATE) -> str:
    return (
        f"{date} Papers\n\nPaper 1\n\n{title}\n\nPublished: 2025-06-30\n\n"
        "Link: http://arxiv.org/abs/2507.00001\n\n"
        f"1. 📘 Topic and Domain: {point}\n2. 💡 Previous Research and New Ideas: prior\n"
        "3. ❓ Problem: problem\n4. 🛠️ Methods: methods\n5. 📊 Results and Evaluation: results\n\n"
        f"{title}\n\nStep one -> Step two\n"
    )


def html_page(title: str = "A Plain Title", point: str = POINT, svg: str = SVG, date: str = DATE) -> str:
    """A page like the generator's (2025-04 layout); ``title`` and ``point`` go in as markup."""
    return (
        f"<!DOCTYPE html><html><head><title>{date} Papers</title></head><body><h1>{date} Papers</h1>"
        '<div class="paper-container"><div class="card-deck"><div class="paper-card active">'
        f"<h2>Paper 1</h2><p>{title}</p><p>Published: 2025-06-30</p>"
        '<p>Link: <a href="http://arxiv.org/abs/2507.00001">link</a></p>'
        f'<div><div class="category-chunk">1. <strong>📘 Topic and Domain:</strong> {point}</div>'
        '<div class="category-chunk">2. <strong>💡 Previous Research and New Ideas:</strong> prior</div>'
        '<div class="category-chunk">3. <strong>❓ Problem:</strong> problem</div>'
        '<div class="category-chunk">4. <strong>🛠️ Methods:</strong> methods</div>'
        '<div class="category-chunk">5. <strong>📊 Results and Evaluation:</strong> results</div></div>'
        f'</div><div class="paper-card flowchart-card"><h2>{title}</h2>{svg}</div></div>'
        '<div class="quiz-tabs"><div class="quiz-tab">Q1<div class="quiz-popup" data-answer="yes">'
        '<div class="quiz-question">1. Is it?</div><div class="quiz-choices">'
        '<div class="quiz-choice" data-value="yes">yes</div><div class="quiz-choice" data-value="no">no</div>'
        "</div></div></div></div></div></body></html>\n"
    )


def jsonl_row(title: str = "A Plain Title", point: str = POINT, svg: str = SVG, date: str = DATE) -> str:
    row = {
        "title": title,
        "published_at": "2025-06-30",
        "date": date,
        "url": "http://arxiv.org/abs/2507.00001",
        "content": f"1. **📘 Topic and Domain:** {point}\n\n2. **❓ Problem:** problem\n",
        "questions": {
            "question1": {"question": "Is it?", "option1": "yes", "option2": "no", "answer": "option1"}
        },
        "flow_chart": svg,
    }
    return json.dumps(row, ensure_ascii=False) + "\n"


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: JSON's escapes, but a character beyond U+FFFF as
    YAML's ``\\UXXXXXXXX`` (YAML refuses JSON's surrogate pairs)."""
    return re.sub(
        r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})",
        lambda m: "\\U%08x" % (0x10000 + ((int(m[1], 16) - 0xD800) << 10) + int(m[2], 16) - 0xDC00),
        json.dumps(text),
    )


def yaml_digest(title: str = "A Plain Title", point: str = POINT, svg: str = SVG, date: str = DATE) -> str:
    """Every text goes in as a double-quoted scalar, so any text goes in safely."""
    return (
        f"date: {date}\npapers:\n  - title: {yaml_quoted(title)}\n"
        "    link: http://arxiv.org/abs/2507.00001\n"
        f"    points:\n      topic: {yaml_quoted(point)}\n      methods: methods\n"
        f"    flowchart_svg: {yaml_quoted(svg)}\n"
        "    questions:\n      - question: Is it?\n"
        "        options: [yes it is, no it is not]\n        answer: A\n"
    )


TEMPLATES: dict[str, Callable[..., str]] = {
    "text": text_digest,
    "html": html_page,
    "jsonl": jsonl_row,
    "yaml": yaml_digest,
}
SUFFIXES = {"text": ".txt", "html": ".html", "jsonl": ".jsonl", "yaml": ".yaml"}

# -- the inputs made at test time ------------------------------------------------------------------


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def _sparse(directory: Path, name: str, head: str, size: int) -> Path:
    """A file of ``size`` bytes whose first 8 KiB are ``head`` repeated (text), the rest a hole."""
    path = directory / name
    block = (head * (8192 // len(head) + 1)).encode()[:8192]
    with path.open("wb") as handle:
        handle.write(block)
        handle.truncate(size)
    return path


def _unrelated_files(directory: Path, name: str) -> Path:
    """10,000 files that are not digests, one good digest and one bad one among them."""
    root = directory / name
    for folder in range(10):
        sub = root / f"d{folder}"
        sub.mkdir(parents=True)
        for index in range(1000):
            (sub / f"f{index}.{('png', 'dat', 'pdf', 'json')[index % 4]}").write_bytes(b"\x89PNG\0\0")
    (root / "good.txt").write_text(text_digest())
    (root / "d3" / "bad.txt").write_bytes(os.urandom(64) + b"\0")
    return root


MB = 1024 * 1024
BIG_TEXT = 10 * MB


def _directory(path: Path) -> Path:
    (path / "inner").mkdir(parents=True)
    return path


MAKERS: dict[str, Callable[[Path, str], Path]] = {
    "binary.txt": lambda d, n: _write(d, n, bytes(range(256)) * 40),
    "empty.txt": lambda d, n: _write(d, n, b""),
    "blank.yaml": lambda d, n: _write(d, n, b" \n\n\t\n"),
    "nul-bytes.txt": lambda d, n: _write(d, n, text_digest().encode().replace(b"Plain", b"Pl\0ain")),
    "bom-utf8.txt": lambda d, n: _write(d, n, codecs.BOM_UTF8 + text_digest().encode()),
    "bom-utf8.jsonl": lambda d, n: _write(d, n, codecs.BOM_UTF8 + jsonl_row().encode()),
    "utf16le.txt": lambda d, n: _write(d, n, codecs.BOM_UTF16_LE + text_digest().encode("utf-16-le")),
    "utf16be.html": lambda d, n: _write(d, n, codecs.BOM_UTF16_BE + html_page().encode("utf-16-be")),
    "utf16le.yaml": lambda d, n: _write(d, n, codecs.BOM_UTF16_LE + yaml_digest().encode("utf-16-le")),
    "utf16le.jsonl": lambda d, n: _write(d, n, codecs.BOM_UTF16_LE + jsonl_row().encode("utf-16-le")),
    "utf16be.jsonl": lambda d, n: _write(
        d, n, codecs.BOM_UTF16_BE + (jsonl_row() + jsonl_row(title="Second Row")).encode("utf-16-be")
    ),
    "invalid-utf8.txt": lambda d, n: _write(
        d, n, text_digest(title="Caf\udcff Title").encode("utf-8", "surrogateescape")
    ),
    "invalid-utf8.jsonl": lambda d, n: _write(
        d, n, jsonl_row(title="Caf\udcff Title").encode("utf-8", "surrogateescape")
    ),
    "lone-surrogates.jsonl": lambda d, n: _write(
        d, n, jsonl_row(title="Lone SURROGATE here").replace("SURROGATE", "\\ud800 \\udfff").encode()
    ),
    "lone-surrogates.yaml": lambda d, n: _write(
        d, n, yaml_digest(title="Lone SURROGATE here").replace("SURROGATE", "\\ud800").encode()
    ),
    "field-10mb.txt": lambda d, n: _write(d, n, text_digest(title="T" * BIG_TEXT).encode()),
    "field-10mb.html": lambda d, n: _write(d, n, html_page(point="P" * BIG_TEXT).encode()),
    "field-10mb.yaml": lambda d, n: _write(d, n, yaml_digest(point="P" * BIG_TEXT).encode()),
    "field-10mb.jsonl": lambda d, n: _write(d, n, jsonl_row(point="P" * BIG_TEXT).encode()),
    "angle-a-40000.txt": lambda d, n: _write(d, n, text_digest(title="<a" * 40000).encode()),
    "angle-a-40000.html": lambda d, n: _write(d, n, html_page(title="<a" * 40000).encode()),
    "angle-a-9000.jsonl": lambda d, n: _write(d, n, jsonl_row(title="<a" * 9000).encode()),
    "flat-tags-17mb.html": lambda d, n: _write(d, n, html_page(point="<i></i>" * 2_500_000).encode()),
    "short-lines-15m.txt": lambda d, n: _write(d, n, (text_digest() + "x\n" * 15_000_000).encode()),
    "values-3m.yaml": lambda d, n: _write(
        d, n, ("date: 2025-07-01\npapers:\n" + "- x\n" * 3_000_000).encode()
    ),
    "nested-100k.html": lambda d, n: _write(d, n, html_page(point="<div>" * 100_000).encode()),
    "nested-quiz-tabs.html": lambda d, n: _write(
        d, n, html_page(point='<div class="quiz-tab"><div class="quiz-popup">' * 990).encode()
    ),
    "nested-point-chunks.html": lambda d, n: _write(
        d, n, html_page(point='<div class="category-chunk">1. x' * 1985).encode()
    ),
    "nested-100k-svg.jsonl": lambda d, n: _write(d, n, jsonl_row(svg="<svg>" + "<div>" * 100_000).encode()),
    "nested-100k-flow.yaml": lambda d, n: _write(
        d, n, (yaml_digest() + "    extra: " + "[" * 100_000 + "]" * 100_000 + "\n").encode()
    ),
    "nested-100k-block.yaml": lambda d, n: _write(
        d, n, ("date: 2025-07-01\npapers:\n" + "- " * 100_000 + "x\n").encode()
    ),
    "nested-100k.jsonl": lambda d, n: _write(d, n, ("[" * 100_000 + "]" * 100_000 + "\n").encode()),
    "file-100mb.txt": lambda d, n: _sparse(d, n, text_digest(), 100 * MB),
    "file-100mb.html": lambda d, n: _sparse(d, n, html_page(), 100 * MB),
    "file-100mb.yaml": lambda d, n: _sparse(d, n, "# a comment\n", 100 * MB),
    "file-100mb.jsonl": lambda d, n: _sparse(d, n, jsonl_row(), 100 * MB),
    "garbage-lines.jsonl": lambda d, n: _write(d, n, jsonl_row().encode() + b"{not json\n" * 200_000),
    "unrelated-10000": _unrelated_files,
    "directory.txt": lambda d, n: _directory(d / n),
}
