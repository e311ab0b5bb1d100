"""The Anki account flashdigest syncs with: the sync key a login gave, kept in the data folder.

:func:`login` asks the server (AnkiWeb, or a self-hosted Anki sync server at ``endpoint``) for a
sync key and :func:`save_account` keeps only that key, the endpoint and the user name in a file
only the user can read (``sync-account.json`` under :func:`data_dir`); the password is never
written anywhere. Errors: :class:`~flashdigest.errors.SyncAuthError` (wrong credentials, not
logged in), :class:`~flashdigest.errors.SyncUnavailable` (the server cannot be reached).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..errors import BackendMissing, FlashdigestError, SyncAuthError, SyncUnavailable
from ..frozen import frozen
from ..hints import anki_install_hint

ACCOUNT_FILE = "sync-account.json"
#: seconds one request to the sync server may stay silent before the sync gives up
IO_TIMEOUT_SECS = 60
#: the bidirectional isolates Anki's messages wrap their values in, dropped from one-line errors
_ISOLATES = {0x2068: None, 0x2069: None}


@frozen
class SyncAccount:
    """What a login leaves: the sync key (``hkey``), never the password."""

    username: str
    hkey: str
    #: the server's address as the user gave it; None is AnkiWeb
    endpoint: str | None = None
    #: where the server last said to sync (AnkiWeb moves accounts between its hosts)
    sync_endpoint: str | None = None

    def auth(self) -> Any:
        """The backend's ``SyncAuth`` for this account."""
        from anki.sync import SyncAuth

        where = self.sync_endpoint or self.endpoint
        return SyncAuth(hkey=self.hkey, endpoint=where, io_timeout_secs=IO_TIMEOUT_SECS)

    def own_collection(self) -> Path:
        """flashdigest's own collection of this account (made by the first ``export --sync``)."""
        account = hashlib.sha256(f"{self.endpoint or 'ankiweb'}\n{self.username}".encode()).hexdigest()
        return data_dir() / f"collection-{account[:12]}" / "collection.anki2"


def data_dir() -> Path:
    """``$XDG_DATA_HOME/flashdigest``, or the platform's data folder of flashdigest."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "flashdigest"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "flashdigest"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "flashdigest"
    return Path.home() / ".local" / "share" / "flashdigest"


def account_path() -> Path:
    return data_dir() / ACCOUNT_FILE


def login(username: str, password: str, endpoint: str | None) -> SyncAccount:
    """Log in; the account's sync key. SyncAuthError: refused; SyncUnavailable: unreachable."""
    try:
        from anki.collection import Collection
    except ImportError:
        raise BackendMissing(f"the Anki backend is not installed: {anki_install_hint()}") from None
    import tempfile

    if endpoint is not None and not endpoint.endswith("/"):
        endpoint += "/"  # the backend adds its paths to the URL's folder
    with tempfile.TemporaryDirectory(prefix="flashdigest-login-") as folder:
        col = Collection(str(Path(folder) / "login.anki2"))
        try:
            auth = col.sync_login(username, password, endpoint)
        except Exception as error:  # the backend's own error types
            raise sync_error(error, None, login=endpoint or "AnkiWeb") from None
        finally:
            col.close()
    return SyncAccount(username, auth.hkey, endpoint, auth.endpoint or None)


def sync_error(error: BaseException, where: Path | None, login: str | None = None) -> FlashdigestError:
    """The backend's failure of a sync (``where``: the collection) or of a login to the server
    ``login`` as one of flashdigest's errors."""
    from anki.errors import NetworkError, SyncError, SyncErrorKind

    reason = " ".join(str(error).translate(_ISOLATES).split())
    if login is not None:
        reason = f"{login}: {reason}"
    if isinstance(error, SyncError) and error.kind == SyncErrorKind.AUTH:
        if login is not None:
            return SyncAuthError(f"the server refused the user name or password: {reason}", where)
        return SyncAuthError(f"the server refused the sync key ({reason}); run `flashdigest login`", where)
    if isinstance(error, NetworkError):
        return SyncUnavailable(f"cannot reach the sync server, try again later: {reason}", where)
    return SyncUnavailable(f"the sync failed, nothing was lost; try again later: {reason}", where)


def save_account(account: SyncAccount) -> Path:
    """Write the account file (mode 0600, replaced whole); the path written."""
    path = account_path()
    data = {
        "username": account.username,
        "hkey": account.hkey,
        "endpoint": account.endpoint,
        "sync_endpoint": account.sync_endpoint,
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomically(path, json.dumps(data).encode("utf-8"), private=True)  # the key: owner only
    return path


def load_account() -> SyncAccount:
    """The account of the last login; SyncAuthError when there is none or it cannot be read."""
    path = account_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        endpoints = (data.get("endpoint"), data.get("sync_endpoint"))
        if not isinstance(data["username"], str) or not isinstance(data["hkey"], str):
            raise ValueError("not a user name and a key")
        if not all(endpoint is None or isinstance(endpoint, str) for endpoint in endpoints):
            raise ValueError("an endpoint is not a string")
    except FileNotFoundError:
        raise SyncAuthError("not logged in to an Anki account: run `flashdigest login` first", path) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SyncAuthError(f"cannot read the login ({error}); run `flashdigest login` again", path) from None
    return SyncAccount(data["username"], data["hkey"], *endpoints)


def remove_account() -> Path | None:
    """Forget the login; the file removed (None: there was none)."""
    path = account_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return path
