"""The catalogue of hostile inputs (tests/hostile/manifest.yaml), each exported through the CLI.

Every input either exports, and its deck imports into the real Anki backend with every field and
media file safe to show, or fails with one stderr line per problem naming the input, while the
good inputs beside it still export. Never a traceback, never an "internal error".
"""

from __future__ import annotations

import os
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from flashdigest.cli import main
from flashdigest.limits import LIMITS, Limits, markup_depth
from tests.anki_helpers import import_deck
from tests.hostile.inputs import MAKERS, SUFFIXES, TEMPLATES, text_digest
from tests.hostile.safety import assert_field_safe, assert_media_safe, check_collection

HOSTILE = Path(__file__).parent / "hostile"
ROOT_DIR = Path(__file__).resolve().parent.parent
CASES: list[dict[str, Any]] = yaml.safe_load((HOSTILE / "manifest.yaml").read_text(encoding="utf-8"))
#: a good digest exported beside every hostile input: it must always come through
GOOD_DATE = "2025-01-31"


def make_input(case: dict[str, Any], directory: Path) -> Path:
    if case.get("make"):
        return MAKERS[case["name"]](directory, case["name"])
    if "file" in case:
        data = (HOSTILE / case["file"]).read_bytes()
    else:
        parts = {key: case[key] for key in ("title", "point", "svg") if key in case}
        if "svg_file" in case:
            parts["svg"] = (HOSTILE / case["svg_file"]).read_text(encoding="utf-8")
        data = TEMPLATES[case["format"]](**parts).encode("utf-8")
        if "truncate" in case:
            data = data[: int(len(data) * case["truncate"])]
    path: Path = directory / case["name"]
    path.write_bytes(data)
    return path


def run_export(*inputs: Path, out: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["export", *map(str, inputs), "--out", str(out)])
    return result.exit_code, result.stdout, result.stderr


# -- the catalogue ---------------------------------------------------------------------------------


def _decks_of(out: Path) -> list[Path]:
    return sorted(path for path in out.glob("*.apkg") if path.name != f"{GOOD_DATE}.apkg")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_input(case: dict[str, Any], tmp_path: Path, collection: Any) -> None:
    if case.get("skip_if_root") and os.geteuid() == 0:
        pytest.skip("root reads every file")
    source = tmp_path / "in"
    source.mkdir()
    hostile = make_input(case, source)
    good = source / "good.txt"
    good_digest = text_digest(title="The Good Paper", date=GOOD_DATE).replace("2507.00001", "2501.99999")
    good.write_text(good_digest, encoding="utf-8")
    code, out, err = run_export(hostile, good, out=tmp_path / "decks")
    assert "Traceback" not in out + err
    assert "internal error" not in out + err
    assert (tmp_path / "decks" / f"{GOOD_DATE}.apkg").is_file(), "the good input beside it must export"
    assert_outcome(case, hostile, code, out, err)
    decks = _decks_of(tmp_path / "decks")
    assert len(decks) == case.get("decks", 1 if case["expect"] == "exported" else 0), out
    for deck in [*decks, tmp_path / "decks" / f"{GOOD_DATE}.apkg"]:
        import_deck(collection, deck)
    texts = check_collection(collection)
    assert any("The Good Paper" in text for text in texts)
    if "shows" in case:
        assert any(case["shows"] in text for text in texts), (case["shows"], texts)
    if "notice" in case:
        assert case["notice"] in err, out + err
    assert not Path("/tmp/flashdigest-pwned").exists()


def assert_outcome(case: dict[str, Any], hostile: Path, code: int, out: str, err: str) -> None:
    """Exit code and stderr as the catalogue says: one line per problem, each naming the input.

    A case without a ``message`` checks only what the user gets (exit 65, one line naming the file
    and, with ``line: any``, some line): whichever layer refuses it, flashdigest or a library under
    it (PyYAML 6.0.4 started refusing deep nesting itself, with its own words)."""
    errors = [line for line in err.splitlines() if not line.startswith("notice: ")]
    if case["expect"] != "failed":
        assert code == 0 and errors == [], out + err
        return
    assert code == 65, out + err
    assert len(errors) == case.get("errors", 1), err
    for line in errors:
        assert line.startswith(f"flashdigest: error: {hostile}"), line
    if "message" in case:
        assert any(case["message"] in line for line in errors), (case["message"], err)
    if case.get("line") == "any":
        assert re.match(rf"flashdigest: error: {re.escape(str(hostile))}:\d+: \S", errors[0]), errors[0]
    elif "line" in case:
        assert errors[0].startswith(f"flashdigest: error: {hostile}:{case['line']}: "), errors[0]


