"""HTTP for the fetcher: urllib3 with its retry policy, bounded in attempts, waits and bytes.

Connection errors, 429 and 5xx are retried with exponential backoff, honouring ``Retry-After`` up
to a cap (so neither a test nor a cron run can be told to wait for hours); 404 and other answers
are final. A body is streamed into a temporary file beside its target and counted against the
size cap as it comes, so a dropped connection or an oversized page leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, ProtocolError
from urllib3.util.retry import Retry

from .. import __version__
from ..errors import FetchError, SiteUnreachable
from ..limits import env_name
from .memory import TEMP_SUFFIX, Validators

USER_AGENT = f"flashdigest/{__version__} (Anki decks from daily paper digests; python-urllib3)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpSettings:
    """How patient and how polite the client is (FetchOptions carries these)."""

    connect_timeout: float
    read_timeout: float
    retries: int
    backoff_factor: float
    backoff_max: float
    retry_after_max: float
    max_bytes: int


@dataclass(frozen=True)
class Download:
    """A completed answer: 304 (``temp`` None), or 200 with the whole body in ``temp``."""

    status: int
    #: where the answer came from, after any redirects
    url: str
    validators: Validators
    temp: Path | None = None


class CappedRetry(Retry):
    """urllib3's Retry, with the wait a ``Retry-After`` asks for cut to ``retry_after_cap``."""

    retry_after_cap: float = 60.0

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.retry_after_cap)

    def new(self, **kwargs: Any) -> Self:
        fresh = super().new(**kwargs)
        fresh.retry_after_cap = self.retry_after_cap
        return fresh


def make_pool(settings: HttpSettings) -> urllib3.PoolManager:
    retry = CappedRetry(
        total=settings.retries,
        redirect=5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        raise_on_status=False,  # the last answer after the retries is reported, not raised
        raise_on_redirect=False,  # so is a redirect too many
    )
    retry.retry_after_cap = settings.retry_after_max
    return urllib3.PoolManager(
        num_pools=2,
        maxsize=1,
        retries=retry,
        timeout=urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout),
    )


def download(
    pool: urllib3.PoolManager, url: str, target: Path, validators: Validators, settings: HttpSettings
) -> Download:
    """GET ``url`` (conditionally when ``validators`` say so) into a temporary file beside ``target``.

    FetchError for a connection that failed every attempt, an answer other than 200 or 304, a
    body over the size cap or cut short; no temporary file is left then.
    """
    try:
        headers = {"User-Agent": USER_AGENT, **validators.request_headers()}  # replaces the pool's
        response = pool.request("GET", url, headers=headers, preload_content=False)
    except MaxRetryError as error:
        raise SiteUnreachable(
            f"{url}: gave up after {settings.retries + 1} attempts: {_describe(error.reason)}", target
        ) from None
    except HTTPError as error:
        raise FetchError(f"{url}: {error}", target) from None
    try:
        got = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        final_url = _after_redirects(url, response)
        if response.status == 304:
            return Download(304, final_url, got or validators)
        if response.status != 200:
            tried = f" (after {settings.retries + 1} attempts)" if response.status in RETRY_STATUSES else ""
            raise FetchError(
                f"{url}: HTTP {response.status} {response.reason or ''}".rstrip() + tried, target
            )
        return Download(200, final_url, got, _body_to_temp(response, url, target, settings.max_bytes))
    finally:
        response.release_conn()


def _body_to_temp(response: Any, url: str, target: Path, max_bytes: int) -> Path:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_big(url, max_bytes), target)
    with _temporary_beside(target) as (handle, temp):
        size = 0
        try:
            for chunk in response.stream(CHUNK, decode_content=True):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(_too_big(url, max_bytes), target)
                handle.write(chunk)
        except (HTTPError, OSError) as error:
            raise FetchError(f"{url}: page cut short, not saved: {_describe(error)}", target) from None
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def _after_redirects(url: str, response: Any) -> str:
    """Where the answer came from: ``url``, or where its redirects led."""
    retries = getattr(response, "retries", None)
    for entry in retries.history if retries is not None else ():
        if entry.redirect_location:
            url = urljoin(url, entry.redirect_location)
    return url


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


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[tuple[Any, Path]]:
    """A hidden temporary file in ``target``'s folder, removed unless the block completes."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept past the block on success)
        dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX, delete=False
    )
    temp = Path(handle.name)
    try:
        with handle:
            yield handle, temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
