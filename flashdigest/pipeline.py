"""The three stages run over many inputs: find -> parse -> build -> export, one failure at a time.

Public entry point: :func:`export_inputs`. It never raises for a bad input: each failure is
recorded in the report and the other inputs still export. It holds the output directory's lock
for the whole run and keeps the directory's state (:mod:`flashdigest.state`), so that an input
unchanged since the last run is not parsed again and an unchanged deck is not written again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .cards import DeckBuild, build_deck, mcq_model
from .errors import FlashdigestError, LineErrors
from .export import deck_path, notetypes_hash, remove_temporary_files, stamp_deck, write_deck
from .lock import output_lock
from .model import Digest
from .parse import ParseOptions, is_candidate_input, read_digests
from .parse.answers import answer_key_path
from .state import ExportState, sha256_hex


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path = Path("decks")
    parse: ParseOptions = field(default_factory=ParseOptions)
    #: the clock for new modification times (None: now); tests pin it
    now: float | None = None
    #: wait for another export into the same directory to finish instead of failing at once
    wait: bool = False


@dataclass(frozen=True)
class DeckResult:
    """One deck written."""

    date: dt.date
    path: Path
    source: Path
    paper_notes: int
    mcq_notes: int


@dataclass
class ExportReport:
    written: list[DeckResult] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failures: list[FlashdigestError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def find_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the candidate digests below named directories, in order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_candidate_input(p))
        else:
            yield path


def export_inputs(
    paths: Iterable[Path], options: ExportOptions, progress: Callable[[Path], None] | None = None
) -> ExportReport:
    """Export every digest found in ``paths``, one deck per digest date, into ``options.out_dir``.

    Raises :class:`~flashdigest.lock.OutputBusy` when another export holds the directory and
    ``options.wait`` is false; every other failure is recorded in the report.
    """
    report = ExportReport()
    with output_lock(options.out_dir, options.wait):
        if removed := remove_temporary_files(options.out_dir):
            report.notices.append(
                f"{options.out_dir}: removed {removed} temporary file(s) of an interrupted run"
            )
        state = ExportState.load(options.out_dir)
        for path in find_inputs(paths):
            _export_input(path, options, state, report)
            if progress is not None:
                progress(path)
        state.save()
    return report


def input_fingerprint(path: Path, options: ExportOptions) -> str:
    """A hash of everything an input's decks depend on: its bytes, its answer key, the settings."""
    key = answer_key_path(path)
    key_bytes = key.read_bytes() if key.is_file() else b""
    settings = f"{__version__}/{options.parse.format}/{options.parse.lang}/{notetypes_hash()}"
    return sha256_hex(path.read_bytes(), key_bytes, settings)


def _export_input(path: Path, options: ExportOptions, state: ExportState, report: ExportReport) -> None:
    try:
        fingerprint = input_fingerprint(path, options)
        if state.input_unchanged(path, fingerprint, options.out_dir):
            dates = state.inputs[str(path.resolve())]["dates"]
            report.unchanged.extend(options.out_dir / f"{date}.apkg" for date in dates)
            return
        dates = [
            date
            for digest in read_digests(path, options.parse)
            if (date := _export_digest(digest, options, state, report)) is not None
        ]
        state.record_input(path, fingerprint, dates)
    except LineErrors as error:  # the file's other lines were exported
        report.failures.extend(error.errors)
        state.forget_input(path)
    except FlashdigestError as error:
        report.failures.append(error)
        state.forget_input(path)
    except OSError as error:
        report.failures.append(FlashdigestError(f"cannot read: {error.strerror or error}", path))
    except (Exception, RecursionError) as error:  # a bug must not cost the other inputs
        report.failures.append(FlashdigestError(f"internal error: {type(error).__name__}: {error}", path))
        state.forget_input(path)


def richness(digest: Digest) -> list[int]:
    """How much a digest gives: answered questions, flowcharts, points (more is richer)."""
    answered = sum(q.answer is not None for p in digest.papers for q in p.questions)
    flowcharts = sum(bool(p.flowchart_svg) for p in digest.papers)
    points = sum(len(p.points) for p in digest.papers)
    return [answered, flowcharts, points]


def _richer_source_owns(digest: Digest, score: list[int], state: ExportState, out_dir: Path) -> str | None:
    """The other source that already gave this date a deck at least as rich, if any."""
    owner = state.decks.get(digest.date.isoformat())
    if owner is None or owner["source"] == str(digest.source.resolve()):
        return None
    if not Path(owner["source"]).is_file() or not (out_dir / f"{digest.date.isoformat()}.apkg").is_file():
        return None
    return str(owner["source"]) if list(owner["richness"]) >= score else None


def _export_digest(
    digest: Digest, options: ExportOptions, state: ExportState, report: ExportReport
) -> str | None:
    """Export one digest; the date of the deck it stands behind, or None when it gave no deck."""
    date = digest.date.isoformat()
    score = richness(digest)
    owner = _richer_source_owns(digest, score, state, options.out_dir)
    if owner is not None:
        report.notices.append(
            f"{digest.source}: {date}: {owner} is as rich or richer and gives this deck; skipped"
        )
        return None
    build = build_deck(digest)
    report.notices.extend(build.notices)
    if not build.notes:
        report.notices.append(
            f"{digest.source}: {date}: no papers with points or answered questions; no deck"
        )
        return None
    previous = state.decks.get(date)
    stamps = stamp_deck(build, state, options.now)
    target = deck_path(options.out_dir, build)
    if previous is not None and previous.get("content") == stamps.content_hash and target.is_file():
        report.unchanged.append(target)
    else:
        if previous is not None and previous["source"] != str(digest.source.resolve()):
            report.notices.append(
                f"{digest.source}: {date}: richer than {previous['source']}; this one gives the deck"
            )
        write_deck(build, options.out_dir, stamps)
        report.written.append(_result(build, target))
    source = str(digest.source.resolve())
    state.decks[date] = {"source": source, "richness": score, "content": stamps.content_hash}
    return date


def _result(build: DeckBuild, path: Path) -> DeckResult:
    mcq = sum(note.model is mcq_model() for note in build.notes)
    return DeckResult(build.date, path, build.source, len(build.notes) - mcq, mcq)
