"""What each fuzz target does with one input, without atheris: so `make test` replays the seed
corpus and every finding kept under fuzz/corpus/ (tests/test_hostile.py), and CI needs no fuzzer.

An input passes when it gives digests (whose decks then build) or the project's own
FlashdigestError. Anything else raised, and any "internal error", is a finding.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from flashdigest.cards import build_deck
from flashdigest.errors import FlashdigestError, SvgRejected
from flashdigest.model import Digest
from flashdigest.parse.html import parse_html
from flashdigest.parse.jsonl import parse_jsonl
from flashdigest.parse.source import decode_source
from flashdigest.parse.text import parse_text
from flashdigest.parse.yaml_digest import parse_yaml
from flashdigest.svg import sanitize_svg

CORPUS = Path(__file__).parent / "corpus"
#: what a renderer would act on in an attribute or style sheet: an address a URL parser resolves
#: outside the drawing (``http:/host`` too), a script URL, an import, an IE expression
UNSAFE_CSS_RE = re.compile(
    r"(?:https?|ftp|wss?|file):\s*/|(?<![\w:])//[\w\[]|javascript:|@import|expression\s*\(", re.IGNORECASE
)


def _build_all(digests: list[Digest]) -> None:
    for digest in digests:
        build_deck(digest)


def _from_source(parse: Callable[..., object], data: bytes, name: str) -> None:
    try:
        source = decode_source(data, Path(name))
        parsed = parse(source)
        _build_all(list(parsed) if not isinstance(parsed, Digest) else [parsed])  # type: ignore[call-overload]
    except FlashdigestError:
        pass


def fuzz_text(data: bytes) -> None:
    _from_source(parse_text, data, "fuzz.txt")


def fuzz_html(data: bytes) -> None:
    _from_source(parse_html, data, "fuzz.html")


def fuzz_yaml(data: bytes) -> None:
    _from_source(parse_yaml, data, "fuzz.yaml")


def fuzz_jsonl(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as handle:
        handle.write(data)
        handle.flush()
        with contextlib.suppress(FlashdigestError):
            _build_all(list(parse_jsonl(Path(handle.name))))


def fuzz_svg(data: bytes) -> None:
    markup = data.decode("utf-8", errors="replace")
    try:
        document = sanitize_svg(markup)
    except SvgRejected:
        return
    if sanitize_svg(document) != document:
        raise AssertionError("the sanitizer's output is not a fixed point")
    for element in ET.fromstring(document).iter():
        tag = element.tag.split("}")[-1].lower()
        if tag in ("script", "foreignobject", "a", "image", "iframe"):
            raise AssertionError(f"<{tag}> survived the sanitizer")
        active = [element.text or ""] if tag == "style" else []
        for key, value in element.attrib.items():
            name = key.split("}")[-1].lower()
            if name.startswith("on") or (name == "href" and not value.startswith("#")):
                raise AssertionError(f"{name}={value!r} survived the sanitizer")
            active.append(value.lower())
        for value in active:
            if found := UNSAFE_CSS_RE.search(value):
                raise AssertionError(f"{found[0]!r} survived the sanitizer")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "text": fuzz_text,
    "html": fuzz_html,
    "jsonl": fuzz_jsonl,
    "yaml": fuzz_yaml,
    "svg": fuzz_svg,
}
