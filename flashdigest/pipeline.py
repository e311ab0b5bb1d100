"""The three stages run over many inputs: find -> parse -> build -> export, one failure at a time.

Public entry point: :func:`export_inputs`. It never raises for a bad input: each failure is
recorded in the report and the other inputs still export. It holds the output directory's lock
for the whole run and keeps the directory's state (:mod:`flashdigest.state`), so that an input
unchanged since the last run is not parsed again and an unchanged deck is not written again.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FlashdigestError, InternalError, LineErrors, OutputError
from .handoff import HandOff, HandOffResult, hand_off
from .inputs import InputScan, scan_inputs
from .limits import LIMIT_PROBLEMS
from .lock import output_lock
from .model import Digest
from .options import DeckOptions, ParseOptions, answer_key_path
from .state import ExportState, file_sha256, remove_temporary_files, sha256_hex

if TYPE_CHECKING:
    from .cards import DeckBuild

# The parsers, the card builder and genanki are imported when an input has changed, not before:
# a cron run over unchanged inputs then costs little more than Python's start-up.

#: how often, at most, the state is saved while a run goes on (a killed run keeps what it wrote)
SAVE_EVERY_SECONDS = 1.0
#: how long --wait waits for another export by default
DEFAULT_WAIT_SECONDS = 900.0


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path = Path("decks")
    parse: ParseOptions = field(default_factory=ParseOptions)
    #: the clock for new modification times; None: $SOURCE_DATE_EPOCH if set, else now
    now: float | None = None
    #: wait for another export into the same directory to finish instead of failing at once
    wait: bool = False
    #: how long to wait, at most, before giving up as if not waiting
    wait_timeout: float = DEFAULT_WAIT_SECONDS
    #: the decks' names and extra tags
    deck: DeckOptions = field(default_factory=DeckOptions)
    #: where the run's decks go besides out_dir: a bundle, a delivery into Anki
    hand_off: HandOff = field(default_factory=HandOff)


@dataclass(frozen=True)
class DeckResult:
    """One deck written."""

    date: dt.date
    path: Path
    source: Path
    paper_notes: int
    mcq_notes: int
    cloze_notes: int = 0
    #: the daily budget (flashdigest/cards/budget.py): cards shown as new, paper cards suspended,
    #: cloze and MCQ notes left out, and of the questions left out, the give-aways
    new_cards: int = 0
    suspended_cards: int = 0
    clozes_left_out: int = 0
    questions_left_out: int = 0
    giveaways_left_out: int = 0


@dataclass
class ExportReport:
    written: list[DeckResult] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failures: list[FlashdigestError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: the bundle and delivery of the run's decks, when asked for
    hand_off: HandOffResult | None = None

    def decks(self) -> list[Path]:
        """Every deck this run stands behind: written or unchanged."""
        return [deck.path for deck in self.written] + self.unchanged


def run_clock(options: ExportOptions) -> int:
    """The time new modification times start from: the option, else SOURCE_DATE_EPOCH (the
    reproducible-builds convention), else now. Read once per run."""
    if options.now is not None:
        return int(options.now)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else int(time.time())


def export_inputs(
    paths: Iterable[Path] | InputScan,
    options: ExportOptions,
    progress: Callable[[Path], None] | None = None,
) -> ExportReport:
    """Export every digest found in ``paths``, one deck per digest date, into ``options.out_dir``.

    Raises NoInputError (no digest among the inputs), OutputBusy (another export holds the
    directory) and OutputError (the directory or a deck cannot be written: the run stops, every
    deck written before stays, and so does the state of what was written); every other failure is
    recorded in the report and the other inputs still export."""
    scan = paths if isinstance(paths, InputScan) else scan_inputs(list(paths))
    report = ExportReport(notices=[*LIMIT_PROBLEMS, *scan.notices], failures=list(scan.errors))
    run = _Run(options, run_clock(options), report)
    with output_lock(options.out_dir, options.wait, options.wait_timeout):
        state = run.open_state()
        try:
            for path in scan.files:
                _export_input(path, run, state)
                if run.save_due():
                    _save_state(state, durable=False)
                if progress is not None:
                    progress(path)
            if options.hand_off != HandOff():
                report.hand_off = hand_off(report.decks(), options.hand_off, state)
        finally:
            _save_state(state)
    return report


def _save_state(state: ExportState, durable: bool = True) -> None:
    try:
        state.save(durable)
    except OSError as exc:
        raise OutputError(f"cannot write the state: {exc.strerror or exc}", state.path) from None


@dataclass
class _Run:
    """One export run: its options, clock and report, and when the state was last saved."""

    options: ExportOptions
    now: int
    report: ExportReport
    last_save: float = field(default_factory=time.monotonic)

    def open_state(self) -> ExportState:
        out_dir = self.options.out_dir
        try:
            if removed := remove_temporary_files(out_dir):
                self.report.notices.append(
                    f"{out_dir}: removed {removed} temporary file(s) of an interrupted run"
                )
        except OSError as exc:
            raise OutputError(f"cannot clean the output directory: {exc.strerror or exc}", out_dir) from None
        state, lost = ExportState.load(out_dir)
        if lost:
            self.report.notices.append(lost)
        return state

    def save_due(self) -> bool:
        if time.monotonic() - self.last_save < SAVE_EVERY_SECONDS:
            return False
        self.last_save = time.monotonic()
        return True


@cache
def code_version() -> str:
    """A hash of flashdigest's own code and card templates: any change to them reads every input again."""
    root = Path(__file__).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"})
    return sha256_hex(*(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() for p in files))


