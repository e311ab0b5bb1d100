"""What `flashdigest export` prints: the report's lines, or the same as JSON data."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from ..errors import FlashdigestError
from .output import say

if TYPE_CHECKING:  # (the CLI loads without the pipeline: --help, -V)
    from ..pipeline import DeckResult, ExportReport


def print_report(report: ExportReport) -> None:
    for notice in dict.fromkeys(report.notices):  # a run-wide notice once, not once a deck
        say(f"notice: {notice}", err=True)
    for deck in report.written:
        notes = f"{deck.paper_notes} paper + {deck.cloze_notes} cloze + {deck.mcq_notes} MCQ notes"
        say(f"wrote {deck.path}: {notes}; {budget_line(deck)}")
    handed = report.hand_off
    if handed and handed.bundle:
        say(f"bundled {len(report.decks())} deck(s) into {handed.bundle}")
    if handed and handed.delivery:
        delivery = handed.delivery
        for notice in delivery.notices:
            say(f"notice: {notice}", err=True)
        say(
            f"delivered {len(delivery.decks)} deck(s): {delivery.added} notes added, "
            f"{delivery.updated} updated, {delivery.unchanged} unchanged"
        )
    click.echo(
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.failures)} failed"
    )


def budget_line(deck: DeckResult) -> str:
    """What the daily budget chose and left out, in words."""
    line = f"{deck.new_cards} cards new, {deck.suspended_cards} suspended"
    left = [f"{deck.clozes_left_out} figure clozes"] if deck.clozes_left_out else []
    if deck.questions_left_out:
        giveaways = f" ({deck.giveaways_left_out} give-aways)" if deck.giveaways_left_out else ""
        left.append(f"{deck.questions_left_out} questions{giveaways}")
    return line + (f", left out {' and '.join(left)} (--cards all)" if left else "")


def report_as_data(report: ExportReport, before: list[FlashdigestError] | None = None) -> dict[str, Any]:
    """The report as JSON data; ``before``: failures of the run outside the export (a fetch folder
    that could not be locked), listed first among ``failed``."""
    handed = report.hand_off.failures if report.hand_off else ()
    done = report.hand_off.delivery if report.hand_off else None
    delivery = (
        None
        if done is None
        else {
            "decks": [str(deck) for deck in done.decks],
            "added": done.added,
            "updated": done.updated,
            "unchanged": done.unchanged,
            "left_out": done.left_out,
            "notices": list(done.notices),
        }
    )

    def failure(error: FlashdigestError) -> dict[str, Any]:
        file = str(error.file) if error.file else None
        return {"file": file, "line": error.line, "reason": error.reason}

    return {
        "written": [
            {
                **asdict(deck),
                "date": deck.date.isoformat(),
                "path": str(deck.path),
                "source": str(deck.source),
            }
            for deck in report.written
        ],
        "unchanged": [str(path) for path in report.unchanged],
        "failed": [failure(error) for error in [*(before or []), *report.failures, *handed]],
        "notices": report.notices,
        "bundle": str(report.hand_off.bundle) if report.hand_off and report.hand_off.bundle else None,
        "delivery": delivery,
    }
