"""--bundle: one package of every deck of a run, with the decks' GUIDs, ids and modification times,
so that importing the per-date decks after it adds and updates nothing (real Anki backend)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from flashdigest.errors import ExportError
from flashdigest.export.bundle import write_bundle
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import FULL_SET, import_deck
from tests.conftest import SAMPLES
from tests.deliver_helpers import NOTES, NOW


def export_all(inputs: list[Path], out: Path, now: float = NOW) -> list[Path]:
    report = export_inputs(inputs, ExportOptions(out_dir=out, now=now, deck=FULL_SET))
    assert not report.failures, report.failures
    return sorted(out.glob("*.apkg"))


def rows(package: Path, sql: str) -> set[tuple[Any, ...]]:
    with zipfile.ZipFile(package) as archive:
        database = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(database)
        return set(connection.execute(sql).fetchall())
    finally:
        connection.close()


def test_importing_the_decks_after_the_bundle_adds_and_updates_nothing(
    tmp_path: Path, collection: Any
) -> None:
    decks = export_all([SAMPLES], tmp_path / "out")
    assert len(decks) >= 5
    bundle = write_bundle(decks, tmp_path / "all.apkg")
    total = len(set().union(*(rows(deck, "select guid from notes") for deck in decks)))
    counts = import_deck(collection, bundle)
    assert (counts.new, counts.updated) == (total, 0)
    for deck in decks:
        again = import_deck(collection, deck)
        assert (again.new, again.updated, again.conflicting) == (0, 0, 0), deck
    assert collection.note_count() == total


def test_the_bundle_keeps_guids_ids_mods_decks_and_media(tmp_path: Path) -> None:
    decks = export_all([SAMPLES], tmp_path / "out")
    bundle = write_bundle(decks, tmp_path / "all.apkg")
    for sql in ("select id, guid, mid, mod, tags, flds from notes", "select id, nid, did, ord from cards"):
        assert rows(bundle, sql) == set().union(*(rows(deck, sql) for deck in decks))
    media = set()
    for deck in decks:
        with zipfile.ZipFile(deck) as archive:
            media |= {(name, archive.read(number)) for number, name in _media_index(archive).items()}
    with zipfile.ZipFile(bundle) as archive:
        assert {(name, archive.read(number)) for number, name in _media_index(archive).items()} == media
    assert media  # the samples ship flowchart SVGs
    again = write_bundle(decks, tmp_path / "again.apkg")
    assert again.read_bytes() == bundle.read_bytes()


def _media_index(archive: zipfile.ZipFile) -> dict[str, str]:
    index: dict[str, str] = json.loads(archive.read("media"))
    return index


def test_a_paper_in_two_digests_is_bundled_once_in_its_newest_version(
    tmp_path: Path, collection: Any
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for day in ("15", "16"):
        text = (SAMPLES / "2026-01-15.txt").read_text(encoding="utf-8")
        (folder / f"2026-01-{day}.txt").write_text(text.replace("2026-01-15 Papers", f"2026-01-{day} Papers"))
        shutil.copy(SAMPLES / "2026-01-15.answers.yaml", folder / f"2026-01-{day}.answers.yaml")
    decks = export_all([folder / "2026-01-15.txt"], tmp_path / "out")
    decks = export_all([folder / "2026-01-16.txt"], tmp_path / "out", now=NOW + 60)
    assert len(decks) == 2
    bundle = write_bundle(decks, tmp_path / "all.apkg")
    assert rows(bundle, "select count(), count(distinct guid) from notes") == {(NOTES, NOTES)}
    assert rows(bundle, "select distinct flds like '%2026-01-16%' from notes") == {(1,)}
    assert import_deck(collection, bundle).new == NOTES
    for deck in decks:
        again = import_deck(collection, deck)
        assert (again.new, again.updated) == (0, 0), deck


def test_only_the_chosen_notes_and_their_media(tmp_path: Path) -> None:
    decks = export_all([SAMPLES], tmp_path / "out")
    chosen = {guid for (guid,) in sorted(rows(decks[0], "select guid from notes"))[:1]}
    bundle = write_bundle(decks, tmp_path / "some.apkg", chosen)
    assert rows(bundle, "select guid from notes") == {(guid,) for guid in chosen}
    fields = "".join(flds for (flds,) in rows(bundle, "select flds from notes"))
    with zipfile.ZipFile(bundle) as archive:
        assert all(name in fields for name in _media_index(archive).values())


def test_no_decks_or_a_broken_deck_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError):
        write_bundle([], tmp_path / "all.apkg")
    broken = tmp_path / "broken.apkg"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ExportError) as error:
        write_bundle([broken], tmp_path / "all.apkg")
    assert error.value.file == broken
    assert not (tmp_path / "all.apkg").exists()


def test_the_real_digests_bundle_like_their_decks(
    tmp_path: Path, shared_digests: Path, collection: Any
) -> None:
    decks = export_all([shared_digests], tmp_path / "out")
    assert len(decks) >= 3
    bundle = write_bundle(decks, tmp_path / "all.apkg")
    total = len(set().union(*(rows(deck, "select guid from notes") for deck in decks)))
    assert import_deck(collection, bundle).new == total
    for deck in decks:
        again = import_deck(collection, deck)
        assert (again.new, again.updated) == (0, 0), deck
