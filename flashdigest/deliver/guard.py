"""What keeps the learner's collection safe while flashdigest changes it.

* :func:`survey` reads the file read-only before anything opens it for writing: it must be an Anki
  collection (its tables), undamaged, and of the schema the installed backend writes.
* :func:`refuse_if_open_elsewhere` refuses a collection that another program holds open. The
  SQLite lock alone does not tell: Anki's backend reads the collection file to make a backup, and
  on Linux and macOS closing that read drops every POSIX lock the process held, so after Anki
  desktop's first backup its collection is open but unlocked. Linux: every process's open files
  (``/proc/PID/fd``, the collection and its ``-wal``); macOS and other Unixes: ``lsof`` when it is
  installed; Windows keeps its locks through a backup, so the backend's lock check suffices there.
* :class:`FileHold` keeps a descriptor of the collection open from before the backend opens it until
  after the backend closes it, so that nothing flashdigest does drops the backend's lock, reads the
  file for the backup through that descriptor, and checks (Linux) that the lock is really held.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from ..errors import CollectionBusy, CollectionDamaged, CollectionUnavailable
from ..frozen import frozen

#: the schema the installed Anki backend reads and writes (``SCHEMA_MAX_VERSION`` in rslib)
SCHEMA_CURRENT = 18
#: the oldest schema the backend opens (``SCHEMA_MIN_VERSION``); 12 and 13 it refuses too
SCHEMA_OLDEST = 11
#: tables every Anki collection has, whatever its schema
ANKI_TABLES = frozenset({"col", "notes", "cards", "revlog", "graves"})
#: where SQLite keeps its locks in the database file (os_unix.c): EXCLUSIVE is a write lock on
#: the 510 "shared" bytes after the pending and reserved bytes
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510
_BUSY = "the collection is open in another program (close Anki){who}; nothing was changed"


@frozen
class Survey:
    """What the collection file is, read without opening it for writing."""

    schema: int


def survey(path: Path, upgrade: bool = False) -> Survey:
    """The collection's schema; raises when it is not a collection, damaged, too new, or older
    than the backend's schema while ``upgrade`` is not allowed. Nothing is written.

    A collection with a write-ahead log left by a session that did not close (a crash) is read
    from a copy of both files, so that what is only in the log counts."""
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        with tempfile.TemporaryDirectory(prefix="flashdigest-survey-") as folder:
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, f"{copy}-wal")
            return _survey(copy, path, upgrade)
    return _survey(path, path, upgrade)


def _survey(source: Path, path: Path, upgrade: bool) -> Survey:
    """``survey`` of the file ``source`` (``path`` or a copy of it); errors name ``path``."""
    immutable = "&immutable=1" if source == path else ""
    try:
        connection = sqlite3.connect(f"{source.as_uri()}?mode=ro{immutable}", uri=True)
    except sqlite3.Error as error:
        raise CollectionUnavailable(f"cannot read the collection: {error}", path) from None
    connection.create_collation("unicase", _unicase)  # Anki's own, named in its indexes
    try:
        tables = {name for (name,) in connection.execute("select name from sqlite_master where type='table'")}
        if not tables >= ANKI_TABLES:
            raise CollectionUnavailable("not an Anki collection (an SQLite file without Anki's tables)", path)
        (schema,) = connection.execute("select ver from col").fetchone()
        (check,) = connection.execute("pragma quick_check(1)").fetchone()
    except sqlite3.DatabaseError as error:
        raise damaged(path, str(error)) from None
    finally:
        connection.close()
    if check != "ok":
        raise damaged(path, str(check))
    _check_schema(path, int(schema), upgrade)
    return Survey(int(schema))


def _unicase(left: str, right: str) -> int:
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)


def _check_schema(path: Path, schema: int, upgrade: bool) -> None:
    if schema > SCHEMA_CURRENT or schema in (12, 13):
        raise CollectionUnavailable(
            f"made by a newer Anki (collection schema {schema}; flashdigest's Anki backend writes "
            f"{SCHEMA_CURRENT}): update flashdigest's anki package; nothing was changed",
            path,
        )
    if schema < SCHEMA_OLDEST:
        raise CollectionUnavailable(f"a collection of Anki 2.0 or older (schema {schema})", path)
    if schema < SCHEMA_CURRENT and not upgrade:
        raise CollectionUnavailable(
            f"made by an older Anki (collection schema {schema}): delivery would upgrade it to schema "
            f"{SCHEMA_CURRENT}, which that Anki cannot open; open it once in a current Anki, or give "
            "--upgrade-collection; nothing was changed",
            path,
        )


def damaged(path: Path, why: str) -> CollectionDamaged:
    return CollectionDamaged(
        f"the collection is damaged ({why}): open it in Anki and run Tools > Check Database; "
        "nothing was changed",
        path,
    )


def open_elsewhere(path: Path) -> list[int]:
    """The ids of the other processes that have the collection (or its ``-wal``) open; empty when
    none, or when this system offers no way to see (Windows: its locks tell instead)."""
    names = {str(path), f"{path}-wal", f"{path}-journal"}
    if Path("/proc/self/fd").is_dir():
        return _proc_holders(names)
    lsof = shutil.which("lsof")
    if lsof is None or sys.platform == "win32":
        return []
    done = subprocess.run([lsof, "-t", "--", *sorted(names)], capture_output=True, text=True, check=False)
    return sorted({int(pid) for pid in done.stdout.split() if pid.isdigit() and int(pid) != os.getpid()})


def _proc_holders(names: set[str]) -> list[int]:
    me = str(os.getpid())
    with os.scandir("/proc") as processes:
        pids = [entry.name for entry in processes if entry.name.isdigit() and entry.name != me]
    return [int(pid) for pid in pids if _holds(pid, names)]


def _holds(pid: str, names: set[str]) -> bool:
    """Whether process ``pid`` has one of ``names`` open (False when it is gone or not readable)."""
    try:
        with os.scandir(f"/proc/{pid}/fd") as descriptors:
            for fd in descriptors:
                with contextlib.suppress(OSError):  # closed meanwhile
                    if os.readlink(fd.path).removesuffix(" (deleted)") in names:
                        return True
    except OSError:  # gone, or another user's (not readable without root)
        return False
    return False


def refuse_if_open_elsewhere(path: Path) -> None:
    holders = open_elsewhere(path)
    if holders:
        who = ": process " + ", ".join(str(pid) for pid in holders[:5]) + " has it open"
        raise CollectionBusy(_BUSY.format(who=who), path)


class FileHold:
    """A read-only descriptor of the collection, kept open for as long as the backend has it open.

    POSIX locks belong to the process and the file: closing *any* descriptor of the file drops
    them all. Every read flashdigest makes of the collection while the backend holds it goes
    through this descriptor, which is closed only after the backend has closed the collection."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = -1

    def __enter__(self) -> FileHold:
        try:
            self.fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            why = exc.strerror or exc
            raise CollectionUnavailable(f"cannot read the collection: {why}", self.path) from None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        os.close(self.fd)

    def copy_to(self, target: Path) -> None:
        """Copy the collection file (checkpointed by the caller) to ``target``, and sync it."""
        size = os.fstat(self.fd).st_size
        with target.open("wb") as out:
            offset = 0
            while offset < size:
                chunk = os.pread(self.fd, min(1 << 20, size - offset), offset)
                if not chunk:
                    break
                out.write(chunk)
                offset += len(chunk)
            out.flush()
            os.fsync(out.fileno())

    def verify_locked(self) -> None:
        """Raise CollectionBusy unless this process holds SQLite's exclusive lock (Linux checks it
        with an open-file-description lock query, which sees this process's own POSIX locks)."""
        try:
            import fcntl
        except ImportError:  # Windows: the backend's own lock holds (see the module docstring)
            return
        query = getattr(fcntl, "F_OFD_GETLK", None)
        if query is None:
            return
        request = struct.pack("hhqqixxxx", fcntl.F_WRLCK, os.SEEK_SET, _SHARED_FIRST, _SHARED_SIZE, 0)
        answer = fcntl.fcntl(self.fd, query, request)
        kind, _whence, _start, _length, owner = struct.unpack("hhqqixxxx", answer)
        if kind != fcntl.F_WRLCK or owner != os.getpid():
            raise CollectionBusy(_BUSY.format(who=": its lock is not held by flashdigest"), self.path)
