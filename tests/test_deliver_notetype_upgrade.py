"""A collection that holds one of flashdigest's note types as an earlier version wrote it, never
edited, gets this version's templates and CSS by delivery (``--collection``, ``--sync`` by the same
rules, and ``--anki-connect``); one the learner edited stays theirs, on every route. Real backend,
through the CLI; the real add-on in Anki desktop is in tests/test_anki_desktop.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.models import NotetypeId

from flashdigest.cards import all_models
from flashdigest.export.notetype_times import EARLIER, SHIPPED_LOOKS, look_of
from tests.ankiconnect_server import AnkiConnectServer
from tests.conftest import SAMPLES
from tests.deliver_helpers import (
    LEARNER_TEXT,
    card_state,
    new_collection,
    review_count,
    review_mcq,
    sample_source,
)
from tests.test_cli_deliver import run

MCQ = 1744601234512
#: what stands for an earlier version's style sheet in these tests (its look put in EARLIER)
OLD_RULE = "\n.fd-old-version { color: red; }\n"


@pytest.fixture(params=["collection", "anki_connect"])
def route(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def opened(path: Path, route: str) -> Iterator[tuple[Any, list[str]]]:
    """The collection, and the export options that deliver into it by ``route``."""
    if route == "anki_connect":
        server = AnkiConnectServer(path)
        try:
            yield server.col, ["--anki-connect-url", server.url]
        finally:
            server.close()
        return
    col = Collection(str(path))
    try:
        yield col, ["--collection", str(path)]
    finally:
        col.close()


def deliver(route: str, col: Any, out: Path, target: list[str], *sources: Path) -> dict[str, Any]:
    """Deliver ``sources`` by ``route``, ``col`` closed meanwhile when ``--collection`` opens the
    collection itself (the AnkiConnect test server holds it open, as Anki desktop does)."""
    if route == "collection":
        col.close()
    try:
        code, stdout, err = run("export", *map(str, sources), "--out", str(out), *target, "--json")
    finally:
        if route == "collection":
            col.reopen()
        col.models._clear_cache()  # (an import changes note types behind the Python cache)
    assert code == 0, err
    delivery = json.loads(stdout)["delivery"]
    assert isinstance(delivery, dict)
    return delivery


def restyle(col: Any, css: Callable[[str], str]) -> str:
    """Give the collection's MCQ note type another style sheet; its look."""
    model = col.models.get(NotetypeId(MCQ))
    model["css"] = css(model["css"])
    col.models.update_dict(model)
    return look_of(col.models.get(NotetypeId(MCQ)))


def new_day(tmp_path: Path) -> Path:
    """Digests of other papers (new notes: AnkiConnect's route changes note types by importing)."""
    more = tmp_path / "in" / "two-days.yaml"
    shutil.copy(SAMPLES / "two-days.yaml", more)
    return more


def test_this_versions_looks_are_recorded_and_read_back_from_a_collection(tmp_path: Path) -> None:
    """SHIPPED_LOOKS are this version's note types' looks (a template change fails here until the
    look before joins EARLIER), and a collection they were delivered into reads them back alike."""
    looks = {model.model_id: look_of(model.to_json(0, 1)) for model in all_models()}
    assert looks == SHIPPED_LOOKS, "a note type changed: new look in SHIPPED_LOOKS, the old one in EARLIER"
    assert all(SHIPPED_LOOKS[mid] not in EARLIER[mid] for mid in SHIPPED_LOOKS)
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    with opened(path, "collection") as (col, target):
        deliver("collection", col, tmp_path / "out", target, source)
        held = {
            mid: look_of(col.models.get(NotetypeId(mid)))
            for mid in SHIPPED_LOOKS
            if col.models.get(NotetypeId(mid))
        }
    assert MCQ in held
    assert held == {mid: SHIPPED_LOOKS[mid] for mid in held}


def test_an_earlier_version_never_edited_is_brought_up_to_date(
    tmp_path: Path, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    with opened(path, route) as (col, target):
        deliver(route, col, tmp_path / "first", target, source)
        note_id, reviewed = review_mcq(col)
        old = restyle(col, lambda css: css + OLD_RULE)
        monkeypatch.setitem(EARLIER, MCQ, EARLIER[MCQ] | {old})
        schema, reviews = col.db.scalar("select scm from col"), review_count(col)
        delivery = deliver(route, col, tmp_path / "again", target, source, new_day(tmp_path))
        assert any(
            "'FlashDigest MCQ v2': brought up to this version's" in line for line in delivery["notices"]
        )
        model = col.models.get(NotetypeId(MCQ))
        assert look_of(model) == SHIPPED_LOOKS[MCQ] and OLD_RULE not in model["css"]
        assert col.db.scalar("select scm from col") == schema  # no full sync for the phone
        note = col.get_note(note_id)  # the learner's work on its notes stays
        assert note["Extra"] == LEARNER_TEXT and "my::quiz" in note.tags
        assert card_state(col, note.cards()[0].id) == reviewed and review_count(col) == reviews


def test_a_note_type_the_learner_edited_stays_theirs(tmp_path: Path, route: str) -> None:
    mine = "\n.fd-answer { font-size: 30px; } /* mine */\n"
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    with opened(path, route) as (col, target):
        deliver(route, col, tmp_path / "first", target, source)
        edited = restyle(col, lambda css: css + mine)
        # edited before this version was released: Anki's "update note types if newer" alone
        # would put the shipped version over it
        col.db.execute("update notetypes set mtime_secs = ? where id = ?", 1_700_000_000, MCQ)
        col.models._clear_cache()
        delivery = deliver(route, col, tmp_path / "again", target, source, new_day(tmp_path))
        assert delivery["added"] > 0  # (new notes came, by an import on the AnkiConnect route)
        assert not any("brought up" in line for line in delivery["notices"])
        model = col.models.get(NotetypeId(MCQ))
        assert model["css"].endswith(mine) and look_of(model) == edited
