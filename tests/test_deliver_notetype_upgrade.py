"""A collection that holds one of flashdigest's note types as an earlier version wrote it, never
edited, gets this version's templates and CSS through ``--collection`` (and ``--sync``, which
delivers by the same rules); one the learner edited stays theirs. Real backend, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.models import NotetypeId

from flashdigest.export import notetype_hash
from flashdigest.export.notetype_times import EARLIER, SHIPPED
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
#: what stands for an earlier version's style sheet in these tests (its hash put in EARLIER)
OLD_RULE = "\n.fd-old-version { color: red; }\n"


@contextmanager
def opened(path: Path) -> Iterator[Any]:
    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def deliver(tmp_path: Path, collection: Path, source: Path) -> dict[str, Any]:
    out = str(tmp_path / "out")
    code, stdout, err = run("export", str(source), "--out", out, "--collection", str(collection), "--json")
    assert code == 0, err
    delivery = json.loads(stdout)["delivery"]
    assert isinstance(delivery, dict)
    return delivery


def restyle(col: Any, css: Callable[[str], str]) -> str:
    """Give the collection's MCQ note type another style sheet; its hash."""
    model = col.models.get(NotetypeId(MCQ))
    model["css"] = css(model["css"])
    col.models.update_dict(model)
    return notetype_hash(col.models.get(NotetypeId(MCQ)))


def delivered_then(
    tmp_path: Path, change: Callable[[Any], str]
) -> tuple[Path, Path, int, tuple[Any, ...], str]:
    """The sample delivered, the learner's review and Extra on an MCQ, then ``change(col)``."""
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    deliver(tmp_path / "first", path, source)
    with opened(path) as col:
        note_id, reviewed = review_mcq(col)
        changed = change(col)
    return path, source, note_id, reviewed, changed


def test_the_collection_holds_each_note_type_as_shipped(tmp_path: Path) -> None:
    """The hash read back from the real collection is the one the decks ship: an earlier
    version's hash in EARLIER is what a collection holding it gives."""
    source = sample_source(tmp_path)
    path = new_collection(tmp_path / "profile")
    deliver(tmp_path, path, source)
    with opened(path) as col:
        held = {
            mid: notetype_hash(col.models.get(NotetypeId(mid)))
            for mid in SHIPPED
            if col.models.get(NotetypeId(mid))
        }
    assert MCQ in held
    assert held == {mid: SHIPPED[mid][0] for mid in held}
    assert all(SHIPPED[mid][0] not in EARLIER[mid] for mid in SHIPPED)


def test_an_earlier_version_never_edited_is_brought_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, source, note_id, reviewed, old = delivered_then(
        tmp_path, lambda col: restyle(col, lambda css: css + OLD_RULE)
    )
    monkeypatch.setitem(EARLIER, MCQ, EARLIER[MCQ] | {old})
    with opened(path) as col:
        schema = col.db.scalar("select scm from col")
        reviews = review_count(col)
    delivery = deliver(tmp_path / "again", path, source)
    assert any("brought up to this version's templates" in line for line in delivery["notices"])
    with opened(path) as col:
        model = col.models.get(NotetypeId(MCQ))
        assert notetype_hash(model) == SHIPPED[MCQ][0]
        assert OLD_RULE not in model["css"]
        assert col.db.scalar("select scm from col") == schema  # no full sync for the phone
        note = col.get_note(note_id)  # the learner's work on its notes stays
        assert note["Extra"] == LEARNER_TEXT and "my::quiz" in note.tags
        assert card_state(col, note.cards()[0].id) == reviewed and review_count(col) == reviews
    assert not any("brought up" in line for line in deliver(tmp_path / "third", path, source)["notices"])


def test_a_note_type_the_learner_edited_stays_theirs(tmp_path: Path) -> None:
    mine = "\n.fd-answer { font-size: 30px; } /* mine */\n"
    path, source, _note_id, _reviewed, edited = delivered_then(
        tmp_path, lambda col: restyle(col, lambda css: css + mine)
    )
    delivery = deliver(tmp_path / "again", path, source)
    assert not any("brought up" in line for line in delivery["notices"])
    with opened(path) as col:
        model = col.models.get(NotetypeId(MCQ))
        assert model["css"].endswith(mine) and notetype_hash(model) == edited
