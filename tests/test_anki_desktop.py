"""Delivery through the real Anki desktop (``aqt``, headless under Xvfb) and the real AnkiConnect
add-on (``../shared/anki-connect``): every claim of the AnkiConnect route, as a learner lives it.

One Anki serves the module (a start costs seconds on 2 shared cores); each test delivers digests
of its own, so that they do not meet in the collection. Skipped only where ``../shared``, Xvfb or
``aqt`` is absent, unless ``FLASHDIGEST_REQUIRE_ANKI_DESKTOP=1`` (CI), which fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flashdigest.cards.notetypes import MCQ_MODEL_ID, MCQ_MODEL_NAME, PAPER_MODEL_ID
from flashdigest.deliver.ankiconnect import AnkiConnect
from flashdigest.deliver.types import AnkiConnectTarget
from tests.anki_desktop import AnkiDesktop, desktop_missing, start_anki
from tests.browser_helpers import ZOOM, ZOOM_MEASURE
from tests.conftest import SAMPLES
from tests.deliver_helpers import CORRECTED, LEARNER_TEXT, ORIGINAL

SHARED_HTML = Path(__file__).resolve().parent.parent.parent / "shared" / "digests" / "html"
MY_TEMPLATE = "<!-- the learner's own line -->"
MY_NAME = "My paper cards"
MY_STYLE = "\n.fd-answer { font-size: 30px; } /* the learner's */\n"
#: a run that adds one digest to a collection of many delivered decks makes at most this many calls
FEW_CALLS = 30


def _require() -> None:
    why = desktop_missing()
    if why is not None:
        if os.environ.get("FLASHDIGEST_REQUIRE_ANKI_DESKTOP", "") == "1":
            pytest.fail(f"FLASHDIGEST_REQUIRE_ANKI_DESKTOP=1 but {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def anki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiDesktop]:
    _require()
    desktop = start_anki(tmp_path_factory.mktemp("anki") / "base")
    try:
        yield desktop
    finally:
        desktop.stop()


def export(source: Path, out: Path, url: str, *more: str) -> tuple[int, str, str]:
    """``flashdigest export SOURCE --out OUT --anki-connect-url URL``, as a learner runs it."""
    command = [sys.executable, "-m", "flashdigest", "export", str(source), "--out", str(out)]
    command += ["--anki-connect-url", url, *more]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


def copy_sample(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def trash_bytes(anki: AnkiDesktop) -> int:
    """The bytes in Anki's media trash (which Anki never empties by itself)."""
    return sum(path.stat().st_size for path in anki.profile.glob("media.trash/**/*") if path.is_file())


def media_bytes(anki: AnkiDesktop) -> int:
    return sum(path.stat().st_size for path in anki.media.rglob("*") if path.is_file())


def media_names(anki: AnkiDesktop) -> set[str]:
    return {path.name for path in anki.media.iterdir() if path.is_file()}


def note_with(anki: AnkiDesktop, query: str, text: str) -> dict[str, Any]:
    """The one note found by ``query`` with ``text`` in a field."""
    infos = anki.call("notesInfo", notes=anki.call("findNotes", query=query))
    (found,) = [info for info in infos if any(text in f["value"] for f in info["fields"].values())]
    return dict(found)


def export_real_page(tmp_path: Path, anki: AnkiDesktop) -> Path:
    """A real page (2025-04-14) exported and delivered through the add-on; its folder."""
    if not SHARED_HTML.is_dir():
        pytest.skip("../shared is absent")
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SHARED_HTML / "2025-04-14.html", source)
    assert export(source, tmp_path / "out", anki.url)[0] == 0
    return source


