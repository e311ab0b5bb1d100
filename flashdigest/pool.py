"""Work spread over the machine's cores: an ordered map through a process pool, a bounded window.

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
    from concurrent.futures import Future

# multiprocessing and concurrent.futures are imported when a pool starts: a daily run has none

Item = TypeVar("Item")
Result = TypeVar("Result")
#: FLASHDIGEST_WORKERS=N caps the worker processes (1: no pool at all)
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
    function: Callable[[Item], Result], items: Iterable[Item], workers: int, window: int | None = None
) -> Generator[Result, None, None]:
    """``function`` of each item, in the items' order, computed by ``workers`` processes (in this
    one when ``workers`` is 1); ``window`` (default 2 per worker) items at most are in flight."""
    if workers <= 1:
        yield from map(function, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    window = window or 2 * workers
    # fork where there is one: the workers start with this process's modules already imported
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    initargs = (os.getpid(),)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_watch_parent, initargs=initargs
    ) as pool:
        pending: deque[Future[Result]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(function, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


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
