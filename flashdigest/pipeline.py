"""The three stages run over many inputs: find -> parse -> build -> export, one failure at a time.

Public entry point: :func:`export_inputs`. It never raises for a bad input: each failure is
recorded in the report and the other inputs still export. It holds the output directory's lock
for the whole run and keeps the directory's state (:mod:`flashdigest.state`), so that an input
unchanged since the last run is not parsed again and an unchanged deck is not written again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import FlashdigestError, LineErrors
from .limits import LIMIT_PROBLEMS
from .lock import output_lock
from .model import Digest
from .options import ParseOptions, answer_key_path, is_candidate_input
from .state import ExportState, remove_temporary_files, sha256_hex

if TYPE_CHECKING:
    from .cards import DeckBuild

# The parsers, the card builder and genanki are imported when an input has changed, not before:
# a cron run over unchanged inputs then costs little more than Python's start-up.


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
    report = ExportReport(notices=list(LIMIT_PROBLEMS))
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


@cache
def code_version() -> str:
    """A hash of flashdigest's own code and card templates: any change to them rebuilds every deck."""
    root = Path(__file__).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"})
    return sha256_hex(*(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() for p in files))


def input_stamp(path: Path, options: ExportOptions) -> list[Any]:
    """What can be known of an input without reading it: settings, size and mtime (its key's too)."""
    stamp: list[Any] = [code_version(), options.parse.format, options.parse.lang]
    for file in (path, answer_key_path(path)):
        try:
            info = file.stat()
            stamp += [info.st_size, info.st_mtime_ns]
        except FileNotFoundError:
            stamp += [None, None]
    return stamp


def input_fingerprint(path: Path, options: ExportOptions) -> str:
    """A hash of everything an input's decks depend on: its bytes, its answer key, the settings."""
    key = answer_key_path(path)
    settings = f"{code_version()}/{options.parse.format}/{options.parse.lang}"
    return sha256_hex(_file_hash(path), _file_hash(key) if key.is_file() else "", settings)


def _file_hash(path: Path) -> str:
    """The file's SHA-256, read in chunks: an archive of any size hashes in constant memory."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _compare_with_last_run(
    path: Path, options: ExportOptions, state: ExportState
) -> tuple[list[str] | None, list[Any], str | None]:
    """The dates of ``path``'s decks if it is unchanged since its last export (else None), with
    its stamp and, when the stamp did not settle it, its fingerprint (so neither is taken twice).

    Size and mtime answer first; when they differ, the content's hash decides."""
    stamp = input_stamp(path, options)
    entry = state.input_entry(path)
    if entry is None or not state.decks_present(entry, options.out_dir):
        return None, stamp, None
    if entry.get("stamp") == stamp:
        return list(entry["dates"]), stamp, None
    fingerprint = input_fingerprint(path, options)
    if entry.get("fingerprint") != fingerprint:
        return None, stamp, fingerprint
    state.record_input(path, fingerprint, stamp, entry["dates"])  # touched, not changed
    return list(entry["dates"]), stamp, fingerprint


def _export_input(path: Path, options: ExportOptions, state: ExportState, report: ExportReport) -> None:
    try:
        unchanged, stamp, fingerprint = _compare_with_last_run(path, options, state)
        if unchanged is not None:
            report.unchanged.extend(options.out_dir / f"{date}.apkg" for date in unchanged)
            return
        from .parse import read_digests

        fingerprint = fingerprint or input_fingerprint(path, options)
        dates = [
            date
            for digest in read_digests(path, options.parse)
            if (date := _export_digest(digest, options, state, report)) is not None
        ]
        state.record_input(path, fingerprint, stamp, dates)
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
    from .cards import build_deck
    from .export import deck_path, stamp_deck, write_deck

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
    state.set_deck(date, {"source": source, "richness": score, "content": stamps.content_hash})
    return date


def _result(build: DeckBuild, path: Path) -> DeckResult:
    from .cards import mcq_model

    mcq = sum(note.model is mcq_model() for note in build.notes)
    return DeckResult(build.date, path, build.source, len(build.notes) - mcq, mcq)
