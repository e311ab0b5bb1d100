"""`flashdigest login` and `flashdigest logout`: the Anki account `export --sync` syncs with."""

from __future__ import annotations

import sys

import click

from ..errors import FlashdigestError, OutputError
from .output import say, stop

LOGIN_EPILOG = """\b
Examples:
  flashdigest login --username me@example.com              # AnkiWeb; asks for the password
  flashdigest login --endpoint http://ankisync.home:8080/ --username me --password-stdin < pw

\b
Only the sync key the server gives is kept (never the password), in a file
only you can read under $XDG_DATA_HOME/flashdigest/. Exit codes: 0 logged in;
69 the Anki backend is missing; 73 the key cannot be written; 75 the server
cannot be reached; 77 the server refused the user name or password.
"""


@click.command(epilog=LOGIN_EPILOG)
@click.option(
    "--endpoint", metavar="URL", default=None, help="A self-hosted Anki sync server [default: AnkiWeb]."
)
@click.option("--username", required=True, help="The account's user name (AnkiWeb: your e-mail address).")
@click.option(
    "--password-stdin/--no-password-stdin",
    default=False,
    help="Read the password from the first line of stdin.",
)
def login(endpoint: str | None, username: str, password_stdin: bool) -> None:
    """Log in to an Anki account once, for `export --sync`."""
    from ..deliver.account import login as account_login
    from ..deliver.account import save_account

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True)
    try:
        account = account_login(username, password, endpoint or None)
        try:
            path = save_account(account)
        except OSError as error:
            raise OutputError(
                f"cannot keep the sync key: {error.strerror or error}", error.filename
            ) from None
    except FlashdigestError as error:
        stop(error)
    say(f"logged in as {username} ({endpoint or 'AnkiWeb'}); the sync key is kept in {path}")


@click.command()
def logout() -> None:
    """Forget the Anki account's sync key (the own collection stays)."""
    from ..deliver.account import remove_account

    try:
        removed = remove_account()
    except OSError as error:
        stop(OutputError(f"cannot remove the sync key: {error.strerror or error}", error.filename))
    say(f"logged out: removed {removed}" if removed else "not logged in")
