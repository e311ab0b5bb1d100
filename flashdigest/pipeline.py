"""The three stages run over many inputs: find -> parse -> build -> export, one failure at a time.

Public entry point: :func:`export_inputs`. It never raises for a bad input: each failure is
recorded in the report and the other inputs still export. It holds the output directory's lock
for the whole run and keeps the directory's state (:mod:`flashdigest.state`), so that an input
unchanged since the last run is not parsed again and an unchanged deck is not written again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FlashdigestError, InternalError, LineErrors, OutputError, WorkerLost
from .handoff import HandOff, hand_off
from .inputs import InputScan, scan_inputs
from .limits import LIMIT_PROBLEMS
from .lock import output_lock
from .options import DEFAULT_WAIT_SECONDS
from .outcome import DeckResult, ExportOptions, ExportReport, run_clock
from .pool import ordered_map, usable_cores
from .run import ExportRun, save_state
from .stamps import input_stamp
from .state import ExportState, source_name

if TYPE_CHECKING:
    from .export.job import JobOptions, PreparedDeck, PreparedInput, Reuse

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "DeckResult",
    "ExportOptions",
    "ExportReport",
    "export_inputs",
    "run_clock",
    "scan_inputs",
]

# The parsers, the card builder and the exporter are imported when an input has changed, not before:
# a cron run over unchanged inputs then costs little more than Python's start-up.

#: changed inputs from which a run spreads over the cores (below, a pool costs more than it saves)
PARALLEL_FROM = 4


def export_inputs(
    paths: Iterable[Path] | InputScan,
    options: ExportOptions,
    progress: Callable[[Path], None] | None = None,
) -> ExportReport:
    """Export every digest found in ``paths``, one deck per digest date, into ``options.out_dir``.

    Raises NoInputError (no digest among the inputs), OutputBusy (another export holds the
    directory), OutputError (the directory or a deck cannot be written) and WorkerLost (a worker
    process was killed): the run stops, every deck written before stays, and so does the state of
    what was written; every other failure is recorded in the report and the other inputs still
    export."""
    scan = paths if isinstance(paths, InputScan) else scan_inputs(list(paths))
    report = ExportReport(notices=[*LIMIT_PROBLEMS, *scan.notices], failures=list(scan.errors))
    run = ExportRun(options, run_clock(options), report)
    with output_lock(options.out_dir, options.wait, options.wait_timeout):
        state = run.open_state()
        try:
            _export_all(scan.files, run, state, progress)
            if options.hand_off != HandOff():
                report.hand_off = hand_off(report.decks(), options.hand_off, state)
        finally:
            save_state(state)
    return report


def _export_all(
    files: Sequence[Path], run: ExportRun, state: ExportState, progress: Callable[[Path], None] | None
) -> None:
    """Export ``files`` in their order; with several to read and several cores, their decks are
    made by worker processes meanwhile (and only written here, in the same order as serially);
    with no pool over the files, an archive's dates may have one (:func:`_spread`)."""
    chosen = _worth_a_worker(files, run, state)
    ahead = deque(path for _fmt, path in chosen)
    workers = min(usable_cores(), len(ahead)) if len(ahead) >= PARALLEL_FROM else 1
    if workers <= 1:
        ahead.clear()
        run.spread = usable_cores()  # (no pool over the inputs: an archive's dates may have one)
    else:
        from .parse import load_parsers

        load_parsers(chosen)  # (before the workers fork: imported once, shared)
    # (run.job imports the exporter: only when there is work for the workers)
    job = run.job if ahead else None
    prepare = functools.partial(_prepare_input, options=job)
    with contextlib.closing(ordered_map(prepare, list(ahead), workers)) as prepared:
        for path in files:
            ready = None
            if ahead and ahead[0] == path:
                ahead.popleft()
                ready = next(prepared)
            _export_input(path, run, state, ready)
            if run.save_due():
                save_state(state, durable=False)
            if progress is not None:
                progress(path)


def _prepare_input(path: Path, options: JobOptions | None) -> PreparedInput:
    """In a worker: the input's decks (the card builder and exporter imported there, when used)."""
    from .export.job import prepare_input

    assert options is not None  # (given whenever there are inputs to prepare)
    return prepare_input(path, options)


def _worth_a_worker(files: Sequence[Path], run: ExportRun, state: ExportState) -> list[tuple[str, Path]]:
    """The inputs a worker can make the decks of, each with its format: changed since the last
    run, and not an archive (a worker would hold all its decks at once; its dates stream through
    :func:`_spread` instead, a few at a time). A guess made ahead: each input is checked again in
    its turn."""
    if len(files) < PARALLEL_FROM:
        return []
    chosen = []
    for path in files:
        try:
            unchanged = state.unchanged_dates(path, input_stamp(path, run.options), run.fingerprint(path))
            if unchanged is not None:
                run.unchanged_ahead[path] = unchanged
                continue
            from .parse import detect_format, read_head  # (only once an input changed)

            fmt = run.options.parse.format or detect_format(read_head(path), path)
        except (Exception, RecursionError):  # met again, and reported, in its turn
            continue
        if fmt != "jsonl":
            chosen.append((fmt, path))
    return chosen


