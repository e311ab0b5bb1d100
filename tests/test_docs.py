"""The documentation: docs/reference.md's generated parts are what the code says, every relative
link of README.md, docs/*.md, CHANGELOG.md and CONTRIBUTING.md leads to a file (and heading) that
exists, the README links every page of docs/, and it stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import make_reference
from tests.conftest import ROOT

README_MAX_LINES = 250
PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCUMENTS = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "CONTRIBUTING.md", *PAGES]
FENCE_RE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
LINK_RE = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")
HEADING_RE = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*$", re.M)


def test_the_reference_is_what_the_code_says() -> None:
    text = make_reference.REFERENCE.read_text(encoding="utf-8")
    assert make_reference.render(text) == text, (
        f"docs/reference.md differs from the code; regenerate it: {make_reference.COMMAND}"
    )


def test_every_exit_code_and_environment_variable_is_described() -> None:
    rendered = make_reference.render(make_reference.REFERENCE.read_text(encoding="utf-8"))
    assert "not described" not in rendered, "add the description to tests/make_reference.py"


def test_a_stale_generated_part_is_rewritten() -> None:
    text = make_reference.REFERENCE.read_text(encoding="utf-8")
    stale = text.replace("| `FLASHDIGEST_MAX_PAPERS` |", "| `FLASHDIGEST_MAX_PAPERS_OLD` |")
    assert stale != text
    assert make_reference.render(stale) == make_reference.render(text)


def test_a_command_without_its_part_gets_a_section() -> None:
    text = make_reference.REFERENCE.read_text(encoding="utf-8")
    start = text.index("### `flashdigest fetch`")
    end = text.index("### `flashdigest verify`")
    without = text[:start] + text[end:]
    rendered = make_reference.render(without)
    assert rendered != without
    section = rendered[rendered.index("### `flashdigest fetch`") : rendered.index("\n## Exit codes")]
    assert "$ flashdigest fetch --help" in section and "--recheck-all" in section
    assert rendered.index("### `flashdigest inspect`") < rendered.index("### `flashdigest fetch`")


def test_a_missing_part_is_an_error() -> None:
    text = make_reference.REFERENCE.read_text(encoding="utf-8")
    without = text.replace("<!-- generated: limits -->", "<!-- the limits were here -->")
    with pytest.raises(ValueError, match="limits"):
        make_reference.render(without)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces made hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE_RE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for match in HEADING_RE.finditer(text):
        base = slug(match["text"])
        name, n = base, 0
        while name in found:
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def broken_links(path: Path) -> list[str]:
    """The relative links of a Markdown file whose file or heading does not exist."""
    text = FENCE_RE.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for match in LINK_RE.finditer(text):
        target = match["target"]
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no such heading in {linked.name}")
    return broken


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(path: Path) -> None:
    assert path.exists(), path
    assert broken_links(path) == [], path


def test_a_broken_link_is_seen(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# A heading, with `code`\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md#a-heading-with-code) [file](gone.md) [anchor](there.md#nope) [self](#top)\n"
        "```\n[in code](ignored.md)\n```\n# Top\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["gone.md: no such file", "there.md#nope: no such heading in there.md"]


def test_the_readme_links_every_page_of_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = {match["target"].partition("#")[0] for match in LINK_RE.finditer(readme)}
    assert len(PAGES) >= 4
    missing = [page.name for page in PAGES if f"docs/{page.name}" not in targets]
    assert missing == [], "README.md does not link these pages of docs/"


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"
