"""AnkiConnect's client: one endpoint, its documented actions (protocol version 6), a deadline
for each call and for a delivery in all.

The add-on answers each request and closes the connection without saying so (no
``Connection: close``), so every call is a new connection that asks for ``Connection: close``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import urllib3

from ..errors import AnkiConnectKeyRefused, CollectionBusy, DeliveryError
from .types import AnkiConnectTarget

PROTOCOL_VERSION = 6
#: AnkiConnect's answer to a request without its ``apiKey`` (or with another)
KEY_REFUSED = "valid api key must be provided"


class AnkiConnect:
    """One AnkiConnect endpoint: ``call(action, **params)`` returns the action's result."""

    def __init__(self, target: AnkiConnectTarget):
        self.target = target
        self._timeout = urllib3.Timeout(connect=5.0, read=target.timeout)
        #: the whole delivery's deadline (a ``time.monotonic()`` value)
        self._ends = time.monotonic() + target.total_time
        #: the actions called, in order (what a run cost)
        self.calls: list[str] = []

    def call(self, action: str, **params: Any) -> Any:
        body: dict[str, Any] = {"action": action, "version": PROTOCOL_VERSION, "params": params}
        if self.target.key is not None:
            body["key"] = self.target.key
        self.calls.append(action)
        now = time.monotonic()
        if now >= self._ends:
            raise self._past_total()
        # the whole call's deadline, not each read's, and never past the delivery's
        deadline = min(now + self.target.timeout, self._ends)
        # a connection of its own per call: the add-on closes it after each answer
        http = urllib3.PoolManager(num_pools=1, timeout=self._timeout, retries=False)
        try:
            response = http.request(
                "POST", self.target.url, json=body, headers={"Connection": "close"}, preload_content=False
            )
            data = _read_by(response, deadline)
        except TimeoutError:
            if time.monotonic() >= self._ends:
                raise self._past_total() from None
            raise CollectionBusy(
                f"AnkiConnect at {self.target.url} took over {self.target.timeout:g} s to answer {action}"
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise CollectionBusy(
                f"AnkiConnect at {self.target.url} does not answer ({type(exc).__name__}): "
                "is Anki running with AnkiConnect?"
            ) from None
        finally:
            http.clear()
        try:
            reply = json.loads(data)
        except ValueError:
            reply = None
        if response.status != 200 or not isinstance(reply, dict) or set(reply) != {"result", "error"}:
            raise self.error(f"not an AnkiConnect answer to {action} (HTTP {response.status})")
        if reply["error"] is not None:
            if str(reply["error"]) == KEY_REFUSED:
                raise AnkiConnectKeyRefused(
                    f"AnkiConnect at {self.target.url} refused the request: give its apiKey with "
                    "--anki-connect-key (config key anki-connect-key)"
                )
            raise self.error(f"AnkiConnect refused {action}: {reply['error']}")
        return reply["result"]

    def _past_total(self) -> CollectionBusy:
        return CollectionBusy(
            f"the delivery through AnkiConnect at {self.target.url} took over "
            f"{self.target.total_time:g} s in all; the next run delivers what is left"
        )

    def error(self, reason: str) -> DeliveryError:
        """A DeliveryError naming this endpoint (a URL is not a file, so it goes in the reason)."""
        return DeliveryError(f"{reason} ({self.target.url})")


def _read_by(response: Any, deadline: float) -> bytes:
    """The whole body of ``response``, or TimeoutError once ``deadline`` passes (a whole answer's
    deadline, not each read's: a server dripping a byte at a time is cut off too)."""
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _cut_off, (response,))
    watchdog.daemon = True
    watchdog.start()
    chunks = []
    try:
        while chunk := response.read1(65536):
            chunks.append(chunk)
            if time.monotonic() >= deadline:
                break
    except (urllib3.exceptions.HTTPError, OSError):
        if time.monotonic() < deadline:
            raise
    finally:
        watchdog.cancel()
        response.release_conn()
    if time.monotonic() >= deadline:
        response.close()
        raise TimeoutError
    return b"".join(chunks)


def _cut_off(response: Any) -> None:
    with contextlib.suppress(Exception):
        response.shutdown()
