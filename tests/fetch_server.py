"""A real HTTP server on 127.0.0.1 (an ephemeral port) serving a digest site that a test scripts.

``Site.pages`` maps a path below the site to the page served there (with its validators, which
the server honours as a static server does: 304 for a matching ``If-None-Match`` or
``If-Modified-Since``); ``Site.script`` queues one-off replies for a path, served before the page;
``Site.always`` gives a path the same reply every time. Every request is recorded. A reply can
drip its body (headers, then a byte at a time) or wait for the test before answering.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SITE_PATH = "/daily_paper/"


@dataclass
class Page:
    body: bytes
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    #: send only this many bytes of ``body`` (Content-Length promising all), then drop the connection
    drop_after: int | None = None
    #: close the connection without any answer
    hang_up: bool = False
    #: send the headers, then one byte of ``body`` every this many seconds (until the client goes)
    drip: float | None = None
    #: send even the status line and headers a byte every this many seconds (until the client goes)
    drip_headers: float | None = None
    #: answer only once this is set (the test reads what the client said meanwhile)
    gate: threading.Event | None = None


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class Site:
    url: str = ""
    pages: dict[str, Page] = field(default_factory=dict)
    script: dict[str, list[Reply]] = field(default_factory=dict)
    always: dict[str, Reply] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: set when the server stops: dripping replies end
    stopping: threading.Event = field(default_factory=threading.Event)

    def reply_for(self, path: str, headers: dict[str, str]) -> Reply:
        with self.lock:
            relative = path.removeprefix(SITE_PATH)
            if relative in self.always:
                reply = self.always[relative]
            elif self.script.get(relative):
                reply = self.script[relative].pop(0)
            else:
                reply = self._static(self.pages.get(relative), headers)
            self.requests.append(Request(relative, headers, reply.status))
            return reply

    @staticmethod
    def _static(page: Page | None, headers: dict[str, str]) -> Reply:
        if page is None:
            return Reply(404, body=b"not found")
        validators = [("ETag", page.etag)] if page.etag else []
        validators += [("Last-Modified", page.last_modified)] if page.last_modified else []
        etag_matches = page.etag is not None and headers.get("if-none-match") == page.etag
        date_matches = (
            page.last_modified is not None and headers.get("if-modified-since") == page.last_modified
        )
        if etag_matches or (date_matches and "if-none-match" not in headers):
            return Reply(304, tuple(validators))
        return Reply(200, (("Content-Type", "text/html; charset=utf-8"), *validators), page.body)

    def requested(self, path: str) -> list[Request]:
        with self.lock:
            return [request for request in self.requests if request.path == path]

    def statuses(self) -> dict[str, list[int]]:
        with self.lock:
            seen: dict[str, list[int]] = {}
            for request in self.requests:
                seen.setdefault(request.path, []).append(request.status)
            return seen


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = site.reply_for(self.path, headers)
            if reply.gate is not None:
                reply.gate.wait(timeout=30)
            if reply.drip_headers is not None:
                self._drip(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000, reply.drip_headers)
                return
            if reply.hang_up:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.drip is not None:
                self._drip(reply.body, reply.drip)
                return
            if reply.drop_after is None:
                self.wfile.write(reply.body)
                return
            self.wfile.write(reply.body[: reply.drop_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def _drip(self, body: bytes, every: float) -> None:
            self.wfile.flush()
            self.close_connection = True
            for number in range(len(body)):
                if site.stopping.wait(every):
                    return
                self.wfile.write(body[number : number + 1])  # BrokenPipe once the client has gone
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client closing its kept-alive connection is no news


@contextlib.contextmanager
def serve(site: Site) -> Iterator[Site]:
    """Serve ``site`` on 127.0.0.1 until the block ends; ``site.url`` is its address."""
    server = _QuietServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}{SITE_PATH}"
    try:
        yield site
    finally:
        site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def index_page(dates: list[str], extra_links: tuple[str, ...] = ()) -> bytes:
    """An index in the real site's shape: a day list of relative links, newest first."""
    items = [
        f'<li><a href="dailies/pages/{date}.html">{date}</a></li>' for date in sorted(dates, reverse=True)
    ]
    items += [f'<li><a href="{href}">other</a></li>' for href in extra_links]
    return (
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="css/ai-assistant.css"></head><body>'
        f'<ul class="day-list">{"".join(items)}</ul><script src="js/app.js"></script></body></html>'
    ).encode()
