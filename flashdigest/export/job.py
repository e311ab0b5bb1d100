"""One input's decks made ready apart from the run: parse, build, stamp and package, in memory.

Public entry points: :func:`prepared_decks` (lazily, one digest after the other) and
:func:`prepare_input` (the whole input, for a worker process). Neither touches anything the run
shares (the state, the report, the output files): the pipeline decides, under its lock and with its
state, which of these packages to write, so the work can run in another process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..cards import DeckBuild, cloze_model, mcq_model
from ..errors import FlashdigestError, InternalError
from ..frozen import frozen
from ..heap import deck_made
from ..limits import LIMITS
from ..model import Digest
from ..options import DeckOptions, ParseOptions
from ..stamps import code_version
from ..state import sha256_hex
from . import DeckStamps, PreviousDeck, deck_bytes, deck_path, read_previous, stamp_deck

if TYPE_CHECKING:
    from ..parse.jsonl_memory import ArchiveMemory


@frozen
class JobOptions:
    """What making an input's decks depends on: how to read it, name its decks, where they go, when."""

    out_dir: Path
    now: int
    parse: ParseOptions = field(default_factory=ParseOptions)
    deck: DeckOptions = field(default_factory=DeckOptions)


@frozen
class DeckCounts:
    """A deck's notes by note type and what its daily budget chose: the cards shown as new, the
    paper cards suspended, the clozes and questions left out and of those the give-aways (the
    pipeline's DeckResult reports them under these names)."""

    paper_notes: int = 0
    mcq_notes: int = 0
    cloze_notes: int = 0
    new_cards: int = 0
    suspended_cards: int = 0
    clozes_left_out: int = 0
    questions_left_out: int = 0
    giveaways_left_out: int = 0


@frozen
class PreparedDeck:
    """One digest's deck, ready to write: the package's bytes (None when it has no notes)."""

    date: dt.date
    source: Path
    richness: tuple[int, ...]
    #: what building it noted (reported only when the deck is this source's to give)
    notices: tuple[str, ...]
    path: Path
    data: bytes | None
    content_hash: str
    counts: DeckCounts = field(default_factory=DeckCounts)
    #: the hash of the digest and of what else its deck depends on (:func:`digest_key`)
    digest_key: str = ""


@frozen
class PreparedInput:
    """An input's decks, in the order of its digests, and what stopped reading it (if anything:
    a FlashdigestError or OSError, raised again by :meth:`decks_then_failure`)."""

    path: Path
    decks: tuple[PreparedDeck, ...]
    failure: FlashdigestError | OSError | None = None

    def decks_then_failure(self) -> Iterator[PreparedDeck]:
        yield from self.decks
        if self.failure is not None:
            raise self.failure


def richness(digest: Digest) -> tuple[int, ...]:
    """How much a digest gives: answered questions, flowcharts, points (more is richer)."""
    answered = sum(q.answer is not None for p in digest.papers for q in p.questions)
    flowcharts = sum(bool(p.flowchart_svg) for p in digest.papers)
    points = sum(len(p.points) for p in digest.papers)
    return (answered, flowcharts, points)


#: given a date, its source and the key of its digest, the deck already made of it (nothing to
#: build), or None
Reuse = Callable[[dt.date, Path, str], "PreparedDeck | None"]


class ArchiveStore(Protocol):
    """Where what an archive's reader learnt is kept between runs (the output directory's state)."""

    def archive_memory(self, source: Path) -> object: ...

    def remember_archive(self, source: Path, memory: object) -> None: ...


def digest_key(digest: Digest, options: JobOptions) -> str:
    """A hash of all a digest's deck depends on but the deck it replaces: the digest as read, the
    deck's names and tags, flashdigest's code."""
    flowcharts = (paper.flowchart_svg for paper in digest.papers)  # (not in the digest's repr)
    return sha256_hex(code_version(), repr(options.deck), repr(digest), *flowcharts)


def prepared_decks(
    path: Path, options: JobOptions, reuse: Reuse | None = None, store: ArchiveStore | None = None
) -> Iterator[PreparedDeck]:
    """The decks of the digests in ``path``, each made when asked for (so a deck asked for after
    the one before was written stamps itself against it), or what ``reuse`` gives for it; raises
    what reading the input raises (see :func:`deck_jobs`)."""
    with contextlib.closing(deck_jobs(path, options, reuse, store)) as jobs:
        for job in jobs:
            yield make_deck(job, options)


@frozen
class DigestJob:
    """A digest whose deck is to be made (by :func:`make_deck`, here or in a worker), with its key."""

    digest: Digest
    key: str


