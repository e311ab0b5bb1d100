"""`export --sync` against the real Anki sync server: a phone (a second collection of the account)
gets the notes and flowcharts from one unattended run and keeps its own work."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from flashdigest.cards import builder
from flashdigest.cards.fields import field_text
from flashdigest.deliver.account import load_account
from tests.deliver_helpers import (
    BIT_WIDTH_SENTENCE,
    LEARNER_TEXT,
    NOTES,
    NOW,
    annotate_in,
    assert_kept_in,
    card_state,
    correct_source,
    review_count,
    review_mcq,
    sample_source,
)
from tests.sync.helpers import (
    export_sync,
    flowchart_source,
    login,
    svgs_in,
)
from tests.sync.server import (
    FULL,
    SyncServer,
    new_phone,
    phone_sync,
)

#: a hung server or client fails the test instead of holding CI
pytestmark = pytest.mark.timeout(300)


def test_the_phone_gets_notes_and_flowcharts_from_one_run_and_keeps_its_own(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    code, stdout, err = export_sync(flowchart_source(tmp_path), tmp_path / "out")
    assert code == 0, err
    added = int(stdout.split("notes added")[0].rsplit(": ", 1)[1])
    assert added > 0
    assert phone_sync(phone, server) not in FULL  # no full sync forced on the phone
    assert phone.note_count() == 1 + added
    assert len(svgs_in(phone)) == 2
    assert phone.find_notes('"Front:the phone\'s own question*"')
    assert (Path(phone.media.dir()) / "phone-photo.jpg").exists()
    # the first run's media sync fetched the account's media too (Anki's media sync checks that
    # both sides hold as many files; docs/sync.md has the figures)
    own = load_account().own_collection()
    assert (own.parent / "collection.media" / "phone-photo.jpg").exists()
    assert len(list((own.parent / "collection.media").glob("fd-*.svg"))) == 2


def test_the_phones_work_survives_a_correction(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))  # the decks' notes are older than any edit
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    phone_sync(phone, server)
    phone.remove_notes(phone.find_notes('"Front:the phone\'s own question*"'))  # only the digest's notes
    kept = annotate_in(phone)
    assert phone_sync(phone, server) not in FULL
    correct_source(source)
    code, stdout, err = export_sync(source, tmp_path / "out")
    assert code == 0, err
    assert "0 notes added, 2 updated" in stdout
    assert phone_sync(phone, server) not in FULL
    assert_kept_in(phone, kept)
    assert phone.note_count() == NOTES


def test_server_down_then_up_the_next_run_syncs_what_was_held_back(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    correct_source(source)
    server.stop()
    code, _, err = export_sync(source, tmp_path / "out")
    assert code == 75 and "cannot reach the sync server" in err and len(err.splitlines()) == 1
    server.start()
    code, _, err = export_sync(source, tmp_path / "out")  # no input changed since
    assert code == 0, err
    phone_sync(phone, server)
    (note_id,) = phone.find_notes('"Results:*outdoing heuristic eviction*"')
    assert note_id


def test_sync_with_the_learners_own_collection(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    """--collection with --sync: Anki desktop's profile (synced with the account before) is the
    collection delivered into and synced; no own collection is made."""
    desktop = new_phone(tmp_path / "desktop")
    try:
        assert phone_sync(desktop, server) in FULL  # a new device's first sync downloads
    finally:
        desktop.close()
    assert login(server)[0] == 0
    path = tmp_path / "desktop" / "collection.anki2"
    code, stdout, err = export_sync(sample_source(tmp_path), tmp_path / "out", "--collection", str(path))
    assert code == 0, err
    assert "13 notes added" in stdout
    assert not list((data_home / "flashdigest").glob("collection-*"))
    assert phone_sync(phone, server) not in FULL
    assert phone.note_count() == 1 + NOTES


def test_starting_over_makes_a_new_own_collection_that_gets_every_deck(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path
) -> None:
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    own = load_account().own_collection()
    shutil.rmtree(own.parent)
    code, stdout, err = export_sync(source, tmp_path / "out")  # no input changed
    assert code == 0, err
    assert "0 notes added, 0 updated, 13 unchanged" in stdout  # the account had them already
    assert own.exists()
    code, stdout, _ = export_sync(source, tmp_path / "out")
    assert code == 0 and "delivered 0 deck(s)" in stdout  # that collection had them already


def test_a_phones_mcq_note_of_the_release_before_gets_the_stated_point_and_keeps_its_review(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MCQ note the release before synced (its Answer the answer's words alone), reviewed and
    annotated on the phone: the next run's sync brings the sentence of the point that states the
    answer; the phone's Extra, tag and review stay."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))
    monkeypatch.setenv("FLASHDIGEST_WORKERS", "1")  # the decks are built in this process
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    with monkeypatch.context() as before:
        before.setattr(
            builder, "answer_field", lambda question, _stated, _lang: field_text(question.answer_text)
        )
        assert export_sync(source, tmp_path / "before")[0] == 0
    phone_sync(phone, server)
    note_id, reviewed = review_mcq(phone)
    assert "fd-stated" not in phone.get_note(note_id)["Answer"]
    reviews = review_count(phone)
    assert phone_sync(phone, server) not in FULL
    code, _, err = export_sync(source, tmp_path / "now")
    assert code == 0, err
    assert phone_sync(phone, server) not in FULL
    note = phone.get_note(note_id)
    assert BIT_WIDTH_SENTENCE in note["Answer"] and 'class="fd-stated"' in note["Answer"]
    assert note["Extra"] == LEARNER_TEXT and "my::quiz" in note.tags
    assert card_state(phone, note.cards()[0].id) == reviewed and review_count(phone) == reviews


def test_a_note_type_as_an_earlier_release_wrote_it_reaches_the_phone_up_to_date(
    server: SyncServer, phone: Any, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flashdigest's own collection holds the MCQ note type as an earlier release wrote it (never
    edited): the next run brings it up to this version's CSS, and the phone gets that by a normal
    sync, not a full one."""
    from anki.collection import Collection
    from anki.models import NotetypeId

    from flashdigest.export.notetype_times import EARLIER, SHIPPED_LOOKS, look_of

    mcq = 1744601234512
    assert login(server)[0] == 0
    source = sample_source(tmp_path)
    assert export_sync(source, tmp_path / "out")[0] == 0
    own: Any = Collection(str(load_account().own_collection()))
    try:
        model = own.models.get(NotetypeId(mcq))
        model["css"] += "\n.fd-earlier-release { color: red; }\n"
        own.models.update_dict(model)
        monkeypatch.setitem(EARLIER, mcq, EARLIER[mcq] | {look_of(own.models.get(NotetypeId(mcq)))})
    finally:
        own.close()
    correct_source(source)  # (a run delivers when a deck changed, as a new release's decks do)
    code, _, err = export_sync(source, tmp_path / "out")
    assert code == 0, err
    assert "'FlashDigest MCQ v2': brought up to this version's" in err
    assert phone_sync(phone, server) not in FULL
    phone.models._clear_cache()
    assert look_of(phone.models.get(NotetypeId(mcq))) == SHIPPED_LOOKS[mcq]
