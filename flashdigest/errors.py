"""The one exception family of flashdigest: every failure the CLI reports is one of these."""

from __future__ import annotations

from pathlib import Path


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


class CollectionUnavailable(DeliveryError):
    """The collection path is missing, not a collection, or cannot be read and written: nothing
    was created or changed (the CLI exits 73, EX_CANTCREAT)."""


class BackendMissing(DeliveryError):
    """The real Anki backend (the ``anki`` package) is not installed: the CLI exits 69."""


class FetchError(FlashdigestError):
    """A page or the index of the digest site could not be fetched (``file``: where it would go)."""


class SiteUnreachable(FetchError):
    """No answer at all (connection refused, reset, timed out) after every attempt."""


class OutputBusy(FlashdigestError):
    """Another flashdigest run is writing into the same output directory: the CLI exits 75."""


class ConfigError(FlashdigestError):
    """The config file cannot be read or holds something no command takes: the CLI exits 78."""


class VerifyError(FlashdigestError):
    """Anki's importer refused a deck (``flashdigest verify``)."""


class SvgRejected(FlashdigestError):
    """An SVG that cannot be made safe (none found, too large); its paper keeps its text instead."""