def _export_input(path: Path, run: ExportRun, state: ExportState, prepared: PreparedInput | None) -> None:
    """Export one input: its decks from ``prepared`` (made by a worker) when given, else made here."""
    report = run.report
    try:
        # (found unchanged ahead of its turn: still so while this run has written no deck)
        unchanged = run.unchanged_ahead.pop(path, None) if not run.written_dates else None
        stamp = input_stamp(path, run.options) if unchanged is None else ()
        fingerprint = run.fingerprint(path)
        if unchanged is None:
            unchanged = state.unchanged_dates(path, stamp, fingerprint)
        if unchanged is not None:
            report.unchanged.extend(run.options.out_dir / f"{date}.apkg" for date in unchanged)
            return
        decks = _decks_of(path, prepared, run, state)
        given = [_apply(deck, run, state) for deck in decks]
        dates = [date for date in given if date is not None]
        if given and len(dates) == len(given):
            state.record_input(path, stamp, fingerprint, dates)
        else:  # a digest gave no deck (skipped, or empty): read again next run, never counted as done
            state.forget_input(path)
    except (OutputError, WorkerLost):  # (the run stops)
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
        import traceback  # (only for a bug)

        report.failures.append(InternalError.from_exception(error, path, traceback.format_exc()))
        state.forget_input(path)


def _decks_of(
    path: Path, prepared: PreparedInput | None, run: ExportRun, state: ExportState
) -> Iterator[PreparedDeck]:
    """The input's decks as a serial run makes them, each after the one before was written: a
    worker's, while none of their dates was written earlier in this run (it read the deck it
    replaces before that); from there on, made again here. A date whose digest gave its deck
    unchanged is not built here at all (an archive with a day more), nor its notices repeated."""
    from .export.job import prepared_decks

    def reuse(date: dt.date, source: Path, key: str) -> PreparedDeck | None:
        return _reused(date, source, key, run, state)

    if prepared is None:
        yield from _spread(path, run, reuse, state)
        return
    for index, deck in enumerate(prepared.decks_then_failure()):
        if deck.date in run.written_dates:
            yield from itertools.islice(prepared_decks(path, run.job, reuse, state), index, None)
            return
        yield _reused(deck.date, deck.source, deck.digest_key, run, state) or deck


def _spread(path: Path, run: ExportRun, reuse: Reuse, state: ExportState) -> Iterator[PreparedDeck]:
    """The decks of an input made here one by one, until it has PARALLEL_FROM to build (an
    archive's dates: a day appended starts no worker); the rest on ``run.spread`` cores when more
    than one, in order.
    Its dates are its own, so a deck made ahead read the same deck it replaces as it would have in
    its turn."""
    from .export.job import DigestJob, deck_jobs, make_deck

    make = functools.partial(make_deck, options=run.job)
    built = 0
    with contextlib.closing(deck_jobs(path, run.job, reuse, state)) as jobs:
        for job in jobs:
            built += isinstance(job, DigestJob)
            if built >= PARALLEL_FROM and run.spread > 1:
                rest = itertools.chain([job], jobs)
                no_work = lambda job: not isinstance(job, DigestJob)  # noqa: E731 (a deck reused)
                with contextlib.closing(ordered_map(make, rest, run.spread, ready=no_work)) as decks:
                    yield from decks
                return
            yield make(job)


def _reused(date: dt.date, source: Path, key: str, run: ExportRun, state: ExportState) -> PreparedDeck | None:
    """The deck of ``date`` as it is, when ``source`` gave it from the digest of hash ``key``."""
    from .export.job import PreparedDeck

    record = state.unchanged_digest(date.isoformat(), source, key) if key else None
    if record is None:
        return None
    path = run.options.out_dir / f"{date.isoformat()}.apkg"
    return PreparedDeck(date, source, tuple(record.richness), (), path, b"", record.content, digest_key=key)


def _richer_source_owns(deck: PreparedDeck, state: ExportState) -> str | None:
    """The other source that already gave this date a deck at least as rich, if any."""
    date = deck.date.isoformat()
    owner = state.decks.get(date)
    if owner is None or owner.source == source_name(deck.source):
        return None
    if not Path(owner.source).is_file() or not state.deck_intact(date):
        return None
    return owner.source if tuple(owner.richness) >= deck.richness else None


def _apply(deck: PreparedDeck, run: ExportRun, state: ExportState) -> str | None:
    """Write one prepared deck unless it is unchanged or a richer source gives its date; the date
    of the deck it stands behind, or None when it gave no deck."""
    report = run.report
    date = deck.date.isoformat()
    owner = _richer_source_owns(deck, state)
    if owner is not None:
        report.notices.append(
            f"{deck.source}: {date}: {owner} is as rich or richer and gives this deck; skipped"
        )
        return None
    report.notices.extend(deck.notices)
    if deck.data is None:
        report.notices.append(f"{deck.source}: {date}: no papers with points or answered questions; no deck")
        return None
    from .export import write_package

    previous = state.decks.get(date)
    # (a deck reused unbuilt has no bytes: it is never written)
    held = None if state.deck_is_current(date, deck.content_hash) or not deck.data else deck.data
    if held is None or not write_package(deck.path, held):  # (False: the file holds these bytes)
        report.unchanged.append(deck.path)
    else:
        if previous is not None and previous.source != source_name(deck.source):
            report.notices.append(
                f"{deck.source}: {date}: richer than {previous.source}; this one gives the deck"
            )
        report.written.append(DeckResult(deck.date, deck.path, deck.source, **vars(deck.counts)))
        run.written_dates.add(deck.date)
    try:
        state.record_deck(date, deck.source, deck.richness, deck.content_hash, held)
        state.record_digest(date, deck.digest_key)
    except OSError as exc:
        raise OutputError(f"cannot read the deck back: {exc.strerror or exc}", deck.path) from None
    return date
