"""One export at a time per output directory: a lock the operating system releases if a run dies.

The lock is ``flock`` on ``<out>/.flashdigest.lock`` (Linux, macOS): taken with :mod:`fcntl` here,
as the `filelock` library does, because importing filelock also imports asyncio, which costs a
daily run more than its own work. Elsewhere (Windows) the well-kept `filelock` library's lock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputBusy, OutputError

__all__ = ["LOCK_NAME", "OutputBusy", "output_lock"]

LOCK_NAME = ".flashdigest.lock"
#: how often a waiting run tries the lock again
POLL_SECONDS = 0.05


_Release = Callable[[], None]
#: the descriptors of the locks this process holds
_HELD: set[int] = set()


def _close_in_child() -> None:
    """In a forked child (a worker process): close the held locks' descriptors without unlocking
    (the lock belongs to the parent, and must end when the parent does, not with its workers)."""
    for descriptor in list(_HELD):
        os.close(descriptor)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


class _Timeout(Exception):
    """The lock stayed held for longer than the run would wait."""


@contextmanager
def output_lock(out_dir: Path, wait: bool, timeout: float = 900.0) -> Iterator[None]:
    """Hold the output directory's lock: wait for it up to ``timeout`` seconds (``wait``), or
    raise OutputBusy at once. OutputError when the directory cannot be created or locked."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        release = _acquire(out_dir / LOCK_NAME, timeout if wait else 0.0)
    except _Timeout:
        waited = f"waited {timeout:g} s; " if wait else ""
        raise OutputBusy(
            f"another flashdigest run (export or fetch) is writing here; {waited}try again later"
            + ("" if wait else " or pass --wait"),
            out_dir,
        ) from None
    except OSError as exc:
        raise OutputError(
            f"cannot create or lock the output directory: {exc.strerror or exc}", out_dir
        ) from None
    try:
        yield
    finally:
        release()


def _acquire(path: Path, timeout: float) -> _Release:
    """Take the lock on ``path`` within ``timeout`` seconds (_Timeout if not); its release."""
    try:
        import fcntl
    except ImportError:  # Windows
        return _acquire_filelock(path, timeout)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # (less the umask, by the system)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _Timeout from None
                time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0.0)))
    except BaseException:
        os.close(descriptor)
        raise
    _HELD.add(descriptor)

    def release() -> None:
        _HELD.discard(descriptor)
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)

    return release


def _acquire_filelock(path: Path, timeout: float) -> _Release:
    import filelock

    mask = os.umask(0o022)  # (read by setting it back: filelock gives the file the mode it is
    os.umask(mask)  # given whatever the umask, where every other file gets 0o666 less the umask)
    lock = filelock.FileLock(path, mode=0o666 & ~mask, is_singleton=False)
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout:
        raise _Timeout from None
    return lambda: lock.release()