def test_deliver_learn_correct_keeps_the_learners_work(tmp_path: Path, anki: AnkiDesktop) -> None:
    source = copy_sample(tmp_path / "in", "2026-01-15.txt", "2026-01-15.answers.yaml")
    out = tmp_path / "out"
    assert export(source, out, anki.url)[0] == 0
    query = f"mid:{PAPER_MODEL_ID}"
    paper = note_with(anki, query, ORIGINAL)
    card = int(paper["cards"][0])
    # the learner's work: Extra, a tag, a card moved, a review, a suspension, a template edit, a rename
    anki.call("updateNoteFields", note={"id": paper["noteId"], "fields": {"Extra": LEARNER_TEXT}})
    anki.call("addTags", notes=[paper["noteId"]], tags="my-own-tag")
    anki.call("changeDeck", cards=[card], deck="Exam prep")
    assert anki.call("answerCards", answers=[{"cardId": card, "ease": 3}]) == [True]
    anki.call("suspend", cards=[card])
    name = paper["modelName"]
    templates = anki.call("modelTemplates", modelName=name)
    first = next(iter(templates))
    front = templates[first]["Front"] + MY_TEMPLATE
    anki.call("updateModelTemplates", model={"name": name, "templates": {first: {"Front": front}}})
    anki.python(
        f"m = mw.col.models.get({PAPER_MODEL_ID}); m['name'] = {MY_NAME!r}; mw.col.models.update_dict(m)"
    )
    reviews = len(anki.call("getReviewsOfCards", cards=[card])[str(card)])
    # a correction of the digest, then a new day's deck
    text = (source / "2026-01-15.txt").read_text(encoding="utf-8")
    (source / "2026-01-15.txt").write_text(text.replace(ORIGINAL, CORRECTED), encoding="utf-8")
    copy_sample(source, "2026-05-06.html")
    code, stdout, stderr = export(source, out, anki.url)
    assert code == 0, stderr
    assert stderr.splitlines() == [
        f"notice: note type 'FlashDigest Paper v2' is named {MY_NAME!r} in your collection: kept"
    ]
    assert "0 updated" not in stdout
    after = note_with(anki, query, CORRECTED)
    assert after["noteId"] == paper["noteId"]
    assert after["fields"]["Extra"]["value"] == LEARNER_TEXT
    assert "my-own-tag" in after["tags"]
    assert anki.call("cardsInfo", cards=[card])[0]["deckName"] == "Exam prep"
    assert len(anki.call("getReviewsOfCards", cards=[card])[str(card)]) == reviews == 1
    assert anki.call("areSuspended", cards=[card]) == [True]
    assert anki.call("modelNamesAndIds")[MY_NAME] == PAPER_MODEL_ID
    assert anki.call("modelTemplates", modelName=MY_NAME)[first]["Front"].endswith(MY_TEMPLATE)
    assert not [n for n in anki.call("modelNames") if n.startswith("FlashDigest Paper")]
    # nothing changed: no call at all
    calls = anki.api_call_count()
    assert export(source, out, anki.url)[0] == 0
    assert anki.api_call_count() == calls


def test_a_renamed_field_gets_its_corrections_and_no_copy_of_the_note_type(
    tmp_path: Path, anki: AnkiDesktop
) -> None:
    """Finding 13 through the real add-on: the learner renames a field; a correction reaches it,
    a new day's notes come in under the learner's note type (no "FlashDigest Paper v2+"), said once."""
    source = copy_sample(tmp_path / "in", "2026-01-15.txt", "2026-01-15.answers.yaml")
    out = tmp_path / "out"
    assert export(source, out, anki.url, "--cards", "all")[0] == 0
    anki.python(
        f"m = mw.col.models.get({PAPER_MODEL_ID}); f = [f for f in m['flds'] if f['name'] == 'Results'][0]\n"
        "mw.col.models.rename_field(m, f, 'Findings'); mw.col.models.update_dict(m)"
    )
    text = (source / "2026-01-15.txt").read_text(encoding="utf-8")
    (source / "2026-01-15.txt").write_text(text.replace(ORIGINAL, CORRECTED), encoding="utf-8")
    copy_sample(source, "2025-05-02.html")
    code, _stdout, stderr = export(source, out, anki.url, "--cards", "all")
    assert code == 0, stderr
    said = "you renamed field 'Results' to 'Findings'; flashdigest writes 'Results' into 'Findings'"
    assert [line for line in stderr.splitlines() if said in line], stderr
    assert not [name for name in anki.call("modelNames") if name.endswith("+")]
    assert anki.call("findNotes", query=f'"Findings:*{CORRECTED}*"')
    new_day = anki.call("findNotes", query=f'"deck:Paper Digests::2025-05-02" mid:{PAPER_MODEL_ID}')
    assert new_day, "the new day's paper notes came in under the learner's note type"
    anki.python(  # as it was, for the tests after this one in the same Anki
        f"m = mw.col.models.get({PAPER_MODEL_ID}); f = [f for f in m['flds'] if f['name'] == 'Findings'][0]\n"
        "mw.col.models.rename_field(m, f, 'Results'); mw.col.models.update_dict(m)"
    )


