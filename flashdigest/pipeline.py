"""The three stages run over many inputs: find -> parse -> build -> export, one failure at a time.

Public entry point: :func:`export_inputs`. It never raises for a bad input: each failure is
recorded in the report and the other inputs still export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .cards import DeckBuild, build_deck, mcq_model
from .errors import FlashdigestError
from .export import write_deck
from .model import Digest
from .parse import ParseOptions, is_candidate_input, read_digests


@dataclass(frozen=True)
class ExportOptions:
    out_dir: Path = Path("decks")
    parse: ParseOptions = ParseOptions()
    timestamp: float | None = None


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
    failures: list[FlashdigestError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def find_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the candidate digests below named directories, in order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_candidate_input(p))
        else:
            yield path


def export_inputs(paths: Iterable[Path], options: ExportOptions) -> ExportReport:
    """Export every digest found in ``paths``; one deck per digest date."""
    report = ExportReport()
    best: dict[dt.date, tuple[tuple[int, ...], Path]] = {}
    for path in find_inputs(paths):
        try:
            for digest in read_digests(path, options.parse):
                _export_digest(digest, options, report, best)
        except FlashdigestError as error:
            report.failures.append(error)
        except (Exception, RecursionError) as error:  # a bug must not cost the other inputs
            report.failures.append(FlashdigestError(f"internal error: {type(error).__name__}: {error}", path))
    return report


def richness(digest: Digest) -> tuple[int, ...]:
    """How much a digest gives: answered questions, flowcharts, points (more is richer)."""
    answered = sum(q.answer is not None for p in digest.papers for q in p.questions)
    flowcharts = sum(bool(p.flowchart_svg) for p in digest.papers)
    points = sum(len(p.points) for p in digest.papers)
    return (answered, flowcharts, points)


def _export_digest(
    digest: Digest,
    options: ExportOptions,
    report: ExportReport,
    best: dict[dt.date, tuple[tuple[int, ...], Path]],
) -> None:
    score = richness(digest)
    earlier = best.get(digest.date)
    if earlier is not None:
        if score <= earlier[0]:
            report.notices.append(
                f"{digest.source}: {digest.date} already exported from {earlier[1]}, which is as rich or richer; skipped"
            )
            return
        report.notices.append(f"{digest.source}: {digest.date}: richer than {earlier[1]}; this one wins")
        report.written[:] = [r for r in report.written if r.date != digest.date]
    build = build_deck(digest)
    report.notices.extend(build.notices)
    if not build.notes:
        report.notices.append(f"{digest.source}: {digest.date}: no papers with points or answered questions; no deck")
        return
    path = write_deck(build, options.out_dir, options.timestamp)
    best[digest.date] = (score, digest.source)
    report.written.append(_result(build, path))


def _result(build: DeckBuild, path: Path) -> DeckResult:
    mcq = sum(note.model is mcq_model() for note in build.notes)
    return DeckResult(build.date, path, build.source, len(build.notes) - mcq, mcq)
