"""What a safe deck is: checked on what the real Anki backend holds after an import."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from tests.anki_helpers import imported_notes

#: tags and attributes the card builder writes into fields; anything else came from an input
_FIELD_TAGS = {
    "br": set(),
    "div": {"class"},
    "ol": {"class", "data-fd-seed"},
    "li": {"class", "data-fd-key"},
    "span": {"class"},
    "img": {"class", "src", "alt", "style"},
    "details": {"class"},  # a text flowchart, collapsed
    "summary": set(),
}
_MEDIA_NAME_RE = re.compile(r"fd-[0-9a-f]{20}\.svg")


class _FieldChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = _FIELD_TAGS.get(tag)
        if allowed is None:
            self.problems.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "src" and not _MEDIA_NAME_RE.fullmatch(value or ""):
                self.problems.append(f"src {value!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append("a comment")


def assert_field_safe(name: str, value: str) -> None:
    checker = _FieldChecker()
    checker.feed(value)
    checker.close()
    assert not checker.problems, f"{name}: {checker.problems} in {value[:300]!r}"
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", value), f"{name}: control char"


def assert_media_safe(path: Path) -> None:
    assert _MEDIA_NAME_RE.fullmatch(path.name), path.name
    data = path.read_text(encoding="utf-8")
    root = ET.fromstring(data)  # well-formed XML, no DOCTYPE entities left to expand
    assert "<!DOCTYPE" not in data and "<!ENTITY" not in data
    for element in root.iter():
        tag = element.tag.split("}")[-1].lower()
        assert tag not in {"script", "foreignobject", "iframe", "image", "animate", "set"}, tag
        for key, value in element.attrib.items():
            local = key.split("}")[-1].lower()
            assert not local.startswith("on"), key
            if local == "href":
                assert value.startswith("#"), value
    without_namespaces = re.sub(r'xmlns(?::\w+)?="[^"]*"', "", data)
    for danger in ("http:", "https:", "javascript:", "data:", "@import", "file:"):
        assert danger not in without_namespaces.lower(), danger


def check_collection(collection: Any) -> list[str]:
    """Every field and media file is safe; the text of every field, unescaped, for `shows`."""
    texts = []
    for note in imported_notes(collection):
        for name, value in note.fields.items():
            assert_field_safe(f"{note.notetype}.{name}", value)
            texts.append(html.unescape(re.sub(r"<[^>]*>", "", value)))
    for media in Path(collection.media.dir()).iterdir():
        assert_media_safe(media)
        texts.append(html.unescape(media.read_text(encoding="utf-8")))
    return texts
