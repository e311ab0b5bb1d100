"""Note types change only when their own content changes: a new day's deck carries the note types
with the same modification time as every other deck, so Anki's importer ("update note types if
newer", as Anki desktop and AnkiDroid import) never puts them over a learner's later edit of a
template, the CSS or the name. Checked with the real Anki backend's importer."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from flashdigest.cards.notetypes import PAPER_MODEL_ID, PAPER_MODEL_NAME, all_models
from flashdigest.export import notetype_hash
from flashdigest.export.notetype_times import SHIPPED, notetype_mod
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import import_deck
from tests.conftest import SAMPLES
from tests.deliver_helpers import DAY, NOW, new_collection

MY_TEMPLATE = "<!-- the learner's own line -->"
MY_NAME = "My paper cards"


def notetype_mods(deck: Path) -> dict[int, int]:
    with zipfile.ZipFile(deck) as archive:
        data = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        (models,) = connection.execute("select models from col").fetchone()
    finally:
        connection.close()
    return {int(key): int(model["mod"]) for key, model in json.loads(models).items()}


def export_one(tmp_path: Path, name: str, now: float) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file in SAMPLES.glob(f"{Path(name).stem}*"):
        shutil.copy(file, folder / file.name)
    out = tmp_path / f"out-{name}"
    report = export_inputs([folder], ExportOptions(out_dir=out, now=now))
    assert not report.failures and len(report.written) == 1
    return report.written[0].path


def test_every_days_deck_has_the_same_note_type_times_from_content_alone(tmp_path: Path) -> None:
    first = notetype_mods(export_one(tmp_path, "2026-01-15.txt", NOW))
    later = notetype_mods(export_one(tmp_path, "2026-05-06.html", NOW + 200 * DAY))
    assert first == {model_id: SHIPPED[model_id][1] for model_id in first}
    assert later == {model_id: SHIPPED[model_id][1] for model_id in later}


def test_each_note_type_as_it_is_now_is_a_shipped_version() -> None:
    """A change of a template, the CSS, a field or a name needs a new entry in
    flashdigest/export/notetype_times.py (a later time) and a CHANGELOG line saying that it
    replaces learners' edits of that note type."""
    for model in all_models():
        content = notetype_hash(model.to_json(0, 1))
        assert SHIPPED[model.model_id][0] == content, f"{model.name}: record {content} in SHIPPED"
    times = [time for _content, time in SHIPPED.values()]
    assert max(times) <= time.time()  # a shipped time is a release's, never in the future


def test_the_time_changes_with_the_content_only() -> None:
    same = [notetype_mod(PAPER_MODEL_ID, notetype_hash({"name": "A", "css": "x"})) for _ in range(2)]
    other = notetype_mod(PAPER_MODEL_ID, notetype_hash({"name": "A", "css": "y"}))
    assert same[0] == same[1] != other
    assert max(same[0], other) < min(time for _content, time in SHIPPED.values())


def test_a_new_days_deck_keeps_the_learners_template_css_and_name(tmp_path: Path) -> None:
    col: Any = Collection(str(new_collection(tmp_path / "profile")))
    try:
        assert import_deck(col, export_one(tmp_path, "2026-01-15.txt", NOW)).new > 0
        model = col.models.get(PAPER_MODEL_ID)
        model["tmpls"][0]["qfmt"] += MY_TEMPLATE
        model["css"] += "\n.mine { color: teal }"
        model["name"] = MY_NAME
        col.models.update_dict(model)
        # the next day's deck, exported after the learner's edit (its clock is a day later)
        tomorrow = export_one(tmp_path, "2026-05-06.html", time.time() + DAY)
        assert import_deck(col, tomorrow).new > 0
        kept = col.models.get(PAPER_MODEL_ID)
        assert kept["name"] == MY_NAME
        assert kept["tmpls"][0]["qfmt"].endswith(MY_TEMPLATE)
        assert kept["css"].endswith(".mine { color: teal }")
        names = [entry.name for entry in col.models.all_names_and_ids()]
        assert PAPER_MODEL_NAME not in names  # neither put back nor forked
    finally:
        col.close()


def test_a_new_shipped_note_type_is_said_once_before_it_replaces_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deck whose note type is newer than the deck it replaces says so, once a run, in words."""
    from click.testing import CliRunner

    from flashdigest.cli import main

    source = tmp_path / "in" / "2026-01-15.txt"
    source.parent.mkdir()
    shutil.copy(SAMPLES / "2026-01-15.txt", source)
    shutil.copy(SAMPLES / "2026-01-15.answers.yaml", source.parent)
    out = tmp_path / "out"

    def export() -> str:
        result = CliRunner().invoke(main, ["--no-config", "export", str(source.parent), "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        return result.stderr

    with monkeypatch.context() as older:  # the version before: other code, an older note type
        older.setattr("flashdigest.export.notetype_mod", lambda _mid, _content: 1_000_000_000)
        for where in ("flashdigest.stamps", "flashdigest.export.job", "flashdigest.pipeline"):
            older.setattr(f"{where}.code_version", lambda: "the version before", raising=False)
        assert "new version of the note type" not in export()  # the first deck: nothing replaced
    said = [line for line in export().splitlines() if "new version of the note type" in line]
    assert said and len(said) == len(set(said)), said
    assert any(PAPER_MODEL_NAME in line and "replaces your own edits" in line for line in said)
    assert "new version of the note type" not in export()  # the same version again: nothing to say
