"""Anki's own backup of the collection before a delivery changes it: whole or not at all, made
without dropping the delivery's lock (see :mod:`.guard`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import CollectionUnavailable
from .guard import FileHold


def make_backup(col: Any, hold: FileHold, folder: Path) -> Path:
    """Anki's own backup of the collection, into ``folder``: whole or not at all.

    The backend's ``create_backup`` reads the collection file and so drops its own lock (see
    :mod:`.guard`); it is made instead from a copy read through ``hold``, in a temporary folder
    inside ``folder``, and renamed into place once complete. Anki's pruning of old backups is left
    to Anki."""
    try:
        col.db.scalar("pragma wal_checkpoint(truncate)")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".flashdigest-backup-", dir=folder) as temp:
            made = backup_of_copy(hold, Path(temp))
            final = folder / made.name
            if final.exists():
                final = folder / f"{made.stem}-flashdigest{made.suffix}"
            os.replace(made, final)
            _sync_folder(folder)
    except OSError as error:
        raise CollectionUnavailable(
            f"cannot write Anki's backup: {error.strerror or error}; nothing was changed", folder
        ) from None
    except Exception as error:  # the backend raises its own error types
        raise CollectionUnavailable(f"Anki's backup failed, nothing was changed: {error}", folder) from None
    return final


def backup_of_copy(hold: FileHold, temp: Path) -> Path:
    from anki.collection import Collection

    copy = temp / "collection.anki2"
    hold.copy_to(copy)
    out = temp / "backup"
    out.mkdir()
    other = Collection(str(copy))
    try:
        other.create_backup(backup_folder=str(out), force=True, wait_for_completion=True)
    finally:
        other.close()
    (made,) = out.iterdir()
    with made.open("rb") as handle:
        os.fsync(handle.fileno())
    return made


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
