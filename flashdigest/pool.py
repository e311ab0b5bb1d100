"""Work spread over the machine's cores: an ordered map through this process and a process pool
of one worker fewer than the cores, a bounded window.

Public entry points: :func:`usable_cores` and :func:`ordered_map`. Results come back in the order
of the items, and at most ``window`` items are in flight, so memory does not grow with their number.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

# multiprocessing and concurrent.futures are imported when a pool starts: a daily run has none

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
    after the results before it, as from a plain ``map``."""
    if workers <= 1:
        yield from map(function, items)
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    window = window or 3 * workers
    in_hand = min(3 * (workers - 1), window - 1)
    # fork where there is one: the workers start with this process's modules already imported
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    initargs = (os.getpid(),)
    # the collector would otherwise write to every object the workers were forked with, copying
    # their memory pages into each worker (about 2.5 MB a worker): what exists now is left alone
    # while the workers live
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers - 1, mp_context=context, initializer=_watch_parent, initargs=initargs
        ) as pool:
            yield from _in_order(pool, function, items, (window, in_hand), ready)
    finally:
        gc.unfreeze()


def _in_order(
    pool: Executor,
    function: Callable[[Item], Result],
    items: Iterable[Item],
    bounds: tuple[int, int],
    ready: Callable[[Item], bool] | None,
) -> Generator[Result, None, None]:
    """The results of ``function`` on ``items`` in their order: by ``pool`` while it has fewer than
    ``in_hand`` items not done, else by this process; ``window`` items at most not yet taken
    (``bounds``: the two). Work done here is a finished Future too, so that a failure, here, in
    a worker or in reading ``items``, is raised in its turn, after the results before it."""
    window, in_hand = bounds
    pending: deque[Future[Result]] = deque()
    remaining = iter(items)
    try:
        while True:
            while pending and pending[0].done():
                yield pending.popleft().result()
            try:
                item = next(remaining)
            except StopIteration:
                break
            except Exception as error:  # (reading the items failed)
                pending.append(_failed(error))
                break
            if (ready is None or not ready(item)) and sum(not entry.done() for entry in pending) < in_hand:
                pending.append(pool.submit(function, item))
            else:
                pending.append(_done_here(function, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # (before the pool's end, which waits for every item not cancelled)
        for entry in pending:
            entry.cancel()


def _done_here(function: Callable[[Item], Result], item: Item) -> Future[Result]:
    """``function(item)`` computed here, as a finished Future: its result, or what it raised."""
    from concurrent.futures import Future

    try:
        result = function(item)
    except Exception as error:  # (an interrupt is not held back)
        return _failed(error)
    future: Future[Result] = Future()
    future.set_result(result)
    return future


def _failed(error: Exception) -> Future[Result]:
    """A finished Future that raises ``error``."""
    from concurrent.futures import Future

    future: Future[Result] = Future()
    future.set_exception(error)
    return future


#: how often a worker checks that the process that started it is still there
PARENT_CHECK_SECONDS = 0.2


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the run that started it is gone (killed), not linger; leave
    Ctrl-C to the run (which stops its pool), so a worker prints no traceback of its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="flashdigest-parent-watch").start()
