"""`export --collection`, `--anki-connect` and `--bundle` through the CLI, with the real backend:
exit codes, one stderr line, and the state's memory of what was not delivered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from anki.collection import Collection
from click.testing import CliRunner

from flashdigest.cli import main
from flashdigest.cli.output import SEVERITY
from tests.anki_helpers import import_deck
from tests.ankiconnect_server import AnkiConnectServer
from tests.deliver_helpers import new_collection, sample_source
from tests.test_deliver import HOLD_OPEN


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def notes_in(path: Path) -> int:
    col = Collection(str(path))
    try:
        return len(col.find_notes(""))
    finally:
        col.close()


def test_export_delivers_into_the_collection_once(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    out = str(tmp_path / "out")
    code, stdout, err = run("export", str(source), "--out", out, "--collection", str(path))
    assert code == 0, err
    # the daily budget's notes: 2 paper, 2 cloze, 2 MCQ
    assert "delivered 1 deck(s): 6 notes added, 0 updated, 0 unchanged" in stdout
    assert "note type" not in err, "a first delivery has nothing to say of note types"
    assert notes_in(path) == 6
    code, stdout, err = run("export", str(source), "--out", out, "--collection", str(path), "--json")
    assert code == 0, err
    assert json.loads(stdout)["delivery"]["decks"] == []  # delivered already: nothing to do


def test_a_collection_held_open_exits_75_and_the_next_run_delivers(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        code, _stdout, err = run("export", str(source), "--out", str(out), "--collection", str(path), "-q")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
        assert holder.stdout is not None
        holder.stdout.close()
    assert code == 75
    assert len(err.splitlines()) == 1
    busy = "the collection is open in another program (close Anki)"
    assert err.startswith(f"flashdigest: error: {path}: {busy}")
    assert (out / "2026-01-15.apkg").is_file()  # the decks are still written
    code, stdout, err = run("export", str(source), "--out", str(out), "--collection", str(path))
    assert code == 0, err
    assert "1 unchanged" in stdout and "6 notes added" in stdout  # no input changed, still delivered
    assert notes_in(path) == 6


def test_a_missing_collection_exits_73_and_creates_nothing(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    missing = tmp_path / "profile" / "collection.anki2"
    code, _stdout, err = run(
        "export", str(source), "--out", str(tmp_path / "out"), "--collection", str(missing)
    )
    assert code == 73
    (line,) = err.splitlines()
    assert line.startswith(f"flashdigest: error: {missing}: ")
    assert not missing.parent.exists()


def test_anki_connect_that_does_not_answer_exits_75(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    url = "http://127.0.0.1:9"
    out = str(tmp_path / "out")
    code, _stdout, err = run("export", str(source), "--out", out, "--anki-connect-url", url, "-q")
    assert code == 75
    assert len(err.splitlines()) == 1 and "127.0.0.1:9" in err


def test_an_api_key_refused_exits_77_naming_the_option_and_the_next_run_delivers(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    server = AnkiConnectServer(new_collection(tmp_path / "profile"), key="s3cret")
    try:
        out = str(tmp_path / "out")
        code, _stdout, err = run("export", str(source), "--out", out, "--anki-connect-url", server.url, "-q")
        assert code == 77
        assert len(err.splitlines()) == 1
        assert "--anki-connect-key" in err and "anki-connect-key" in err and server.url in err
        assert server.col.note_count() == 0
        code, _stdout, err = run(
            "export",
            str(source),
            "--out",
            out,
            "--anki-connect-url",
            server.url,
            "--anki-connect-key",
            "s3cret",
        )
        assert (code, err) == (0, "")
        assert server.col.note_count() > 0
    finally:
        server.close()


def test_help_lists_exit_code_77() -> None:
    code, stdout, _err = run("export", "--help")
    order = " ".join(str(code) for code in SEVERITY)  # (the worst first)
    assert code == 0 and "77 AnkiConnect refused" in stdout and order in stdout


def test_collection_and_anki_connect_together_is_a_usage_error(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    code, _out, err = run(
        "export", str(source), "--collection", str(tmp_path / "c.anki2"), "--anki-connect", "--out", "x"
    )
    assert code == 2 and "not both" in err


def test_bundle_holds_every_deck_of_the_run(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    bundle = tmp_path / "all.apkg"
    code, stdout, err = run("export", str(source), "--out", str(tmp_path / "out"), "--bundle", str(bundle))
    assert code == 0, err
    assert f"bundled 1 deck(s) into {bundle}" in stdout
    col_path = new_collection(tmp_path / "profile")
    col = Collection(str(col_path))
    try:
        assert import_deck(col, bundle).new == 6  # the daily budget's notes
        again = import_deck(col, tmp_path / "out" / "2026-01-15.apkg")
        assert (again.new, again.updated) == (0, 0)
    finally:
        col.close()


def test_deck_root_and_tags_name_the_decks_and_a_change_rebuilds_them(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    out = str(tmp_path / "out")
    code, _stdout, err = run(
        "export", str(source), "--out", out, "--deck-root", "AI Papers", "--tag", "my tag"
    )
    assert code == 0, err
    col = Collection(str(new_collection(tmp_path / "profile")))
    try:
        import_deck(col, tmp_path / "out" / "2026-01-15.apkg")
        assert "AI Papers::2026-01-15" in [deck.name for deck in col.decks.all_names_and_ids()]
        assert "my_tag" in col.tags.all()
    finally:
        col.close()
    code, stdout, err = run("export", str(source), "--out", out)  # back to the default root
    assert code == 0 and "1 written, 0 unchanged" in stdout, stdout + err
