"""The fetcher's side of the disk: a hidden temporary file beside a page, written to the last byte.

A local failure (a read-only or full disk) is an OutputError naming the folder, never a failure of
the site (the CLI exits 73, not 75).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..atomic import new_temp
from ..errors import OutputError
from .memory import TEMP_SUFFIX


def write_chunk(handle: Any, data: bytes, target: Path, sync: bool = False) -> None:
    """Write to the temporary file; a local failure (a full or read-only disk) is an OutputError."""
    try:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise cannot_write(target.parent, error) from None


def cannot_write(folder: Path, error: OSError) -> OutputError:
    """A local write failure, named by its folder: never the server's fault (the CLI exits 73)."""
    return OutputError(f"cannot write here: {error.strerror or error}", folder)


@contextlib.contextmanager
def temporary_beside(target: Path) -> Iterator[tuple[Any, Path]]:
    """A hidden temporary file in ``target``'s folder, removed unless the block completes."""
    try:
        descriptor, temp = new_temp(target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    except OSError as error:
        raise cannot_write(target.parent, error) from None
    handle = os.fdopen(descriptor, "wb")  # (created with the mode the umask gives, as any file)
    try:
        with handle:
            yield handle, temp
    except OSError as error:  # closing (flushing) the file failed: a full disk
        temp.unlink(missing_ok=True)
        raise cannot_write(target.parent, error) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
