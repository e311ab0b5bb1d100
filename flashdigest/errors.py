"""The one exception family of flashdigest: every failure the CLI reports is one of these."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class FlashdigestError(Exception):
    """A failure tied to an input: which file, which line (when known) and why.

    The CLI prints ``str(error)`` as one line; library code raises, never prints.
    """

    def __init__(self, reason: str, file: Path | str | None = None, line: int | None = None):
        self.reason = reason
        self.file = Path(file) if file is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return f"{where}{self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (reason, file, line and the rest), so that a failure met in a worker
        process reaches the report as it would from the main one."""
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))


def _rebuilt(cls: type[FlashdigestError], args: tuple[Any, ...], state: dict[str, Any]) -> FlashdigestError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ParseError(FlashdigestError):
    """The input is not a digest, or not one that can be read."""


class AnswerKeyError(FlashdigestError):
    """An answer key beside a text digest is malformed or does not fit the digest."""


class ExportError(FlashdigestError):
    """A deck could not be written."""


class OutputError(ExportError):
    """The output directory, or a deck in it, cannot be created or written (an existing file in the
    way, a read-only or full disk...). The run stops there: the CLI exits 73 (EX_CANTCREAT)."""


class NoInputError(FlashdigestError):
    """No digest was found among the inputs (an empty or wrong folder): the CLI exits 66."""


class InternalError(FlashdigestError):
    """A bug in flashdigest met while reading one input; ``details`` holds the traceback, which
    the CLI shows only with --debug (or FLASHDIGEST_DEBUG=1)."""

    def __init__(self, reason: str, file: Path | str | None = None, details: str = ""):
        self.details = details
        super().__init__(reason, file)

    @classmethod
    def from_exception(cls, error: BaseException, file: Path | str | None, details: str) -> InternalError:
        return cls(f"internal error: {type(error).__name__}: {error}", file, details)


class LineErrors(ParseError):
    """Some lines of an input could not be read; every other line was.

    A line-oriented parser (the JSONL archive) raises this after it has yielded every digest it
    could read, so one bad line never costs the rest of the file. ``errors`` holds one
    ParseError per bad line (file and line set); the pipeline reports each as a failure.
    """

    def __init__(self, errors: tuple[ParseError, ...], file: Path | str | None = None):
        self.errors = errors
        super().__init__(f"{len(errors)} line(s) could not be read", file)


class DeliveryError(FlashdigestError):
    """Decks could not be put into the learner's Anki collection (a refusal of AnkiConnect or the
    backend, or the backend not installed). ``file`` is the collection, the deck or the URL."""


class CollectionBusy(DeliveryError):
    """The collection is open elsewhere (Anki desktop running), or AnkiConnect does not answer:
    nothing was changed; try again later (the CLI exits 75, EX_TEMPFAIL)."""


class AnkiConnectKeyRefused(DeliveryError):
    """AnkiConnect refused the request for want of its ``apiKey`` (none given, or another): nothing
    was changed; the CLI exits 77 (EX_NOPERM) and names ``--anki-connect-key``."""


class CollectionUnavailable(DeliveryError):
    """The collection path is missing, not a collection, or cannot be read and written: nothing
    was created or changed (the CLI exits 73, EX_CANTCREAT)."""


class CollectionDamaged(DeliveryError):
    """The collection file is damaged (SQLite reports it malformed): nothing was changed; Anki's
    Tools > Check Database repairs it (the CLI exits 65, EX_DATAERR)."""


class BackendMissing(DeliveryError):
    """The real Anki backend (the ``anki`` package) is not installed: the CLI exits 69."""


class FetchError(FlashdigestError):
    """A page or the index of the digest site could not be fetched (``file``: where it would go)."""


class SiteUnreachable(FetchError):
    """No answer at all (connection refused, reset, timed out) after every attempt."""


class WorkerLost(FlashdigestError):
    """A worker process of the run ended before it answered (killed: out of memory, or by hand):
    the run stops there, every deck written before stays; the CLI exits 71 (EX_OSERR)."""


class OutputBusy(FlashdigestError):
    """Another flashdigest run is writing into the same output directory: the CLI exits 75."""


class ConfigError(FlashdigestError):
    """The config file cannot be read or holds something no command takes: the CLI exits 78."""


class VerifyError(FlashdigestError):
    """Anki's importer refused a deck (``flashdigest verify``)."""


class SvgRejected(FlashdigestError):
    """An SVG that cannot be made safe (none found, too large); its paper keeps its text instead."""


class PastDeadline(FetchError):
    """A page took longer than it may (its own deadline or the run's): cut off, nothing saved."""


class SyncUnavailable(DeliveryError):
    """The sync with the Anki account could not be made now (the server is down or timed out,
    another run syncs the same collection, or only a full sync would do): nothing was lost on
    either side; the next run syncs what was held back (the CLI exits 75, EX_TEMPFAIL)."""


class SyncAuthError(DeliveryError):
    """The account refused the credentials or the stored sync key, or no login was made: the
    CLI exits 77 (EX_NOPERM); ``flashdigest login`` makes a new key."""
