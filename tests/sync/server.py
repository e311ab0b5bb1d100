"""The real Anki sync server (``python -m anki.syncserver``) for the sync tests, and a "phone": a
second collection that syncs the same account as AnkiDroid would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.sync import SyncAuth, SyncOutput

USER = "learner"
PASSWORD = "s3cret-Pa55word-xyzzy"
#: what a client is asked for when only a full sync would do (replacing one side)
FULL = (SyncOutput.FULL_SYNC, SyncOutput.FULL_DOWNLOAD, SyncOutput.FULL_UPLOAD)
#: seconds the server may take to listen, and to stop
START_SECONDS = 30.0
STOP_SECONDS = 10.0


@dataclass
class SyncServer:
    """A running sync server: ``endpoint`` is what a client is given."""

    port: int
    base: Path
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        env = dict(
            os.environ,
            SYNC_USER1=f"{USER}:{self.password}",
            SYNC_HOST="127.0.0.1",
            SYNC_PORT=str(self.port),
            SYNC_BASE=str(self.base),
            RUST_LOG="warn",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "anki.syncserver"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sync server exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the sync server did not listen in time")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_SECONDS)
        self.process = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(base: Path) -> Iterator[SyncServer]:
    server = SyncServer(free_port(), base)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def phone_auth(col: Any, server: SyncServer) -> SyncAuth:
    auth: SyncAuth = col.sync_login(USER, PASSWORD, server.endpoint)
    return auth


def phone_sync(col: Any, server: SyncServer, upload: bool = False) -> int:
    """Sync the phone as AnkiDroid does (a new phone's first sync is a full one, which it may
    choose); returns what the server asked for (SyncOutput.ChangesRequired)."""
    auth = phone_auth(col, server)
    out = col.sync_collection(auth, sync_media=False)
    required: int = out.required
    if required in FULL:
        col.close_for_full_sync()
        up = upload or required == SyncOutput.FULL_UPLOAD
        col.full_upload_or_download(auth=auth, server_usn=None, upload=up)
        col.reopen(after_full_sync=True)
    col.sync_media(auth)
    deadline = time.monotonic() + 60
    while col.media_sync_status().active and time.monotonic() < deadline:
        time.sleep(0.05)
    return required


def new_phone(folder: Path) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


class StallingProxy:
    """A TCP relay to the server that stops relaying a connection for good at the first request
    holding ``stall_on`` (b"": at once), as a server that stops answering does; ``stalled`` is
    set then. ``release()`` makes later connections relay normally."""

    def __init__(self, port: int, stall_on: bytes) -> None:
        self.target = port
        self.stall_on: bytes | None = stall_on
        self.stalled = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def release(self) -> None:
        self.stall_on = None

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, upstream]
            threading.Thread(target=self._relay, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._relay, args=(upstream, client, False), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket, watch: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                stall_on = self.stall_on
                if watch and stall_on is not None and stall_on in data:
                    self.stalled.set()
                    return  # nothing more either way on this connection; it stays open
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextmanager
def stalling_proxy(server: SyncServer, stall_on: bytes) -> Iterator[StallingProxy]:
    proxy = StallingProxy(server.port, stall_on)
    try:
        yield proxy
    finally:
        proxy.close()
