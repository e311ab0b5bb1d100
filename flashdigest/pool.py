"""Work spread over the machine's cores: an ordered map through this process and worker processes,
one fewer than the cores, a bounded window.

Public entry points: :func:`usable_cores` and :func:`ordered_map`. Results come back in the order
of the items, and at most ``window`` items are in flight, so memory does not grow with their number.

Each worker is a process with a pipe of its own. The run pickles an item and a thread of the run
writes it to the pipe (a write never blocks the run: a worker busy writing a large result does
not read); the run reads the results itself, in their turn, so no other thread of the run takes
Python's lock to read, unpickle and hand over each result, as ``concurrent.futures``' process
pool did (its threads cost a cold export some 9%: docs/performance.md). A worker ends
when its pipe closes: when the map is done, or when the run is gone, killed.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import InternalError, WorkerLost

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext
    from queue import SimpleQueue

# multiprocessing and pickle are imported when a pool starts: a daily run has none

Item = TypeVar("Item")
Result = TypeVar("Result")
#: FLASHDIGEST_WORKERS=N caps the processes that make decks: the run and N - 1 workers (1: no pool at all)
WORKERS_ENV = "FLASHDIGEST_WORKERS"


def usable_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count), at least 1,
    at most $FLASHDIGEST_WORKERS when that is set to a number."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        cores = os.cpu_count() or 1
    cap = os.environ.get(WORKERS_ENV, "").strip()
    if cap.isdigit() and int(cap) > 0:
        cores = min(cores, int(cap))
    return max(cores, 1)


def ordered_map(
    function: Callable[[Item], Result],
    items: Iterable[Item],
    workers: int,
    window: int | None = None,
    ready: Callable[[Item], bool] | None = None,
) -> Generator[Result, None, None]:
    """``function`` of each item, in the items' order, computed by ``workers`` processes: this one
    and ``workers - 1`` worker processes (only this one when ``workers`` is 1). ``window`` (default
    3 per process) items at most are in flight or done and not yet taken; an item ``ready`` says
    needs no work is always given to ``function`` here.

    This process takes an item itself whenever the workers have three each in hand (fewer when the
    window is smaller), and hands over the results ready while it waits: its share of the work
    follows what the taker leaves it time for (a worker more would cost a Python process of
    memory, and mostly wait for this one). What ``function`` or ``items`` raise comes in its turn,
    after the results before it, as from a plain ``map``; a worker that dies (killed) is a
    WorkerLost in the turn of the first item it had."""
    if workers <= 1:
        yield from map(function, items)
        return
    import gc
    import multiprocessing

    window = window or 3 * workers
    in_hand = min(3 * (workers - 1), window - 1)
    # fork where there is one: the workers start with this process's modules already imported
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # the collector would otherwise write to every object the workers were forked with, copying
    # their memory pages into each worker (about 2.5 MB a worker): what exists now is left alone
    # while the workers live
    gc.freeze()
    crew: list[_Worker[Item, Result]] = []
    try:
        for _ in range(workers - 1):
            crew.append(_Worker(context, function, [worker.connection for worker in crew]))
        yield from _in_order(crew, function, items, (window, in_hand), ready)
    finally:
        for worker in crew:
            if worker.slots:  # (work in hand not taken: an interrupt, a failure: no waiting for it)
                worker.process.terminate()
            worker.close()  # (an idle one ends as its pipe closes)
        gc.unfreeze()


class _Slot(Generic[Result]):
    """An item's result, or what computing it raised, once known (``filled``)."""

    __slots__ = ("error", "filled", "value")

    def __init__(self) -> None:
        self.filled = False
        self.value: Result | None = None
        self.error: BaseException | None = None

    def fill(self, value: Result | None, error: BaseException | None) -> _Slot[Result]:
        self.filled, self.value, self.error = True, value, error
        return self

    def result(self) -> Result:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # (filled: the result itself)

    @classmethod
    def of(cls, function: Callable[[Item], Result], item: Item) -> _Slot[Result]:
        """``function(item)`` computed here: its result, or what it raised."""
        try:
            return cls().fill(function(item), None)
        except Exception as error:  # (an interrupt is not held back)
            return cls().fill(None, error)


