"""One export at a time per output directory: an advisory lock the kernel releases if a run dies."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import FlashdigestError

LOCK_NAME = ".flashdigest.lock"


class OutputBusy(FlashdigestError):
    """Another flashdigest export is writing into the same output directory."""


@contextmanager
def output_lock(out_dir: Path, wait: bool) -> Iterator[None]:
    """Hold the output directory's lock; wait for it, or raise OutputBusy at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise OutputBusy(
                "another flashdigest export is writing here; try again later or pass --wait", out_dir
            ) from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
