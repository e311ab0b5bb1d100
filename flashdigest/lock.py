"""One export at a time per output directory: a lock the operating system releases if a run dies.

The lock is the well-kept `filelock` library's (``flock`` on Linux and macOS, ``msvcrt.locking``
on Windows) on ``<out>/.flashdigest.lock``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from .atomic import file_mode
from .errors import OutputBusy, OutputError

LOCK_NAME = ".flashdigest.lock"


@contextmanager
def output_lock(out_dir: Path, wait: bool, timeout: float = 900.0) -> Iterator[None]:
    """Hold the output directory's lock: wait for it up to ``timeout`` seconds (``wait``), or
    raise OutputBusy at once. OutputError when the directory cannot be created or locked."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(out_dir / LOCK_NAME, mode=file_mode(), is_singleton=False)
        lock.acquire(timeout=timeout if wait else 0)
    except filelock.Timeout:
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
        lock.release()
