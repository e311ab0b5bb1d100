"""The sync route: the notes go into a collection that is synced with the learner's Anki account.

One delivery is: sync (the learner's latest edits and reviews come down), deliver by the
collection route's rules (:func:`~flashdigest.deliver.collection.deliver_to_collection`), sync
again, media included, so a phone syncing the same account gets the notes and the flowcharts.
The collection is the one given (``--collection``) or flashdigest's own of the account, made on
first use by a full download. A full upload is never made, and a full download only where the
local collection has nothing the server lacks; otherwise :class:`SyncUnavailable` says why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock

from ..atomic import write_atomically
from ..errors import CollectionUnavailable, SyncUnavailable
from .account import SyncAccount, data_dir, save_account, sync_error
from .collection import deliver_to_collection, open_collection
from .package import PackageContent
from .plan import Memory
from .types import CollectionTarget, DeliveryReport, SyncTarget

GENERATION_FILE = "flashdigest-generation"
#: seconds a media sync may take before the run gives up (75; the next run goes on)
MEDIA_TIMEOUT = 1800.0
#: the tables whose rows a local change marks with usn -1 (not yet sent to the server)
_SYNCED_TABLES = ("notes", "cards", "revlog", "graves", "decks", "notetypes", "deck_config")


def sync_target(account: SyncAccount, collection: Path | None, wait: float = 0.0) -> SyncTarget:
    """The target of ``export --sync``: ``collection``, or the account's own collection."""
    if collection is not None:
        return SyncTarget(account, collection, wait=wait)
    own = account.own_collection()
    try:
        generation = (own.parent / GENERATION_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        generation = ""
    return SyncTarget(account, own, True, generation or secrets.token_hex(8), wait)


def state_key(target: SyncTarget) -> str:
    """How the state names this target: a remade own collection is a new target."""
    account = target.account
    path = target.collection.expanduser().resolve()
    return f"sync:{account.endpoint or 'ankiweb'}|{account.username}|{path}#{target.generation}"


def deliver_with_sync(
    contents: Sequence[PackageContent], target: SyncTarget, memory: Memory | None = None
) -> DeliveryReport:
    """Sync, deliver ``contents`` into the collection, sync again (see the module's docstring)."""
    with _sync_lock(target):
        if target.own and not target.collection.exists():
            try:
                _make_own_collection(target)
            except OSError as error:
                reason = f"cannot make flashdigest's own collection: {error.strerror or error}"
                raise CollectionUnavailable(reason, target.collection.parent) from None
        with open_collection(target.collection) as col:
            said = sync_collection(col, target)
        report = deliver_to_collection(contents, CollectionTarget(target.collection), memory)
        with open_collection(target.collection) as col:
            said += sync_collection(col, target)
    messages = tuple(f"the sync server says: {message}" for message in dict.fromkeys(said))
    return dataclasses.replace(report, notices=report.notices + messages)


@contextmanager
def _sync_lock(target: SyncTarget) -> Iterator[None]:
    """One run at a time syncs a collection (whichever output folder the runs write)."""
    name = hashlib.sha256(str(target.collection.expanduser().resolve()).encode()).hexdigest()[:16]
    path = data_dir() / "locks" / f"{name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(path, is_singleton=False)
        lock.acquire(timeout=target.wait)
    except filelock.Timeout:
        raise SyncUnavailable("another flashdigest run is syncing this collection; try again later",
                              target.collection) from None  # fmt: skip
    except OSError as error:
        reason = f"cannot lock the collection for the sync: {error.strerror or error}"
        raise CollectionUnavailable(reason, path) from None
    try:
        yield
    finally:
        lock.release()


def sync_collection(col: Any, target: SyncTarget) -> list[str]:
    """One sync of the open ``col`` with the account, collection then media; what the server
    said to the learner (AnkiWeb's messages), if anything."""
    from anki.sync import SyncOutput

    auth = target.account.auth()
    try:
        out = col.sync_collection(auth, sync_media=False)
    except Exception as error:  # the backend's own error types
        raise sync_error(error, target.collection) from None
    if out.new_endpoint:  # the rest of this sync and the next ones go there
        auth.endpoint = out.new_endpoint
        _moved(target.account, out.new_endpoint)
    required = out.required
    empty_here = required == SyncOutput.FULL_DOWNLOAD and _has_nothing(col)
    # the own collection only ever syncs with this account: with nothing unsent, the account's
    # copy holds all of it; a collection given may hold another account's work, Anki decides
    behind = required == SyncOutput.FULL_SYNC and target.own and not _local_changes(col)
    if empty_here or behind:
        _full_download(col, auth, target.collection)
        if target.own:  # what the account lost (a phone's upload) is delivered again next run
            _new_generation(target.collection.parent)
    elif required not in (SyncOutput.NO_CHANGES, SyncOutput.NORMAL_SYNC):
        raise _full_sync_refused(target, required == SyncOutput.FULL_UPLOAD)
    sync_media(col, auth, target.collection)
    return [" ".join(out.server_message.split())] if out.server_message.strip() else []


def _new_generation(folder: Path) -> None:
    path = folder / GENERATION_FILE
    try:
        write_atomically(path, (secrets.token_hex(8) + "\n").encode("ascii"))
    except OSError as error:
        raise CollectionUnavailable(f"cannot write: {error.strerror or error}", path) from None


def _moved(account: SyncAccount, endpoint: str) -> None:
    """Keep the host the server sent the account to (AnkiWeb's way of moving an account)."""
    with contextlib.suppress(OSError):  # this run's syncs went through; the next may redo this
        save_account(dataclasses.replace(account, sync_endpoint=endpoint))


def _has_nothing(col: Any) -> bool:
    """Whether the collection holds no note and no review (a new profile's)."""
    return not col.db.scalar("select exists(select 1 from notes) or exists(select 1 from revlog)")


def _local_changes(col: Any) -> bool:
    """Whether the collection has changes the server has not had (rows with usn -1, a schema
    change made here)."""
    if col.db.scalar("select scm > ls from col"):
        return True
    return any(
        col.db.scalar(f"select exists(select 1 from {table} where usn = -1)") for table in _SYNCED_TABLES
    )


def _full_sync_refused(target: SyncTarget, upload: bool) -> SyncUnavailable:
    if upload:
        why = "the account on the server is empty and only a full upload of this collection would fill it"
    else:
        why = "this collection and the account have both changed in ways only a full sync can join"
    if target.own:
        how = f"to start over from the account, remove {target.collection.parent}"
    else:
        how = "open the collection in Anki desktop and sync there, choosing which side to keep"
    return SyncUnavailable(f"not syncing: {why}, which replaces one side; nothing was changed; {how}",
                           target.collection)  # fmt: skip


def _full_download(col: Any, auth: Any, where: Path, media_usn: int | None = None) -> None:
    """Replace the collection with the account's (Anki writes it beside, then moves it in)."""
    col.close_for_full_sync()
    try:
        col.full_upload_or_download(auth=auth, server_usn=media_usn, upload=False)
    except Exception as error:  # the backend's own error types
        raise sync_error(error, where) from None
    finally:
        col.reopen(after_full_sync=True)


def sync_media(col: Any, auth: Any, where: Path, timeout: float = MEDIA_TIMEOUT) -> None:
    """Sync the media folder and wait for it (the backend syncs media in a thread of its own)."""
    deadline = time.monotonic() + timeout
    try:
        col.sync_media(auth)
        while col.media_sync_status().active:
            if time.monotonic() > deadline:
                col.abort_media_sync()
                raise SyncUnavailable(f"the media sync took over {timeout:g} s; the next run goes on", where)
            time.sleep(0.05)
    except SyncUnavailable:
        raise
    except Exception as error:  # the backend's own error types
        raise sync_error(error, where) from None


def _make_own_collection(target: SyncTarget) -> None:
    """Make flashdigest's own collection: the account's collection, downloaded into a new folder
    that is moved into place only when whole (a run killed here leaves nothing behind)."""
    from anki.collection import Collection

    folder = target.collection.parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    for left in folder.parent.glob(".partial-*"):  # of a run killed while downloading
        shutil.rmtree(left, ignore_errors=True)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
    try:
        col = Collection(str(partial / target.collection.name))
        try:  # the account's collection, even an empty one: later syncs are then normal ones
            _full_download(col, target.account.auth(), target.collection)
        finally:
            col.close()
        (partial / GENERATION_FILE).write_text(target.generation + "\n", encoding="utf-8")
        try:
            os.replace(partial, folder)
        except OSError as error:
            raise CollectionUnavailable(
                f"cannot make the collection here: {error.strerror}", folder
            ) from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