def deck_jobs(
    path: Path, options: JobOptions, reuse: Reuse | None = None, store: ArchiveStore | None = None
) -> Generator[PreparedDeck | DigestJob, None, None]:
    """What gives each digest of ``path`` its deck: what ``reuse`` gives for it, or the digest to
    make it of; raises what reading the input raises. An archive is read with what ``store`` kept
    of it: a date whose rows are unchanged is not even decoded when ``reuse`` gives its deck."""
    from ..parse import read_digests

    slot = _ArchiveSlot(path, options, store)
    try:
        for item in read_digests(path, options.parse, slot.open):
            if not isinstance(item, Digest):  # a KnownDate: the rows of its last digest
                reused = reuse(item.date, path, item.digest_key) if reuse is not None else None
                if reused is not None:
                    slot.remember(item.date, item.digest_key)
                    yield reused
                    continue
                item = item.read()
            key = digest_key(item, options)
            slot.remember(item.date, key)
            reused = reuse(item.date, item.source, key) if reuse is not None else None
            yield reused if reused is not None else DigestJob(item, key)
    finally:
        slot.close()


def make_deck(job: PreparedDeck | DigestJob, options: JobOptions) -> PreparedDeck:
    """The deck a job gives: made of its digest, or the one reused."""
    return prepare_digest(job.digest, options, job.key) if isinstance(job, DigestJob) else job


@dataclass
class _ArchiveSlot:
    """An archive's memory (:mod:`flashdigest.parse.jsonl_memory`) while it is read: taken from the
    store when the reader asks for it, given back to it at the end."""

    path: Path
    options: JobOptions
    store: ArchiveStore | None
    memory: ArchiveMemory | None = None

    def open(self) -> ArchiveMemory | None:
        if self.store is None:
            return None
        from ..parse.jsonl_memory import ArchiveMemory  # (only for an archive)

        salt = sha256_hex(
            code_version(), repr(LIMITS), repr(self.options.parse), repr(self.options.deck), str(self.path)
        )
        self.memory = ArchiveMemory(salt, self.store.archive_memory(self.path))
        return self.memory

    def remember(self, date: dt.date, key: str) -> None:
        if self.memory is not None:
            self.memory.remember(date, key)

    def close(self) -> None:
        if self.store is not None and self.memory is not None:
            self.store.remember_archive(self.path, self.memory.to_json())


def prepare_digest(digest: Digest, options: JobOptions, key: str = "") -> PreparedDeck:
    from ..cards import build_deck  # looked up per call: tests replace it

    deck_made()  # (a process that makes many keeps the memory it frees: flashdigest/heap.py)
    build = build_deck(digest, options.deck)
    target = deck_path(options.out_dir, build)
    if not build.notes:
        return PreparedDeck(digest.date, digest.source, richness(digest), build.notices, target, None, "")
    previous = read_previous(target)
    stamps = stamp_deck(build, previous, options.now)
    notices = build.notices + replaced_notetypes(build, stamps, previous)
    mcq = sum(note.model is mcq_model() for note in build.notes)
    cloze = sum(note.model is cloze_model() for note in build.notes)
    choice = build.choice
    counts = DeckCounts(
        len(build.notes) - mcq - cloze,
        mcq,
        cloze,
        choice.shown,
        choice.suspended,
        choice.clozes_left_out,
        choice.questions_left_out,
        choice.giveaways_left_out,
    )
    data = deck_bytes(build, stamps)
    return PreparedDeck(
        digest.date,
        digest.source,
        richness(digest),
        notices,
        target,
        data,
        stamps.content_hash,
        counts,
        key,
    )


def prepare_input(path: Path, options: JobOptions) -> PreparedInput:
    """Every deck of ``path`` (for a worker process: the result is sent back whole, failures too;
    a bug becomes an InternalError with its traceback, since not every exception crosses)."""
    decks: list[PreparedDeck] = []
    try:
        for deck in prepared_decks(path, options):
            decks.append(deck)
    except (FlashdigestError, OSError) as error:
        return PreparedInput(path, tuple(decks), error)
    except (Exception, RecursionError) as error:  # a bug must not cost the other inputs
        return PreparedInput(
            path, tuple(decks), InternalError.from_exception(error, path, traceback.format_exc())
        )
    return PreparedInput(path, tuple(decks))


def replaced_notetypes(
    build: DeckBuild, stamps: DeckStamps, previous: PreviousDeck | None
) -> tuple[str, ...]:
    """A notice per note type this deck ships in a newer version than the deck it replaces: Anki's
    import by hand ("update note types if newer") puts it over the learner's edits of that note
    type (delivery does not: :mod:`flashdigest.deliver.notetypes`)."""
    if previous is None:
        return ()
    names = {note.model.model_id: note.model.name for note in build.notes}
    return tuple(
        f"flashdigest ships a new version of the note type {names[model_id]!r}: importing these decks "
        "by hand (File > Import) replaces your own edits of its templates, styling and name; delivery "
        "(--collection, --sync, --anki-connect) keeps them (see the CHANGELOG)"
        for model_id, mod in sorted(stamps.notetype_mods.items())
        if model_id in previous.notetypes and mod > previous.notetypes[model_id][0]
    )