class _Worker(Generic[Item, Result]):
    """A worker process, its pipe, the thread of the run that writes items to it, and the slots
    of the items it has in hand, in their order."""

    def __init__(
        self, context: BaseContext, function: Callable[[Item], Result], others: list[Connection]
    ) -> None:
        import queue

        self.connection, there = context.Pipe()
        # a forked worker closes the run's ends of every pipe, its own and the workers' before it:
        # it then sees its pipe close when the run is gone
        close = [*others, self.connection] if context.get_start_method() == "fork" else []
        self.process = context.Process(  # type: ignore[attr-defined]  # (every context has one)
            target=_serve, args=(there, function, close), daemon=True, name="flashdigest-worker"
        )
        self.process.start()
        there.close()
        self.slots: deque[_Slot[Result]] = deque()
        self.outbox: SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, daemon=True, name="flashdigest-sender")
        self.sender.start()

    def give(self, item: Item) -> _Slot[Result]:
        """Hand ``item`` to the worker: its slot, filled once the worker has answered."""
        import pickle

        slot: _Slot[Result] = _Slot()
        try:
            data = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # (what cannot cross: its failure, in its turn)
            return slot.fill(None, error)
        self.outbox.put(data)
        self.slots.append(slot)
        return slot

    def take(self, slot: _Slot[Result] | None = None) -> None:
        """Read the worker's answers: until ``slot`` is filled, else those already there."""
        while self.slots and (not slot.filled if slot is not None else self.connection.poll(0)):
            try:
                value, error = self.connection.recv()
            except (EOFError, OSError):
                self.process.join(1)
                how = _ended(self.process.exitcode)
                raise WorkerLost(f"a worker process ended before it answered ({how})") from None
            self.slots.popleft().fill(value, error)

    def _send(self) -> None:
        """The sending thread: each item's bytes, in order, until told to stop or the pipe breaks
        (the worker is gone: the run learns it reading the worker's answers)."""
        while (data := self.outbox.get()) is not None:
            try:
                self.connection.send_bytes(data)
            except OSError:
                return

    def close(self) -> None:
        """Stop the sender, close the pipe (the worker ends when it has nothing in hand) and wait."""
        self.outbox.put(None)
        self.sender.join()
        self.connection.close()
        self.process.join()


def _ended(code: int | None) -> str:
    if code is None:
        return "still running"
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _in_order(
    crew: list[_Worker[Item, Result]],
    function: Callable[[Item], Result],
    items: Iterable[Item],
    bounds: tuple[int, int],
    ready: Callable[[Item], bool] | None,
) -> Generator[Result, None, None]:
    """The results of ``function`` on ``items`` in their order: by the ``crew`` while it has fewer
    than ``in_hand`` items not done, else by this process; ``window`` items at most not yet taken
    (``bounds``: the two). Work done here is a filled slot too, so that a failure, here, in a
    worker or in reading ``items``, is raised in its turn, after the results before it."""
    window, in_hand = bounds
    pending: deque[tuple[_Worker[Item, Result] | None, _Slot[Result]]] = deque()
    remaining = iter(items)
    while True:
        try:
            item = next(remaining)
        except StopIteration:
            break
        except Exception as error:  # (reading the items failed)
            pending.append((None, _Slot[Result]().fill(None, error)))
            break
        for worker in crew:
            worker.take()
        if (ready is None or not ready(item)) and sum(len(worker.slots) for worker in crew) < in_hand:
            chosen = min(crew, key=lambda worker: len(worker.slots))
            pending.append((chosen, chosen.give(item)))
        else:
            pending.append((None, _Slot.of(function, item)))
        while pending and (pending[0][1].filled or len(pending) >= window):
            yield _taken(*pending.popleft())
    while pending:
        yield _taken(*pending.popleft())


def _taken(worker: _Worker[Any, Result] | None, slot: _Slot[Result]) -> Result:
    """The slot's result, read from its worker first when not yet there."""
    if worker is not None:
        worker.take(slot)
    return slot.result()


def _serve(connection: Connection, function: Callable[[Any], Any], close: list[Connection]) -> None:
    """A worker: ``function`` of each item the run sends, its answer sent back, until the pipe
    closes. Ctrl-C is left to the run (which stops its workers), so a worker prints no traceback
    of its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in close:
        other.close()
    while True:
        try:
            item = connection.recv()  # (the bytes the run pickled: the pipe unpickles them)
        except (EOFError, OSError):  # (the run is done, or gone)
            return
        try:
            answer: tuple[Any, BaseException | None] = (function(item), None)
        except Exception as error:
            answer = (None, error)
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return
        except Exception as error:  # (a result or an error that cannot be pickled)
            reason = f"internal error: a worker's answer cannot be sent: {type(error).__name__}: {error}"
            connection.send((None, InternalError(reason)))