def test_a_note_type_the_learner_edited_stays_theirs(tmp_path: Path, anki: AnkiDesktop) -> None:
    """Through the real add-on: the learner's style sheet of the MCQ note type, edited before this
    version was released, stays when new notes of that note type come (Anki's import alone would
    put the shipped version over it, as it is newer)."""
    source = copy_sample(tmp_path / "in", "2026-01-15.txt", "2026-01-15.answers.yaml")
    out = tmp_path / "out"
    assert export(source, out, anki.url)[0] == 0
    before = anki.python(f"result = mw.col.models.get({MCQ_MODEL_ID})['css']")
    anki.python(
        f"m = mw.col.models.get({MCQ_MODEL_ID}); m['css'] += {MY_STYLE!r}; mw.col.models.update_dict(m)\n"
        f"mw.col.db.execute('update notetypes set mtime_secs = 1700000000 where id = {MCQ_MODEL_ID}')\n"
        "mw.col.models._clear_cache()"
    )
    copy_sample(source, "2025-05-02.html")
    code, _stdout, stderr = export(source, out, anki.url)
    assert code == 0, stderr
    assert anki.call("findNotes", query=f'"deck:Paper Digests::2025-05-02" mid:{MCQ_MODEL_ID}'), "no new MCQ"
    anki.python("mw.col.models._clear_cache()")
    assert anki.call("modelStyling", modelName=MCQ_MODEL_NAME)["css"].endswith(MY_STYLE)
    assert "brought up" not in stderr
    anki.call("updateModelStyling", model={"name": MCQ_MODEL_NAME, "css": before})  # for the tests after


def test_a_note_the_learner_deleted_stays_deleted(tmp_path: Path, anki: AnkiDesktop) -> None:
    """Finding 7 through the real add-on: a correction does not bring back a deleted note."""
    source = copy_sample(tmp_path / "in", "2026-01-15.txt", "2026-01-15.answers.yaml")
    out = tmp_path / "out"
    assert export(source, out, anki.url, "--cards", "all")[0] == 0
    paper = note_with(anki, f'"deck:Paper Digests::2026-01-15" mid:{PAPER_MODEL_ID}', ORIGINAL)
    anki.call("deleteNotes", notes=[paper["noteId"]])  # the learner deletes it; then a correction of it
    text = (source / "2026-01-15.txt").read_text(encoding="utf-8")
    (source / "2026-01-15.txt").write_text(text.replace(ORIGINAL, CORRECTED), encoding="utf-8")
    code, _stdout, stderr = export(source, out, anki.url, "--cards", "all")
    assert code == 0, stderr
    assert "1 note(s) you deleted in Anki were left out" in stderr
    assert not anki.call("findNotes", query=f"nid:{paper['noteId']}")
    assert not anki.call("findNotes", query=f'"Results:*{CORRECTED}*" "deck:Paper Digests::2026-01-15"')


def test_a_deck_the_learner_deleted_is_not_re_added(tmp_path: Path, anki: AnkiDesktop) -> None:
    """Finding 7 through the real add-on: a correction of one note does not bring back its deck."""
    source = copy_sample(tmp_path / "in", "2025-05-02.html")
    out = tmp_path / "out"
    assert export(source, out, anki.url, "--cards", "all")[0] == 0
    deck = "Paper Digests::2025-05-02"
    delivered = len(anki.call("findNotes", query=f'"deck:{deck}"'))
    assert delivered > 0
    anki.call("deleteDecks", decks=[deck], cardsToo=True)
    page = source / "2025-05-02.html"
    text = page.read_text(encoding="utf-8")
    changed = text.replace("Topic and Domain:", "Topic and Domain: (corrected)", 1)
    assert changed != text
    page.write_text(changed, encoding="utf-8")
    code, _stdout, stderr = export(source, out, anki.url, "--cards", "all")
    assert code == 0, stderr
    assert f"{delivered} note(s) you deleted in Anki were left out" in stderr
    assert not anki.call("findNotes", query=f'"deck:{deck}"')


