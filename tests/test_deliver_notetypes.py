"""A learner who renames or deletes a field or a note type of flashdigest's gets a notice naming
what they changed and what flashdigest does; no silent copy ("FlashDigest Paper v2+"), no silent
resurrection, and a renamed field still gets its corrections. Real backend, through the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.models import NotetypeId

from flashdigest.cards import builder
from flashdigest.cards.fields import field_text
from tests.ankiconnect_server import AnkiConnectServer
from tests.conftest import SAMPLES
from tests.deliver_helpers import (
    BIT_WIDTH_SENTENCE,
    CORRECTED,
    LEARNER_TEXT,
    ORIGINAL,
    card_state,
    correct_source,
    new_collection,
    review_count,
    review_mcq,
    sample_source,
)
from tests.test_cli_deliver import run

PAPER = 1744601234511
#: the new paper notes the second source (two dates) brings
NEW_PAPERS = 2


@pytest.fixture(params=["collection", "anki_connect"])
def route(request: pytest.FixtureRequest) -> str:
    """Each test runs on both routes: --collection, and AnkiConnect (the local stand-in server)."""
    return str(request.param)


def deliver(tmp_path: Path, target: list[str], *sources: Path) -> dict[str, Any]:
    code, stdout, err = run("export", *map(str, sources), "--out", str(tmp_path / "out"), *target, "--json")
    assert code == 0, err
    delivery = json.loads(stdout)["delivery"]
    assert isinstance(delivery, dict)
    return delivery


def learner_changes(
    tmp_path: Path, change: Callable[[Any], None], route: str = "collection"
) -> tuple[Path, dict[str, Any]]:
    """Deliver the sample by ``route``, let the learner ``change(col)``, then deliver its
    correction and two new days; the collection and what the second delivery said."""
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    more = tmp_path / "in" / "two-days.yaml"
    if route == "anki_connect":
        server = AnkiConnectServer(path)
        try:
            deliver(tmp_path, ["--anki-connect-url", server.url], source)
            change(server.col)
            correct_source(source)
            shutil.copy(SAMPLES / "two-days.yaml", more)
            return path, deliver(tmp_path, ["--anki-connect-url", server.url], source, more)
        finally:
            server.close()
    deliver(tmp_path, ["--collection", str(path)], source)
    col = Collection(str(path))
    try:
        change(col)
    finally:
        col.close()
    correct_source(source)
    shutil.copy(SAMPLES / "two-days.yaml", more)
    return path, deliver(tmp_path, ["--collection", str(path)], source, more)


def notetype_names(path: Path) -> list[str]:
    col = Collection(str(path))
    try:
        return sorted(entry.name for entry in col.models.all_names_and_ids() if "FlashDigest" in entry.name)
    finally:
        col.close()


def rename_field(old: str, new: str) -> Callable[[Any], None]:
    def change(col: Any) -> None:
        model = col.models.get(PAPER)
        (entry,) = [f for f in model["flds"] if f["name"] == old]
        col.models.rename_field(model, entry, new)
        col.models.update_dict(model)

    return change


def test_a_renamed_field_gets_its_corrections_and_no_copy_of_the_note_type(
    tmp_path: Path, route: str
) -> None:
    path, delivery = learner_changes(tmp_path, rename_field("Results", "Findings"), route)
    assert not any(name.endswith("+") for name in notetype_names(path)), notetype_names(path)
    col = Collection(str(path))
    try:
        assert len(col.find_notes(f'"Findings:*{CORRECTED}*"')) == 1
        assert not col.find_notes(f'"Findings:*{ORIGINAL}*"')
        papers = col.find_notes(f"mid:{PAPER}")
        assert len(papers) == 2 + NEW_PAPERS  # the new papers under the learner's note type
        assert all(col.get_note(nid)["Title"] for nid in papers)
    finally:
        col.close()
    assert delivery["added"] == 3
    assert (
        "note type 'FlashDigest Paper v2': you renamed field 'Results' to 'Findings'; "
        "flashdigest writes 'Results' into 'Findings'"
    ) in delivery["notices"]


def test_a_deleted_field_leaves_new_notes_out_with_a_notice(tmp_path: Path, route: str) -> None:
    def delete_field(col: Any) -> None:
        model = col.models.get(PAPER)
        (entry,) = [f for f in model["flds"] if f["name"] == "Topic"]
        col.models.remove_field(model, entry)
        col.models.update_dict(model)

    path, delivery = learner_changes(tmp_path, delete_field, route)
    assert not any(name.endswith("+") for name in notetype_names(path)), notetype_names(path)
    assert delivery["added"] == 1  # the new MCQ note; the new paper notes are left out
    assert any(
        "has other fields than flashdigest's (no 'Topic')" in line and f"{NEW_PAPERS} new note(s)" in line
        for line in delivery["notices"]
    ), delivery["notices"]
    col = Collection(str(path))
    try:
        assert col.find_notes(f'"Results:*{CORRECTED}*"')  # the other fields' corrections arrive
    finally:
        col.close()


def test_a_deleted_note_type_says_so_and_keeps_its_notes_deleted(tmp_path: Path, route: str) -> None:
    path, delivery = learner_changes(tmp_path, lambda col: col.models.remove(PAPER), route)
    col = Collection(str(path))
    try:
        assert len(col.find_notes(f"mid:{PAPER}")) == NEW_PAPERS  # the deleted ones not back
        assert not col.find_notes(f'"Results:*{CORRECTED}*"')
    finally:
        col.close()
    assert any(
        line.startswith("note type 'FlashDigest Paper v2' is not in your collection (deleted)")
        and f"{NEW_PAPERS} new note(s) add it again" in line
        for line in delivery["notices"]
    ), delivery["notices"]


def test_a_renamed_note_type_is_kept_with_a_notice(tmp_path: Path, route: str) -> None:
    def rename(col: Any) -> None:
        model = col.models.get(PAPER)
        model["name"] = "My papers"
        col.models.update_dict(model)

    path, delivery = learner_changes(tmp_path, rename, route)
    assert (
        "note type 'FlashDigest Paper v2' is named 'My papers' in your collection: kept"
        in delivery["notices"]
    )
    col = Collection(str(path))
    try:
        model = col.models.get(NotetypeId(PAPER))
        assert model is not None and model["name"] == "My papers"
        assert col.find_notes(f'"Results:*{CORRECTED}*"')
    finally:
        col.close()


def test_an_mcq_note_of_the_release_before_gets_the_stated_point_and_keeps_the_learners_work(
    tmp_path: Path, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MCQ note delivered by the release before (its Answer the answer's words alone) gets the
    sentence of the point that states the answer; the learner's Extra, tags and review stay."""
    monkeypatch.setenv("FLASHDIGEST_WORKERS", "1")  # the decks are built in this process
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    server = AnkiConnectServer(path) if route == "anki_connect" else None
    target = ["--anki-connect-url", server.url] if server else ["--collection", str(path)]
    try:
        with monkeypatch.context() as before:
            before.setattr(
                builder, "answer_field", lambda question, _stated, _lang: field_text(question.answer_text)
            )
            deliver(tmp_path / "before", target, source)
        col: Any = server.col if server else Collection(str(path))
        note_id, reviewed = review_mcq(col)
        assert "fd-stated" not in col.get_note(note_id)["Answer"]
        reviews = review_count(col)
        if not server:
            col.close()
        delivery = deliver(tmp_path / "now", target, source)
        col = server.col if server else Collection(str(path))
        note = col.get_note(note_id)
        assert delivery["updated"] == 2  # the two MCQ notes the daily budget ships, one a paper
        assert note["Answer"].startswith('<span class="fd-answer-own">3.1 bits</span><div class="fd-stated">')
        assert BIT_WIDTH_SENTENCE in note["Answer"]
        assert note["Extra"] == LEARNER_TEXT and "my::quiz" in note.tags
        assert card_state(col, note.cards()[0].id) == reviewed and review_count(col) == reviews
        if not server:
            col.close()
    finally:
        if server:
            server.close()
