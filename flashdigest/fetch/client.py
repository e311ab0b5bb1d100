"""HTTP for the fetcher: urllib3 with its retry policy, bounded in attempts, waits, bytes and time.

Connection errors, 429 and 5xx are retried with exponential backoff, honouring ``Retry-After`` up
to a cap (so neither a test nor a cron run can be told to wait for hours); 404 and other answers
are final. Every page has a deadline that counts the whole transfer (headers, body, retries and
their waits), not each read: a server dripping a byte a second is cut off at it. Redirects are
followed only on the site's own scheme, host and port. A body is streamed into a temporary file
beside its target and counted against the size cap as it comes, so a dropped connection or an
oversized page leaves nothing behind. An answer not read to its end (an error page) closes its
connection, so the next request gets a fresh one instead of failing on the leftovers.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, ProtocolError
from urllib3.util.retry import Retry

from .. import __version__
from ..errors import FetchError, PastDeadline, SiteUnreachable
from ..frozen import frozen
from ..limits import env_name
from .deadline import keep_deadlines, until
from .files import temporary_beside, write_chunk
from .memory import Validators

USER_AGENT = f"flashdigest/{__version__} (Anki decks from daily paper digests; python-urllib3)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


@frozen
class HttpSettings:
    """How patient and how polite the client is (FetchOptions carries these)."""

    connect_timeout: float
    read_timeout: float
    retries: int
    backoff_factor: float
    backoff_max: float
    retry_after_max: float
    max_bytes: int
    #: seconds one page may take in all: headers, body, retries and their waits
    page_seconds: float = 120.0


@frozen
class Download:
    """A completed answer: 304 (``temp`` None), or 200 with the whole body in ``temp``."""

    status: int
    #: where the answer came from, after any redirects
    url: str
    validators: Validators
    temp: Path | None = None
    #: the Content-Type the server gave ("" when none)
    content_type: str = ""


class CappedRetry(Retry):
    """urllib3's Retry, with the wait a ``Retry-After`` asks for cut to ``retry_after_cap``, and
    no attempt or wait past ``deadline`` (a ``time.monotonic()`` value)."""

    retry_after_cap: float = 60.0
    deadline: float = float("inf")

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.retry_after_cap, self._left())

    def get_backoff_time(self) -> float:
        return min(super().get_backoff_time(), self._left())

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or self._left() <= 0

    def new(self, **kwargs: Any) -> Self:
        fresh = super().new(**kwargs)
        fresh.retry_after_cap = self.retry_after_cap
        fresh.deadline = self.deadline
        return fresh

    def _left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


def retry_policy(settings: HttpSettings, deadline: float = float("inf")) -> CappedRetry:
    retry = CappedRetry(
        total=settings.retries,
        redirect=False,  # download() follows redirects itself, on the site's host only
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        raise_on_status=False,  # the last answer after the retries is reported, not raised
        raise_on_redirect=False,
    )
    retry.retry_after_cap = settings.retry_after_max
    retry.deadline = deadline
    return retry


def make_pool(settings: HttpSettings) -> urllib3.PoolManager:
    pool = urllib3.PoolManager(
        num_pools=2,
        maxsize=1,
        retries=retry_policy(settings),
        timeout=urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout),
    )
    return keep_deadlines(pool)


def download(
    pool: urllib3.PoolManager,
    url: str,
    target: Path,
    validators: Validators,
    settings: HttpSettings,
    deadline: float = float("inf"),
) -> Download:
    """GET ``url`` (conditionally when ``validators`` say so) into a temporary file beside ``target``,
    by ``deadline`` (``time.monotonic()``) and within ``settings.page_seconds``.

    FetchError for a connection that failed every attempt, an answer other than 200 or 304, a
    redirect off the site, a body over the size cap, cut short or past the deadline (no
    temporary file is left then); OutputError when the temporary file cannot be written.
    """
    deadline = min(deadline, time.monotonic() + settings.page_seconds)
    where = url
    for _ in range(MAX_REDIRECTS + 1):
        response = _request(pool, where, target, validators, settings, deadline)
        try:
            if response.status in REDIRECTS and response.headers.get("Location"):
                where = _redirect_target(url, where, response.headers["Location"], target)
                continue
            return _answer(url, where, response, target, settings, deadline)
        finally:
            _finish(response)
    raise FetchError(
        f"{url}: HTTP {response.status} {response.reason or ''}: over {MAX_REDIRECTS} redirects", target
    )


def _request(
    pool: urllib3.PoolManager,
    url: str,
    target: Path,
    validators: Validators,
    settings: HttpSettings,
    deadline: float,
) -> Any:
    left = deadline - time.monotonic()
    if left <= 0:
        raise PastDeadline(f"{url}: {_past(settings)}", target)
    timeout = urllib3.Timeout(
        connect=min(settings.connect_timeout, left), read=min(settings.read_timeout, left)
    )
    headers = {"User-Agent": USER_AGENT, **validators.request_headers()}  # replaces the pool's
    try:
        with until(deadline):  # no waiting for headers past it either
            return pool.request(
                "GET",
                url,
                headers=headers,
                preload_content=False,
                retries=retry_policy(settings, deadline),
                timeout=timeout,
                redirect=False,
            )
    except MaxRetryError as error:
        if time.monotonic() >= deadline:
            raise PastDeadline(f"{url}: {_past(settings)}", target) from None
        raise SiteUnreachable(
            f"{url}: gave up after {settings.retries + 1} attempts: {_describe(error.reason)}", target
        ) from None
    except HTTPError as error:
        raise FetchError(f"{url}: {error}", target) from None


def _answer(
    url: str, where: str, response: Any, target: Path, settings: HttpSettings, deadline: float
) -> Download:
    got = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
    if response.status == 304:
        return Download(304, where, got)
    if response.status != 200:
        tried = ""
        if response.status in RETRY_STATUSES:
            attempts = len(response.retries.history) + 1 if response.retries is not None else 1
            stopped = ", stopped at the page's deadline" if time.monotonic() >= deadline else ""
            tried = f" (after {attempts} attempt{'s' if attempts > 1 else ''}{stopped})"
        raise FetchError(f"{url}: HTTP {response.status} {response.reason or ''}".rstrip() + tried, target)
    # the watchdog ends a read that would outlast the deadline (a server sending nothing more)
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _cut_off, (response,))
    watchdog.daemon = True
    watchdog.start()
    try:
        temp = _body_to_temp(response, url, target, settings, deadline)
    finally:
        watchdog.cancel()
    return Download(200, where, got, temp, response.headers.get("Content-Type", ""))


def _redirect_target(url: str, where: str, location: str, target: Path) -> str:
    """Where a redirect leads, when it stays on ``url``'s scheme, host and port; else FetchError."""
    then = urljoin(where, location)
    if (urlsplit(then).scheme, urlsplit(then).netloc) != (urlsplit(url).scheme, urlsplit(url).netloc):
        raise FetchError(f"{url}: redirected off the site, to {then}; not followed", target)
    return then