Stamp = tuple[str | int | None, ...]


def input_stamp(path: Path, options: ExportOptions) -> Stamp:
    """What can be known of an input without reading it: settings, size and mtime (its key's too)."""
    stamp: list[str | int | None] = [code_version(), _settings(options)]
    for file in (path, answer_key_path(path)):
        try:
            info = file.stat()
            stamp += [info.st_size, info.st_mtime_ns]
        except FileNotFoundError:
            stamp += [None, None]
    return tuple(stamp)


def input_fingerprint(path: Path, options: ExportOptions) -> str:
    """A hash of everything an input's decks depend on: its bytes, its answer key, the settings."""
    key = answer_key_path(path)
    settings = f"{code_version()}/{_settings(options)}"
    return sha256_hex(file_sha256(path), file_sha256(key) if key.is_file() else "", settings)


def _settings(options: ExportOptions) -> str:
    """The settings an input's decks depend on besides its bytes: format, language, names, tags."""
    deck = options.deck
    return repr(
        (
            options.parse.format,
            options.parse.lang,
            deck.deck_root,
            deck.extra_tags,
            deck.cards,
            deck.max_cards,
        )
    )


def _export_input(path: Path, run: _Run, state: ExportState) -> None:
    report = run.report
    try:
        stamp = input_stamp(path, run.options)
        fingerprint = cache(lambda: input_fingerprint(path, run.options))
        unchanged = state.unchanged_dates(path, stamp, fingerprint)
        if unchanged is not None:
            report.unchanged.extend(run.options.out_dir / f"{date}.apkg" for date in unchanged)
            return
        from .parse import read_digests

        given = [_export_digest(digest, run, state) for digest in read_digests(path, run.options.parse)]
        dates = [date for date in given if date is not None]
        if given and len(dates) == len(given):
            state.record_input(path, stamp, fingerprint(), dates)
        else:  # a digest gave no deck (skipped, or empty): read again next run, never counted as done
            state.forget_input(path)
    except OutputError:
        raise
    except LineErrors as error:  # the file's other lines were exported
        report.failures.extend(error.errors)
        state.forget_input(path)
    except FlashdigestError as error:
        report.failures.append(error)
        state.forget_input(path)
    except OSError as error:
        where = error.filename if error.filename is not None else path  # the answer key, maybe
        report.failures.append(FlashdigestError(f"cannot read: {error.strerror or error}", where))
    except (Exception, RecursionError) as error:  # a bug must not cost the other inputs
        report.failures.append(InternalError.from_exception(error, path, traceback.format_exc()))
        state.forget_input(path)


def richness(digest: Digest) -> list[int]:
    """How much a digest gives: answered questions, flowcharts, points (more is richer)."""
    answered = sum(q.answer is not None for p in digest.papers for q in p.questions)
    flowcharts = sum(bool(p.flowchart_svg) for p in digest.papers)
    points = sum(len(p.points) for p in digest.papers)
    return [answered, flowcharts, points]


def _richer_source_owns(digest: Digest, score: list[int], state: ExportState) -> str | None:
    """The other source that already gave this date a deck at least as rich, if any."""
    date = digest.date.isoformat()
    owner = state.decks.get(date)
    if owner is None or owner.source == str(digest.source.resolve()):
        return None
    if not Path(owner.source).is_file() or not state.deck_intact(date):
        return None
    return owner.source if list(owner.richness) >= score else None


def _export_digest(digest: Digest, run: _Run, state: ExportState) -> str | None:
    """Export one digest; the date of the deck it stands behind, or None when it gave no deck."""
    from .cards import build_deck
    from .export import deck_path, read_previous, stamp_deck, write_deck

    report = run.report
    date = digest.date.isoformat()
    score = richness(digest)
    owner = _richer_source_owns(digest, score, state)
    if owner is not None:
        report.notices.append(
            f"{digest.source}: {date}: {owner} is as rich or richer and gives this deck; skipped"
        )
        return None
    build = build_deck(digest, run.options.deck)
    report.notices.extend(build.notices)
    if not build.notes:
        report.notices.append(
            f"{digest.source}: {date}: no papers with points or answered questions; no deck"
        )
        return None
    target = deck_path(run.options.out_dir, build)
    stamps = stamp_deck(build, read_previous(target), run.now)
    previous = state.decks.get(date)
    if state.deck_is_current(date, stamps.content_hash) or not write_deck(build, run.options.out_dir, stamps):
        report.unchanged.append(target)
    else:
        if previous is not None and previous.source != str(digest.source.resolve()):
            report.notices.append(
                f"{digest.source}: {date}: richer than {previous.source}; this one gives the deck"
            )
        report.written.append(_result(build, target))
    try:
        state.record_deck(date, digest.source, score, stamps.content_hash)
    except OSError as exc:
        raise OutputError(f"cannot read the deck back: {exc.strerror or exc}", target) from None
    return date


def _result(build: DeckBuild, path: Path) -> DeckResult:
    from .cards import cloze_model, mcq_model

    mcq = sum(note.model is mcq_model() for note in build.notes)
    cloze = sum(note.model is cloze_model() for note in build.notes)
    choice = build.choice
    return DeckResult(
        build.date,
        path,
        build.source,
        len(build.notes) - mcq - cloze,
        mcq,
        cloze,
        choice.shown,
        choice.suspended,
        choice.clozes_left_out,
        choice.questions_left_out,
        choice.giveaways_left_out,
    )
