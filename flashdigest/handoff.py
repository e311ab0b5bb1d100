"""What happens to a run's decks once they are written: the bundle, and delivery into Anki.

Public entry point: :func:`hand_off`, called by the pipeline under the output directory's lock
with the run's decks (written and unchanged). Delivery covers the decks that the target has not
had in their present content, which the state remembers per target: a delivery that could not
happen (Anki was open) is made by the next run even when no input changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DeliveryError, ExportError, FlashdigestError, OutputError
from .frozen import frozen
from .state import ExportState

if TYPE_CHECKING:
    from .deliver import DeliveryReport, DeliveryTarget


@frozen
class HandOff:
    """Where a run's decks go besides ``--out``: one bundle package, and a delivery target."""

    bundle: Path | None = None
    target: DeliveryTarget | None = None
    #: deliver again the notes the learner deleted from the target after an earlier delivery
    restore_deleted: bool = False


@frozen
class HandOffResult:
    """What a run's hand-off did: the bundle written, the delivery's report, what failed."""

    bundle: Path | None = None
    delivery: DeliveryReport | None = None
    #: what failed (the bundle, the delivery), one error each; the decks stay written
    failures: tuple[FlashdigestError, ...] = ()


def target_key(target: DeliveryTarget) -> str:
    """How the state names a delivery target."""
    from .deliver import CollectionTarget, SyncTarget

    if isinstance(target, SyncTarget):
        from .deliver.sync import state_key

        return state_key(target)
    if isinstance(target, CollectionTarget):
        return f"collection:{target.path.expanduser().resolve()}"
    return f"anki-connect:{target.url}"


def hand_off(decks: list[Path], plan: HandOff, state: ExportState) -> HandOffResult:
    """Bundle and deliver ``decks`` as ``plan`` says; failures are returned, never raised."""
    failures: list[FlashdigestError] = []
    bundle = None
    decks = sorted(set(decks))
    if plan.bundle is not None and decks:
        from .export.bundle import write_bundle

        try:
            bundle = write_bundle(decks, plan.bundle)
        except ExportError as error:
            failures.append(error)
        except OSError as error:
            failures.append(OutputError(f"cannot write the bundle: {error.strerror or error}", plan.bundle))
    delivery = None
    if plan.target is not None:
        from .deliver import Memory, deliver_decks

        key = target_key(plan.target)
        dates = [deck.stem for deck in decks]
        pending = state.undelivered(key, dates)
        if plan.restore_deleted:  # every deck again: its deleted notes are brought back
            pending = [date for date in dates if date in state.decks]
        memory = Memory(state.notes_delivered(key), plan.restore_deleted)
        try:
            delivery = deliver_decks([deck for deck in decks if deck.stem in pending], plan.target, memory)
            state.record_delivered(key, pending)
            state.remember_notes(key, delivery.present)
        except DeliveryError as error:
            failures.append(error)
    return HandOffResult(bundle, delivery, tuple(failures))