def test_the_daily_budget_and_a_preset_the_learner_chose(tmp_path: Path, anki: AnkiDesktop) -> None:
    """Through the real add-on the deck's cards left for later arrive suspended and a new deck gets
    its preset; new notes into a deck whose preset the learner changed keep the learner's."""
    source = copy_sample(tmp_path / "in", "2026-01-15.txt", "2026-01-15.answers.yaml")
    deck = "Paper Digests::2026-01-15"
    anki.call("deleteDecks", decks=[deck], cardsToo=True)  # earlier tests' notes in this Anki
    assert export(source, tmp_path / "out", anki.url)[0] == 0
    cards = anki.call("findCards", query=f'"deck:{deck}"')
    assert 0 < sum(anki.call("areSuspended", cards=cards)) < len(cards)
    assert anki.call("getDeckConfig", deck=deck)["name"].startswith("FlashDigest")
    assert anki.call("setDeckConfigId", decks=[deck], configId=1)  # the learner: back to Default
    assert export(source, tmp_path / "all", anki.url, "--cards", "all")[0] == 0  # new notes into it
    assert anki.call("getDeckConfig", deck=deck)["id"] == 1


def test_no_file_is_left_in_the_media_folder_or_its_trash(tmp_path: Path, anki: AnkiDesktop) -> None:
    before, trash = media_names(anki), trash_bytes(anki)
    source = export_real_page(tmp_path, anki)
    added = media_names(anki) - before
    assert added and all(name.startswith("fd-") and name.endswith(".svg") for name in added)
    notes = anki.call("notesInfo", notes=anki.call("findNotes", query="DigestDate:2025-04-14"))
    shown = {
        name
        for info in notes
        for field in info["fields"].values()
        for name in added
        if name in field["value"]
    }
    assert shown == added  # every file added is an image a note shows
    # a correction of the page (no new image): the notes change; 0 bytes more in media or trash
    media = media_bytes(anki)
    page = (source / "2025-04-14.html").read_text(encoding="utf-8")
    (source / "2025-04-14.html").write_text(page.replace("Seaweed-7B", "Seaweed 7B", 3), encoding="utf-8")
    code, stdout, _stderr = export(source, tmp_path / "out", anki.url)
    assert code == 0 and "0 notes added" in stdout and "0 updated" not in stdout
    assert trash_bytes(anki) == trash
    assert media_bytes(anki) == media
    assert not [name for name in media_names(anki) if not name.startswith("fd-")]


def test_one_new_digest_among_many_delivered_decks_costs_a_few_calls(
    tmp_path: Path, anki: AnkiDesktop
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    for day in range(60):
        write_digest(source, day)
    out = tmp_path / "out"
    assert export(source, out, anki.url)[0] == 0
    assert len(anki.call("findNotes", query="tag:digest::2024*")) >= 60 * 4
    trash = trash_bytes(anki)
    write_digest(source, 60)
    calls = anki.api_call_count()
    code, stdout, _stderr = export(source, out, anki.url)
    assert code == 0 and "1 deck(s)" in stdout
    assert anki.api_call_count() - calls <= FEW_CALLS
    assert trash_bytes(anki) == trash


def write_digest(folder: Path, day: int) -> None:
    """A YAML digest of 2024-01-01 + ``day`` with two papers of their own."""
    date = f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}"
    papers = "".join(
        f"""  - title: "Paper {day}-{n}: a study"
    link: https://arxiv.org/abs/2401.{day:03d}{n}
    points:
      topic: Topic of paper {day}-{n}.
      results: Results of paper {day}-{n}.
    questions:
      - question: What does paper {day}-{n} study?
        options: [Its topic, Nothing, Everything]
        answer: A
"""
        for n in (1, 2)
    )
    (folder / f"{date}.yaml").write_text(f"date: {date}\npapers:\n{papers}", encoding="utf-8")


def test_back_to_back_calls_all_answer(anki: AnkiDesktop) -> None:
    client = AnkiConnect(AnkiConnectTarget(anki.url))
    assert [client.call("version") for _ in range(200)] == [6] * 200


def test_anki_not_running_exits_75_and_the_next_run_delivers(tmp_path: Path, anki: AnkiDesktop) -> None:
    source = copy_sample(tmp_path / "in", "2025-05-02.html")
    anki.kill_anki()
    try:
        code, _stdout, stderr = export(source, tmp_path / "out", anki.url)
        assert code == 75 and len(stderr.splitlines()) == 1 and "is Anki running" in stderr
    finally:
        anki.start()
    code, stdout, stderr = export(source, tmp_path / "out", anki.url)
    # (the learner's note-type edits of earlier tests in this Anki are said, as notices)
    assert code == 0 and all(line.startswith("notice: ") for line in stderr.splitlines()), stderr
    assert "1 deck(s)" in stdout
    assert anki.call("findNotes", query="DigestDate:2025-05-02")


