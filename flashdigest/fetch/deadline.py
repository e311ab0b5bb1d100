"""Connections that keep a deadline while they wait for an answer's headers.

urllib3's timeouts bound each read, not a whole answer: a server sending its headers a byte at a
time would keep a request alive for ever. :func:`until` sets the deadline of the requests made in
its block; a connection waiting for headers past it has its socket shut down (the request then
fails as a dropped connection, and the caller sees that its deadline passed).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("fetch_deadline", default=math.inf)


@contextlib.contextmanager
def until(deadline: float) -> Iterator[None]:
    """Requests made in this block stop waiting for headers at ``deadline`` (time.monotonic())."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class _Watched:
    """getresponse() with a watchdog that shuts the socket down at the deadline."""

    sock: socket.socket | None

    def getresponse(self) -> Any:
        left = _DEADLINE.get() - time.monotonic()
        if math.isinf(left):
            return super().getresponse()  # type: ignore[misc]
        watchdog = threading.Timer(max(0.0, left), self._cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().getresponse()  # type: ignore[misc]
        finally:
            watchdog.cancel()

    def _cut_off(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            if self.sock is not None:
                self.sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def keep_deadlines(pool: urllib3.PoolManager) -> urllib3.PoolManager:
    """``pool``, its connections keeping the deadline :func:`until` sets."""
    pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return pool
