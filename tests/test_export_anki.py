"""Decks written from text digests, imported into a fresh collection of the real Anki backend."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import genanki

from flashdigest.cards import DeckBuild, DeckOptions, build_deck, cloze_model, mcq_model, paper_model
from flashdigest.cards.mcq import answer_of
from flashdigest.parse import read_digests
from flashdigest.pipeline import ExportOptions, export_inputs
from tests.anki_helpers import CLOZE, MCQ, PAPER, by_type, import_deck, imported_notes
from tests.conftest import SAMPLES

# The correct options of the 2025-04-14 digest (from its HTML page), in every form a key allows.
SHARED_KEY = """\
1: [B, A, B]
2: [2, 3, 2]
3: ["Semantic regularization that aligns tokenizer features with pretrained visual representations",
    "Using 1D tokenizers with asymmetric scaling that prioritizes decoder size",
    "Entropy loss to encourage higher codebook utilization"]
"""


#: these tests check what export writes of every card: the full set, not the daily budget
FULL_SET = DeckOptions(cards=("all",))


def export(paths: list[Path], out: Path, timestamp: float | None = None) -> list[Path]:
    report = export_inputs(paths, ExportOptions(out_dir=out, now=timestamp, deck=FULL_SET))
    assert not report.failures, report.failures
    return [deck.path for deck in report.written]


def copy_shared_digest(shared: Path, tmp_path: Path, key: str | None = None) -> Path:
    digest = tmp_path / "in" / "000_0e9ee186ca297bc0.txt"
    digest.parent.mkdir()
    shutil.copy(shared / "000_0e9ee186ca297bc0.txt", digest)
    if key is not None:
        (digest.parent / "000_0e9ee186ca297bc0.answers.yaml").write_text(key)
    return digest


def test_shared_digest_without_key_gives_three_paper_notes_with_15_cards(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    (deck,) = export([copy_shared_digest(shared_digests, tmp_path)], tmp_path / "decks")
    assert deck == tmp_path / "decks" / "2025-04-14.apkg"
    counts = import_deck(collection, deck)
    notes = imported_notes(collection)
    assert counts.new == len(notes)
    assert {n.notetype for n in notes} == {"FlashDigest Paper v2", "FlashDigest Cloze"}
    papers = by_type(notes, PAPER)
    assert len(papers) == 3 and sum(n.cards for n in papers) == 15
    assert {n.fields["ShortName"] for n in papers} == {"Seaweed-7B", "C3PO", "GigaTok"}
    assert {n.fields["Lang"] for n in notes} == {"en"}
    assert {d for n in notes for d in n.decks} == {"Paper Digests::2025-04-14"}
    seaweed = next(n for n in notes if n.fields["Title"].startswith("Seaweed-7B"))
    assert seaweed.fields["Link"] == "http://arxiv.org/pdf/2504.08685"
    assert seaweed.fields["Published"] == "2025-04-11"
    assert seaweed.fields["DigestDate"] == "2025-04-14"
    assert seaweed.fields["Problem"].startswith("The paper addresses the excessive computational costs")
    assert seaweed.fields["Results"].endswith("(27.7 days on 1,000 GPUs).")
    assert seaweed.tags == ("arxiv::2504.08685", "digest::2025-04-14")
    assert seaweed.guid == genanki.guid_for("arxiv:2504.08685", "paper")


def test_shared_digest_with_key_adds_nine_mcq_notes_with_right_answers(
    shared_digests: Path, tmp_path: Path, collection: Any
) -> None:
    (deck,) = export([copy_shared_digest(shared_digests, tmp_path, SHARED_KEY)], tmp_path / "decks")
    import_deck(collection, deck)
    notes = imported_notes(collection)
    mcq = by_type(notes, "FlashDigest MCQ")
    assert len(by_type(notes, "FlashDigest Paper")) == 3
    assert len(mcq) == 9 and all(n.cards == 1 for n in mcq)
    answers = {n.fields["Question"]: answer_of(n.fields["Answer"]) for n in mcq}
    assert answers["How many H100 GPU hours were required to train the Seaweed-7B model?"] == (
        "665,000 hours (equivalent to 27.7 days on 1,000 GPUs)"
    )
    assert (
        answers[
            "According to the paper&#x27;s findings, which layer optimization strategy yielded the best "
            "performance in C3PO?"
        ]
        == "Optimizing only the last 5 layers (deep layers)"
    )
    for note in mcq:
        assert answer_of(note.fields["Answer"]) in note.fields["Choices"]
        assert note.fields["Paper"] and note.fields["Link"].startswith("http://arxiv.org/pdf/")


def test_sample_exports_with_its_answer_key(tmp_path: Path, collection: Any) -> None:
    (deck,) = export([SAMPLES / "2026-01-15.txt"], tmp_path)
    import_deck(collection, deck)
    notes = imported_notes(collection)
    assert len(by_type(notes, "FlashDigest Paper")) == 2
    assert sorted(answer_of(n.fields["Answer"]) for n in by_type(notes, "FlashDigest MCQ")) == sorted(
        [
            "Which tokens of the context can be dropped without hurting the answer",
            "25% of the tokens",
            "It is 8 points better on the benchmarks",
            "By a Thompson-sampling bandit during calibration",
            "3.1 bits",
            "A few sensitive layers",
        ]
    )


HOSTILE = """2025-05-01 Papers
Paper 1
Tokens like <|image|> and <b>bold</b> & "quotes"
Link: javascript:alert(1)
1. Topic and Domain: uses <|image|> tokens and <script>alert(1)</script> sep\x1fhere
Paper 2
Same paper again
Link: http://arxiv.org/abs/2505.00001
1. Topic and Domain: first
Paper 3
Same paper again, other title
Link: http://arxiv.org/pdf/2505.00001v2
1. Topic and Domain: second
"""


def test_field_text_is_escaped_cleaned_and_duplicates_kept_once(tmp_path: Path, collection: Any) -> None:
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE)
    (deck,) = export([source], tmp_path / "out")
    assert import_deck(collection, deck).new == 2
    notes = {n.fields["Title"]: n for n in imported_notes(collection)}  # no figures: no cloze notes
    first = notes["Tokens like &lt;|image|&gt; and &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;"]
    assert first.fields["Link"] == ""
    assert first.fields["Topic"] == (
        "uses &lt;|image|&gt; tokens and &lt;script&gt;alert(1)&lt;/script&gt; sephere"
    )
    card = collection.get_note(collection.find_notes('"Title:Tokens*"')[0]).cards()[0]
    assert "<|image|>" not in card.question() and "&lt;|image|&gt;" in card.question()
    assert notes["Same paper again"].fields["Topic"] == "first"


def read_collection(deck: Path) -> sqlite3.Connection:
    data = zipfile.ZipFile(deck).read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    return connection


def test_ids_are_stable_across_runs_and_machines(tmp_path: Path) -> None:
    (first,) = export([SAMPLES / "2026-01-15.txt"], tmp_path / "a", timestamp=1_700_000_000)
    (second,) = export([SAMPLES / "2026-01-15.txt"], tmp_path / "b", timestamp=1_800_000_000)
    queries = [
        "SELECT id, guid, mid FROM notes ORDER BY id",
        "SELECT id, nid, did, ord FROM cards ORDER BY id",
    ]
    for query in queries:
        rows = [read_collection(deck).execute(query).fetchall() for deck in (first, second)]
        assert rows[0] == rows[1] and rows[0]


def test_corrected_digest_updates_its_note_instead_of_adding_one(tmp_path: Path, collection: Any) -> None:
    source = tmp_path / "in" / "2026-01-15.txt"
    source.parent.mkdir()
    shutil.copy(SAMPLES / "2026-01-15.txt", source)
    (deck,) = export([source], tmp_path / "out", timestamp=1_700_000_000)
    assert import_deck(collection, deck).new == len(imported_notes(collection))
    source.write_text(source.read_text().replace("at a quarter of the memory", "at a third of the memory"))
    (deck,) = export([source], tmp_path / "out", timestamp=1_700_000_100)
    counts = import_deck(collection, deck)
    # the paper note and the cloze note of the corrected sentence (it holds figures); the rest unchanged
    assert (counts.new, counts.updated, counts.duplicate) == (0, 2, len(imported_notes(collection)) - 2)
    papers = by_type(imported_notes(collection), PAPER)
    results = [n.fields["Results"] for n in papers if "pruned 1B" in n.fields["Results"]]
    assert results and "a third of the memory" in results[0]


def v1_deck(build: DeckBuild, folder: Path) -> Path:
    """The deck version 1 gave: the same notes (GUIDs, fields but ShortName and Lang) under the
    v1 note types, and no cloze notes."""
    v1 = {}
    for model, old_id, old_name in ((paper_model(), 1744601234501, PAPER), (mcq_model(), 1744601234502, MCQ)):
        fields = model.fields[:-2]
        templates = [dict(template) for template in model.templates]
        v1[model.model_id] = genanki.Model(
            old_id, old_name, fields=fields, templates=templates, css=model.css
        )
    deck = genanki.Deck(build.deck_id, build.deck_name)
    for note in build.notes:
        if note.model.model_id in v1:
            deck.add_note(
                genanki.Note(v1[note.model.model_id], note.fields[:-2], guid=note.guid, tags=note.tags)
            )
    path = folder / "v1.apkg"
    genanki.Package(deck).write_to_file(str(path), timestamp=1_700_000_000)
    return path


def test_a_v1_collection_moves_over_as_the_readme_says(tmp_path: Path, collection: Any) -> None:
    (digest,) = read_digests(SAMPLES / "2026-01-15.txt")
    build = build_deck(digest, FULL_SET)
    assert import_deck(collection, v1_deck(build, tmp_path)).new == 8
    (deck,) = export([SAMPLES / "2026-01-15.txt"], tmp_path / "out", timestamp=1_700_100_000)
    counts = import_deck(collection, deck)  # the v1 notes stay as they are; the figure cards arrive
    clozes = sum(note.model is cloze_model() for note in build.notes)
    assert (counts.new, counts.conflicting) == (clozes, 8)
    for old, new in ((PAPER, "FlashDigest Paper v2"), (MCQ, "FlashDigest MCQ v2")):  # Change Note Type
        old_id, new_id = collection.models.by_name(old)["id"], collection.models.by_name(new)["id"]
        request = collection.models.change_notetype_info(old_notetype_id=old_id, new_notetype_id=new_id).input
        request.note_ids.extend(collection.models.nids(old_id))
        collection.models.change_notetype_of_notes(request)
    changed = max(collection.get_note(note_id).mod for note_id in collection.find_notes(""))
    for old_deck in (tmp_path / "out").glob("*.apkg"):  # times come from the deck: so every note is newer
        old_deck.unlink()
    (deck,) = export([SAMPLES / "2026-01-15.txt"], tmp_path / "out", timestamp=changed + 10)
    counts = import_deck(collection, deck)
    assert (counts.new, counts.updated, counts.conflicting) == (0, len(build.notes), 0)
    notes = imported_notes(collection)
    assert {n.notetype for n in notes} == {"FlashDigest Paper v2", "FlashDigest MCQ v2", CLOZE}
    assert {n.fields["ShortName"] for n in by_type(notes, PAPER)} == {
        "Paper Cuts",
        "Q1 or Q2? Choosing Quantization Levels per…",
    }
