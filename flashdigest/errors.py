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


class LineErrors(ParseError):
    """Some lines of an input could not be read; every other line was.

    A line-oriented parser (the JSONL archive) raises this after it has yielded every digest it
    could read, so one bad line never costs the rest of the file. ``errors`` holds one
    ParseError per bad line (file and line set); the pipeline reports each as a failure.
    """

    def __init__(self, errors: tuple[ParseError, ...], file: Path | str | None = None):
        self.errors = errors
        super().__init__(f"{len(errors)} line(s) could not be read", file)


class FetchError(FlashdigestError):
    """A page or the index of the digest site could not be fetched (``file``: where it would go)."""
