"""Writing a file whole or not at all, with one mode policy.

Every file flashdigest writes goes through :func:`atomic_file`: a temporary file in the target's
folder (or a folder given), written, flushed, fsynced when it must survive a power cut, then
renamed over the target, so a reader (or a killed run) sees the old file or the new one, never
half of one. A new file gets ``0o666`` less the process's umask, as any file the user makes does;
a secret (the sync key) asks for ``private`` and gets ``0o600``. :func:`new_temp` is the one way a
temporary file is made, here and for the fetcher's downloads.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: temporary files are named ``.flashdigest-*.tmp`` (the output directory's cleanup finds them)
TEMP_PREFIX = ".flashdigest-"
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_file(
    target: Path, *, durable: bool = True, private: bool = False, temp_dir: Path | None = None
) -> Iterator[BinaryIO]:
    """A binary handle whose bytes replace ``target`` when the block ends without an exception;
    on any exception the temporary file is removed and ``target`` is untouched. OSError (a full or
    read-only disk) is raised for the caller to name."""
    descriptor, temp = new_temp(temp_dir or target.parent, private=private)
    try:
        if private:
            os.fchmod(descriptor, 0o600)  # (whatever the umask)
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def new_temp(
    folder: Path, *, private: bool = False, prefix: str = TEMP_PREFIX, suffix: str = TEMP_SUFFIX
) -> tuple[int, Path]:
    """A new file ``<prefix><random><suffix>`` in ``folder``, open for writing. What
    ``tempfile.mkstemp`` does, but created with ``0o666`` (``0o600`` for a secret) less the umask
    by the system itself, as a user's files are, where mkstemp's ``0o600`` had to be changed after
    reading the umask; and without importing tempfile (3 ms of every daily run)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):  # (a clash of 64 random bits: only ever by a file put there on purpose)
        temp = folder / f"{prefix}{os.urandom(8).hex()}{suffix}"
        try:
            return os.open(temp, flags, 0o600 if private else 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(folder))


def write_atomically(
    target: Path, data: bytes, *, durable: bool = True, private: bool = False, temp_dir: Path | None = None
) -> None:
    """``data`` as the whole content of ``target`` (see :func:`atomic_file`)."""
    with atomic_file(target, durable=durable, private=private, temp_dir=temp_dir) as handle:
        handle.write(data)
