"""Notes the learner deleted stay deleted: delivery remembers (in the state, per target) what it
delivered; a later correction does not bring back a deleted note or deck, the run says how many it
left out, and ``--restore-deleted`` brings them back. Real backend, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from anki.collection import Collection

from flashdigest.deliver import AnkiConnectTarget
from flashdigest.handoff import HandOff
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import FULL_SET
from tests.ankiconnect_server import AnkiConnectServer
from tests.deliver_helpers import (
    CHANGED,
    CORRECTED,
    NOTES,
    ORIGINAL,
    correct_source,
    new_collection,
    sample_source,
)
from tests.test_cli_deliver import notes_in, run


def deliver(tmp_path: Path, source: Path, path: Path, *more: str) -> dict[str, object]:
    code, stdout, err = run(
        "export",
        str(source),
        "--out",
        str(tmp_path / "out"),
        "--collection",
        str(path),
        "--json",
        "--cards",
        "all",
        *more,
    )
    assert code == 0, err
    delivery = json.loads(stdout)["delivery"]
    assert isinstance(delivery, dict)
    return delivery


def test_a_deleted_note_is_not_brought_back_by_a_correction(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    assert deliver(tmp_path, source, path)["added"] == NOTES
    col = Collection(str(path))
    try:  # the learner deletes the paper note the correction will change
        (note_id,) = col.find_notes(f'"Results:*{ORIGINAL}*"')
        col.remove_notes([note_id])
    finally:
        col.close()
    correct_source(source)
    delivery = deliver(tmp_path, source, path)
    assert notes_in(path) == NOTES - 1  # not brought back
    assert (delivery["added"], delivery["updated"], delivery["left_out"]) == (0, CHANGED - 1, 1)
    assert delivery["notices"] == [
        "1 note(s) you deleted in Anki were left out (--restore-deleted brings them back)"
    ]
    delivery = deliver(tmp_path, source, path, "--restore-deleted")
    assert (delivery["added"], delivery["left_out"]) == (1, 0)
    col = Collection(str(path))
    try:
        assert len(col.find_notes(f'"Results:*{CORRECTED}*"')) == 1  # back, corrected
        assert len(col.find_notes("")) == NOTES
    finally:
        col.close()


def test_a_deleted_deck_is_not_re_added_by_a_correction(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    deliver(tmp_path, source, path)
    col = Collection(str(path))
    try:
        deck = col.decks.id_for_name("Paper Digests::2026-01-15")
        assert deck is not None
        col.decks.remove([deck])
        assert not col.find_notes("")
    finally:
        col.close()
    correct_source(source)
    delivery = deliver(tmp_path, source, path)
    assert notes_in(path) == 0  # the deck is not re-added
    assert (delivery["added"], delivery["updated"], delivery["left_out"]) == (0, 0, NOTES)


def test_the_anki_connect_route_keeps_deleted_notes_deleted_too(tmp_path: Path) -> None:
    source = sample_source(tmp_path)
    server = AnkiConnectServer(new_collection(tmp_path / "profile"))
    try:
        options = ExportOptions(
            out_dir=tmp_path / "out", hand_off=HandOff(target=AnkiConnectTarget(server.url)), deck=FULL_SET
        )
        first = export_inputs([source], options).hand_off
        assert first is not None and first.delivery is not None and first.delivery.added == NOTES
        (note_id,) = server.col.find_notes(f'"Results:*{ORIGINAL}*"')
        server.col.remove_notes([note_id])
        correct_source(source)
        second = export_inputs([source], options).hand_off
        assert second is not None and second.delivery is not None, second
        assert len(server.col.find_notes("")) == NOTES - 1  # not brought back
        assert (second.delivery.added, second.delivery.left_out) == (0, 1)
    finally:
        server.close()