def test_every_catalogue_entry_is_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert case["expect"] in ("exported", "failed", "skipped"), case
        assert case.get("tries"), case
        assert (
            (case.get("make") and case["name"] in MAKERS) or "file" in case or case.get("format") in SUFFIXES
        )
        assert case["expect"] != "failed" or case.get("message") or case.get("line") == "any", case
    assert set(MAKERS) <= set(names), "every maker is in the catalogue"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_input_inspected(case: dict[str, Any], tmp_path: Path) -> None:
    """`flashdigest inspect` reads every hostile input too: YAML out, or one line per problem."""
    hostile = make_input(case, tmp_path)
    result = CliRunner().invoke(main, ["inspect", str(hostile)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 65, 66)  # 66: no digest in a folder named like one
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stdout + result.stderr
    if result.exit_code == 0:
        list(yaml.safe_load_all(result.stdout))  # what it prints reads back as YAML


# -- limits ----------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_100_mb_file_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    big = MAKERS["file-100mb.txt"](tmp_path, "big.txt")
    tracemalloc.start()
    try:
        code, _out, err = run_export(big, out=tmp_path / "decks")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 65 and "byte limit" in err
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes: the file was read"


def test_limits_come_from_the_environment_and_bad_values_are_named() -> None:
    limits, problems = Limits.from_environment(
        {
            "FLASHDIGEST_MAX_FIELD_CHARS": "500",
            "FLASHDIGEST_MAX_PAPERS": "ten",
            "FLASHDIGEST_MAX_YAML_DEPTH": "-1",
        }
    )
    assert limits.max_field_chars == 500
    assert limits.max_papers == Limits().max_papers
    assert limits.max_yaml_depth == Limits().max_yaml_depth
    assert problems == (
        "FLASHDIGEST_MAX_PAPERS='ten' is not a positive integer; the default is used",
        "FLASHDIGEST_MAX_YAML_DEPTH='-1' is not a positive integer; the default is used",
    )
    assert Limits.from_environment({}) == (Limits(), ())


def test_a_lower_limit_set_in_the_environment_applies_to_a_fresh_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    digest = tmp_path / "d.txt"
    digest.write_text(text_digest(title="x" * 300))
    env = {**os.environ, "FLASHDIGEST_MAX_FIELD_CHARS": "200", "FLASHDIGEST_MAX_PAPERS": "ten"}
    result = subprocess.run(
        [sys.executable, "-m", "flashdigest", "export", str(digest), "--out", str(tmp_path / "d")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 65
    assert sorted(result.stderr.splitlines()) == [
        f"flashdigest: error: {digest}:5: line is 300 characters; a field takes at most 200 "
        "(FLASHDIGEST_MAX_FIELD_CHARS)",
        "notice: FLASHDIGEST_MAX_PAPERS='ten' is not a positive integer; the default is used",
    ]
    assert LIMITS.max_field_chars == Limits().max_field_chars  # this process is untouched


def test_an_archive_of_more_dates_than_the_limit_exports_the_first_and_names_the_rest(tmp_path: Path) -> None:
    """Each date is a deck to write: a 100 MB archive of one-row dates would be a million files."""
    import subprocess
    import sys

    from tests.hostile.inputs import jsonl_row

    archive = tmp_path / "dates.jsonl"
    archive.write_text("".join(jsonl_row(title=f"T{day}", date=f"2025-07-0{day}") for day in range(1, 6)))
    env = {**os.environ, "FLASHDIGEST_MAX_DIGESTS": "3"}
    out = tmp_path / "decks"
    result = subprocess.run(
        [sys.executable, "-m", "flashdigest", "export", str(archive), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 65
    assert result.stderr.splitlines() == [
        f"flashdigest: error: {archive}:{line}: over 3 digest dates in one archive" for line in (4, 5)
    ]
    assert sorted(p.name for p in out.glob("*.apkg")) == [f"2025-07-0{day}.apkg" for day in (1, 2, 3)]


@pytest.mark.parametrize(
    ("markup", "depth"),
    [
        ("<div><div></div><div><span>x</span></div></div>", 3),
        ("<p><p><p><li><li><br><img>", 0),
        ("<svg><path d='1'/><rect/><g><circle/></g></svg>", 2),
        ("<div/>" * 5, 5),  # HTML ignores the slash on a div: they nest
        ("<a" * 1000, 1),  # one tag whose attributes are '<a<a...'
        ('<div title="<div><div>">' * 3, 6),  # a quoted ">" ends the tag early: over, never under
        ("</span><div>" * 4, 4),  # a stray end tag closes nothing
        ("<!-- <div><div> -->", 2),  # comments are counted: an over-estimate is safe
    ],
)
def test_markup_depth_estimate(markup: str, depth: int) -> None:
    assert markup_depth(markup) == depth


def test_markup_depth_is_within_a_small_factor_of_what_lexbor_builds() -> None:
    """Uncounted tags (``li``, ``td``...) nest only between counted ones: at most 4 to one."""
    from selectolax.lexbor import LexborHTMLParser

    for markup in [
        "<div>" * 50,
        "<b><i>" * 30,
        '<div x="/>">' * 40,
        "<ul><li>" * 30,
        "<svg><g>" * 25,
        "<table><tr><td>" * 20,
    ]:
        root = LexborHTMLParser(markup).root
        assert root is not None
        deepest = max(_depth(node) for node in root.traverse()) - 3  # html, body and the node itself
        assert markup_depth(markup) >= deepest / 4, markup


def _depth(node: Any) -> int:
    depth = 0
    while node is not None:
        depth += 1
        node = node.parent
    return depth


# -- fuzzing: the seed corpus and every finding kept in it replay here, without atheris -------------

FUZZ_INPUTS = sorted((ROOT_DIR / "fuzz" / "corpus").glob("*/*"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", FUZZ_INPUTS, ids=[f"{p.parent.name}/{p.name}" for p in FUZZ_INPUTS])
def test_fuzz_corpus_replays_cleanly(path: Path) -> None:
    from fuzz.targets import TARGETS

    TARGETS[path.parent.name](path.read_bytes())


@pytest.mark.parametrize(
    "style",
    [
        "<style>rect{fill:url(http:/evil.example/x</style>",  # fuzz finding: unclosed url(, one slash
        '<style>rect{background:image-set("https:/evil.example/a" 1x)}</style>',
        '<rect style="fill:url(\'//evil.example/x"/>',
        '<text x="htt\x1cp:/evil.example/x">t</text>',  # fuzz finding: a control char hid the address
        '<text x="htt\ufffep:/evil.example/x">t</text>',  # the same with a noncharacter
        "<style>a{fill:url\\6(http:/evil.example/x)}</style>",  # fuzz finding: an escaped control
        "<rect style='fill:url\\fffe(//evil.example/x)'/>",
        "<style>a{b:c(http: /evil.example/x</style>",  # fuzz finding: white space before the slash
    ],
)
def test_sanitizer_drops_unclosed_and_single_slash_addresses(style: str) -> None:
    from flashdigest.svg import sanitize_svg

    document = sanitize_svg(f"<svg>{style}<rect/></svg>")
    assert "evil" not in document
    assert sanitize_svg(document) == document


@pytest.mark.parametrize(
    "field",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<img class="fd-flowchart" src="../../etc/passwd">',
        '<a href="javascript:alert(1)">x</a>',
        "Field\x1fseparator",
        "<!-- hidden -->",
    ],
)
def test_the_field_check_catches_what_it_looks_for(field: str) -> None:
    """The catalogue's safety check can fail: each of these would slip into a card."""
    with pytest.raises(AssertionError):
        assert_field_safe("Title", field)


def test_the_media_check_catches_what_it_looks_for(tmp_path: Path) -> None:
    unsafe = {
        "fd-0123456789abcdef0123.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
        "fd-1123456789abcdef0123.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="x"/>',
        "fd-2123456789abcdef0123.svg": '<svg xmlns="http://www.w3.org/2000/svg"><use href="http://e/x"/></svg>',
        "flowchart.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
    }
    for name, data in unsafe.items():
        (tmp_path / name).write_text(data)
        with pytest.raises(AssertionError):
            assert_media_safe(tmp_path / name)