def _finish(response: Any) -> None:
    """Give the connection back for reuse only when its answer was read to the end; else close it."""
    with contextlib.suppress(Exception):
        declared = int(response.headers.get("Content-Length", "-1"))
        if response.status != 200 and 0 <= declared <= CHUNK:
            response.drain_conn()  # a short error page or redirect: read, the connection stays usable
    if response.length_remaining or (not response.isclosed() and response.status != 304):
        response.close()  # not read to its end: the connection goes (the pool opens a new one)
    response.release_conn()


def _cut_off(response: Any) -> None:
    with contextlib.suppress(Exception):
        response.shutdown()


def _past(settings: HttpSettings) -> str:
    return f"over its time ({settings.page_seconds:g} s a page, or the run's --max-time); not saved"


def _body_to_temp(response: Any, url: str, target: Path, settings: HttpSettings, deadline: float) -> Path:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(_too_big(url, settings.max_bytes), target)
    with temporary_beside(target) as (handle, temp):
        size = 0
        while True:
            try:
                chunk = response.read1(CHUNK, decode_content=True)
            except (HTTPError, OSError) as error:
                if time.monotonic() >= deadline:
                    raise PastDeadline(f"{url}: {_past(settings)}", target) from None
                raise FetchError(f"{url}: page cut short, not saved: {_describe(error)}", target) from None
            if time.monotonic() >= deadline:  # also when the watchdog's cut looked like an end
                raise PastDeadline(f"{url}: {_past(settings)}", target)
            if not chunk:
                break
            size += len(chunk)
            if size > settings.max_bytes:
                raise FetchError(_too_big(url, settings.max_bytes), target)
            write_chunk(handle, chunk, target)
        write_chunk(handle, b"", target, sync=True)
    return temp


def _describe(error: BaseException | None) -> str:
    """urllib3's ``ProtocolError('Connection broken: …', cause)`` as one readable phrase."""
    if isinstance(error, ProtocolError) and error.args and isinstance(error.args[0], str):
        first = error.args[0].rstrip(".")
        return ": ".join([first, *(str(arg) for arg in error.args[1:] if str(arg) not in first)])
    if isinstance(error, NewConnectionError):  # "HTTPConnection(host=…, port=…): Failed to …"
        return str(error).split("): ", 1)[-1]
    return str(error)


def _too_big(url: str, max_bytes: int) -> str:
    return f"{url}: page over {max_bytes} bytes ({env_name('max_page_bytes')}); not saved"