def test_an_api_key(tmp_path: Path, anki: AnkiDesktop) -> None:
    locked = start_anki(tmp_path / "base", key="s3cret")
    try:
        source = copy_sample(tmp_path / "in", "2026-01-15.txt", "2026-01-15.answers.yaml")
        code, _stdout, stderr = export(source, tmp_path / "out", locked.url)
        assert code == 77 and len(stderr.splitlines()) == 1 and "--anki-connect-key" in stderr
        assert locked.call("findNotes", query="") == []
        code, _stdout, stderr = export(source, tmp_path / "out", locked.url, "--anki-connect-key", "s3cret")
        assert (code, stderr) == (0, "")
        assert locked.call("findNotes", query="")
    finally:
        locked.stop()


def test_the_flowchart_zooms_in_ankis_own_reviewer(tmp_path: Path, anki: AnkiDesktop) -> None:
    """Measured by JavaScript in the real reviewer's webview, under Anki's own stylesheet."""
    export_real_page(tmp_path, anki)
    cards = anki.call("findCards", query=f'mid:{PAPER_MODEL_ID} card:4 "Flowchart:*<img*"')
    assert cards
    measured = anki.on_the_back(cards[0], "Zoom test", _MEASURE_IN_REVIEWER)
    assert measured, "the flowchart did not show in the reviewer"
    fitted, zoomed = measured["fitted"], measured["zoomed"]
    assert zoomed["drawn"] >= ZOOM * fitted["drawn"], measured
    assert zoomed["chartLeft"] <= 16 and zoomed["chartRight"] >= zoomed["frameWidth"], measured


#: fit, tap, measure: the flowchart as drawn before and after a tap (null until it has loaded)
_MEASURE_IN_REVIEWER = f"""(() => {{
  const measure = {ZOOM_MEASURE};
  const figure = document.querySelector(".fd-figure.fd-zoomable");
  const image = figure && figure.querySelector("img");
  if (!image || !image.complete || !image.naturalWidth) return null;
  const fitted = measure(figure);
  figure.click();
  const zoomed = measure(figure);
  figure.click();
  return {{fitted: fitted, zoomed: zoomed}};
}})()"""


def test_the_mcq_back_shows_the_point_that_states_the_answer_in_ankis_own_reviewer(
    tmp_path: Path, anki: AnkiDesktop
) -> None:
    """Through the real AnkiConnect add-on (which brings this version's MCQ v2 CSS) and the real
    reviewer's webview: the back names the letter and shows the sentence of the point that states
    the answer below it; the answer's own words show once, as the marked option."""
    export_real_page(tmp_path, anki)
    assert "fd-answer-own" in anki.python(f"result = mw.col.models.get({MCQ_MODEL_ID})['css']")
    cards = anki.call("findCards", query=f'mid:{MCQ_MODEL_ID} "Question:*H100 GPU hours*"')
    assert len(cards) == 1
    back = anki.on_the_back(cards[0], "Stated test", _READ_THE_BACK)
    assert back, "the MCQ back did not show in the reviewer"
    assert back["letter"] in {"A", "B", "C"} and back["ownShown"] is False, back
    assert back["stated"].startswith("Results and Evaluation") or back["stated"].startswith("RESULTS"), back
    assert "665,000 H100 GPU hours (27.7 days on 1,000 GPUs)" in back["stated"], back
    assert back["statedTop"] > back["letterTop"] and back["fits"], back


#: the back's answer box as drawn (null until the back shows)
_READ_THE_BACK = """(() => {
  const back = document.querySelector(".fd-mcq-back.fd-marked");
  if (!back) return null;
  const box = name => back.querySelector(name).getBoundingClientRect();
  return {
    letter: back.querySelector(".fd-answer-letter").textContent,
    ownShown: box(".fd-answer-own").height > 0,
    stated: back.querySelector(".fd-stated").innerText,
    statedTop: box(".fd-stated").top,
    letterTop: box(".fd-answer-letter").top,
    fits: document.scrollingElement.scrollWidth <= window.innerWidth,
  };
})()"""
