"""How the CLI speaks and exits: one line per failure, names kept on one line, sysexits codes.

One place maps failures to exit codes (:data:`EXIT_FOR`, pypa/build's way).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, NoReturn

import click

from ..errors import (
    AnkiConnectKeyRefused,
    BackendMissing,
    CollectionBusy,
    CollectionUnavailable,
    ConfigError,
    FetchError,
    FlashdigestError,
    InternalError,
    NoInputError,
    OutputBusy,
    OutputError,
    SyncAuthError,
    SyncUnavailable,
    VerifyError,
    WorkerLost,
)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATAERR = 65  # EX_DATAERR: some input could not be exported
EXIT_NOINPUT = 66  # EX_NOINPUT: no digest at all among the inputs
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: the Anki backend for `verify` is not installed
EXIT_SOFTWARE = 70  # EX_SOFTWARE: a bug in flashdigest (one line; --debug shows the traceback)
EXIT_OSERR = 71  # EX_OSERR: a worker process of the run was killed (out of memory, or by hand)
EXIT_CANTCREAT = 73  # EX_CANTCREAT: the output directory or a deck cannot be created or written
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL: another export holds the output directory
EXIT_NOPERM = 77  # EX_NOPERM: AnkiConnect's apiKey, or the Anki account's login or sync key, refused
EXIT_CONFIG = 78  # EX_CONFIG: the config file cannot be read or sets an option no command has
#: what each failure exits with, the first class that matches (one place; pypa/build's way)
EXIT_FOR: tuple[tuple[type[FlashdigestError], int], ...] = (
    (NoInputError, EXIT_NOINPUT),
    (OutputError, EXIT_CANTCREAT),
    (WorkerLost, EXIT_OSERR),
    (OutputBusy, EXIT_TEMPFAIL),
    (ConfigError, EXIT_CONFIG),
    (CollectionBusy, EXIT_TEMPFAIL),
    (AnkiConnectKeyRefused, EXIT_NOPERM),
    (SyncUnavailable, EXIT_TEMPFAIL),
    (SyncAuthError, EXIT_NOPERM),
    (CollectionUnavailable, EXIT_CANTCREAT),
    (BackendMissing, EXIT_UNAVAILABLE),
    (VerifyError, EXIT_DATAERR),
    (FetchError, EXIT_TEMPFAIL),
    (FlashdigestError, EXIT_DATAERR),
)
#: when a run ends with several codes, the one it exits with is the first of these it has
SEVERITY = (
    EXIT_SOFTWARE,
    EXIT_OSERR,
    EXIT_CANTCREAT,
    EXIT_CONFIG,
    EXIT_NOINPUT,
    EXIT_UNAVAILABLE,
    EXIT_NOPERM,
    EXIT_DATAERR,
    EXIT_TEMPFAIL,
)


def exit_code(error: FlashdigestError) -> int:
    return next(code for kind, code in EXIT_FOR if isinstance(error, kind))


def worst(codes: list[int]) -> int:
    """The code a run with these outcomes exits with (0 when all are 0)."""
    return next((code for code in SEVERITY if code in codes), max(codes, default=EXIT_OK))


# C0 and C1 control characters (newline among them) and DEL: escaped, so one message is one line
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """``text`` as one printable line: control characters escaped (``\\n``, ``\\x1b``)."""
    return _CONTROL_RE.sub(lambda m: repr(m.group())[1:-1], text)


def say(text: str, err: bool = False) -> None:
    """Print one line; a name that is not UTF-8 is written as its bytes are on disk."""
    stream = sys.stderr if err else sys.stdout
    line = shown(text) + "\n"
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text-only stream: bytes that are not UTF-8 show as U+FFFD
        stream.write(line.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    else:
        buffer.write(line.encode("utf-8", "surrogateescape"))
        buffer.flush()


def fail(error: FlashdigestError) -> None:
    """Report one failure on stderr: one line, and with --debug the traceback of a bug."""
    say(f"flashdigest: error: {error}", err=True)
    if isinstance(error, InternalError) and debugging():
        click.echo(error.details, err=True, nl=False)


def debugging() -> bool:
    context = click.get_current_context(silent=True)
    flag = bool(context and context.find_root().meta.get("flashdigest.debug"))
    return flag or os.environ.get("FLASHDIGEST_DEBUG", "") not in ("", "0")


def stop(error: FlashdigestError) -> NoReturn:
    """Exit with the code of a failure that stops the whole command (see EXIT_FOR)."""
    say(f"flashdigest: {'' if isinstance(error, OutputBusy) else 'error: '}{error}", err=True)
    sys.exit(exit_code(error))


class Main(click.Group):
    """The command group: a bug anywhere gives one line and exit 70 (with --debug, the traceback)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Also notes whether the command's help is asked for (a broken config must not hide it)."""
        words = args[1 : args.index("--")] if "--" in args else args[1:]
        ctx.meta["flashdigest.help"] = any(word in ctx.help_option_names for word in words)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except (Exception, RecursionError) as error:
            if debugging():
                import traceback  # (only for a bug's traceback)

                traceback.print_exc()
            hint = "a bug in flashdigest; --debug shows the traceback"
            say(f"flashdigest: internal error: {type(error).__name__}: {error} ({hint})", err=True)
            sys.exit(EXIT_SOFTWARE)
