"""A deliberately misbehaving HTTP/1.1 server for fault tests, bounded in requests and time.

:class:`FaultServer` listens on 127.0.0.1 only (a random port) and answers each path with a
*scenario*: a function that writes raw bytes to the socket, so it can do what well-behaved test
servers cannot (reset a connection half-way through a body, drip one byte at a time, declare a
body of several gigabytes, stream a gzip bomb, never answer at all). Every scenario waits through
:meth:`Exchange.sleep`, which returns early when the server stops, and the server itself refuses
(with a reset) every request beyond ``max_requests`` and every request after ``lifetime``
seconds: a client that misbehaves in turn (retrying forever) cannot keep a test running.

Example::

    with FaultServer() as server:
        server.route("/feed.xml", reset_mid_body(body, after=100))
        client.get(server.url("/feed.xml"))
        assert server.hits("/feed.xml") == 4

Scenario factories (each returns a scenario):

* :func:`respond` a normal response, :func:`sequence` one scenario per successive hit;
* :func:`reset_mid_body`, :func:`slow_drip`, :func:`silent` (never answers),
  :func:`retry_after` (429/503), :func:`status` (500 storms), :func:`redirect_loop`,
  :func:`truncated`, :func:`gzip_bomb`, :func:`huge_content_length`, :func:`garbage`.

:func:`refused_url` gives a URL on which connections are refused (a bound, not listening, port).
"""

from __future__ import annotations

import contextlib
import email.utils
import http.server
import socket
import socketserver
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Scenario = Callable[["Exchange"], None]


@dataclass
class Exchange:
    """One request, as a scenario sees it: what was asked and a raw socket to answer on."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    hit: int
    """How many times this path was requested so far, this request included (1 for the first)."""
    server: FaultServer
    _handler: http.server.BaseHTTPRequestHandler = field(repr=False)

    def head(self, status: int, headers: dict[str, str] | None = None, reason: str = "") -> None:
        """Send the status line and headers (``Connection: close`` is always added)."""
        reason = reason or http.server.BaseHTTPRequestHandler.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        lines.append("Connection: close")
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def write(self, data: bytes) -> bool:
        """Send bytes; ``False`` once the client has gone away."""
        try:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()
        except OSError:
            return False
        return True

    def sleep(self, seconds: float) -> bool:
        """Wait, but wake up when the server stops; ``False`` if it did."""
        return not self.server.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP reset (RST) instead of an orderly close."""
        sock = self._handler.connection
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TCPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _dispatch(self) -> None:
        owner = self.server.owner
        self.close_connection = True
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1_000_000)) if length else b""
        path = self.path.split("?", 1)[0]
        scenario, hit = owner._admit(self.command, self.path, path)
        exchange = Exchange(
            self.command, self.path, dict(self.headers.items()), body, hit, owner, self
        )
        if scenario is None:
            exchange.reset()
            return
        # The client may hang up at any point: that is its right.
        with contextlib.suppress(OSError):
            scenario(exchange)

    do_GET = do_POST = do_HEAD = _dispatch  # noqa: N815


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FaultServer


class FaultServer:
    """A fault-injecting HTTP server on 127.0.0.1 (see the module documentation).

    Args:
        max_requests: Requests answered in all; later ones get a connection reset.
        lifetime: Seconds after start when every request gets a reset and scenarios stop waiting.
        default: Scenario for paths without a route (404 unless given).
    """

    def __init__(
        self, *, max_requests: int = 500, lifetime: float = 60.0, default: Scenario | None = None
    ) -> None:
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.default = default or respond(b"not found", status_code=404)
        self.routes: dict[str, Scenario] = {}
        self.log: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = _TCPServer(("127.0.0.1", 0), _Handler, bind_and_activate=True)
        self._server.owner = self
        self._thread: threading.Thread | None = None
        self._started = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, scenario: Scenario) -> str:
        """Answer ``path`` (without query) with ``scenario``; returns its URL."""
        self.routes[path] = scenario
        return self.url(path)

    def hits(self, path: str | None = None) -> int:
        """Requests seen for ``path`` (without query), or in all."""
        with self._lock:
            return self._counts[path] if path is not None else sum(self._counts.values())

    def start(self) -> FaultServer:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _admit(self, method: str, full_path: str, path: str) -> tuple[Scenario | None, int]:
        with self._lock:
            self.log.append((method, full_path))
            total = sum(self._counts.values())
            expired = time.monotonic() - self._started > self.lifetime
            if total >= self.max_requests or expired or self.stopping.is_set():
                return None, 0
            self._counts[path] += 1
            hit = self._counts[path]
        return self.routes.get(path, self.default), hit


@contextlib.contextmanager
def refused_url(path: str = "/") -> Iterator[str]:
    """A URL on 127.0.0.1 whose port is bound but not listening: every connect is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{path}"


# -- scenarios ---------------------------------------------------------------------------------


def respond(
    body: bytes | str,
    *,
    status_code: int = 200,
    content_type: str = "text/plain; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> Scenario:
    """A correct response with ``Content-Length``."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def scenario(ex: Exchange) -> None:
        ex.head(
            status_code,
            {"Content-Type": content_type, "Content-Length": str(len(data)), **(headers or {})},
        )
        if ex.method != "HEAD":
            ex.write(data)

    return scenario


def sequence(*scenarios: Scenario) -> Scenario:
    """The n-th hit of the path gets the n-th scenario; the last one repeats."""

    def scenario(ex: Exchange) -> None:
        scenarios[min(ex.hit, len(scenarios)) - 1](ex)

    return scenario


def reset_mid_body(body: bytes, *, after: int, content_type: str = "application/xml") -> Scenario:
    """Declare the whole body, send ``after`` bytes of it, then reset the connection."""

    def scenario(ex: Exchange) -> None:
        ex.head(200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        ex.write(body[:after])
        ex.sleep(0.05)
        ex.reset()

    return scenario


def slow_drip(
    body: bytes, *, delay: float = 0.1, chunk: int = 1, content_type: str = "application/xml"
) -> Scenario:
    """Send the body ``chunk`` bytes at a time, ``delay`` seconds apart (each gap below any
    sane read timeout, so only a deadline on the whole response stops it)."""

    def scenario(ex: Exchange) -> None:
        ex.head(200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        for start in range(0, len(body), chunk):
            if not ex.write(body[start : start + chunk]) or not ex.sleep(delay):
                return

    return scenario


def silent(*, for_seconds: float = 30.0) -> Scenario:
    """Accept the request and never answer (until the server stops)."""

    def scenario(ex: Exchange) -> None:
        ex.sleep(for_seconds)

    return scenario


def retry_after(status_code: int, value: str, *, then: Scenario | None = None) -> Scenario:
    """``status_code`` (429 or 503) with ``Retry-After: value``; later hits get ``then``."""
    first = respond(b"slow down", status_code=status_code, headers={"Retry-After": value})
    return sequence(first, then) if then is not None else first


def http_date(seconds_from_now: float) -> str:
    """An HTTP date (``Retry-After`` form) ``seconds_from_now`` in the future."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


def status(status_code: int) -> Scenario:
    """Always answer ``status_code`` (a 500 storm)."""
    return respond(f"error {status_code}".encode(), status_code=status_code)


def redirect_loop(to: str) -> Scenario:
    """Redirect (302) to ``to``; route two paths to each other for a loop."""

    def scenario(ex: Exchange) -> None:
        ex.head(302, {"Location": to, "Content-Length": "0"})

    return scenario


def truncated(body: bytes, *, keep: float = 0.5, honest: bool = True, **kw: str) -> Scenario:
    """The first part of ``body``: ``honest`` declares the short length (a complete but cut
    document, e.g. JSON that does not parse); otherwise the full length is declared and the
    connection closes early."""
    cut = body[: max(1, int(len(body) * keep))]
    content_type = kw.get("content_type", "application/json")

    def scenario(ex: Exchange) -> None:
        length = len(cut) if honest else len(body)
        ex.head(200, {"Content-Type": content_type, "Content-Length": str(length)})
        ex.write(cut)

    return scenario


def gzip_bomb(*, expanded: int = 10 * 1024**3, content_type: str = "application/json") -> Scenario:
    """A gzip body that expands to ``expanded`` bytes of zeros, compressed while it streams
    (about 1000:1), sent chunked without a length."""

    def scenario(ex: Exchange) -> None:
        ex.head(
            200,
            {
                "Content-Type": content_type,
                "Content-Encoding": "gzip",
                "Transfer-Encoding": "chunked",
            },
        )
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
        block = bytes(1024 * 1024)
        sent = 0
        while sent < expanded and not ex.server.stopping.is_set():
            data = squeeze.compress(block)
            sent += len(block)
            if data and not ex.write(b"%x\r\n%s\r\n" % (len(data), data)):
                return
        tail = squeeze.flush()
        ex.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))

    return scenario


def huge_content_length(
    *, declared: int = 5 * 1024**3, send: int = 1024 * 1024, content_type: str = "application/xml"
) -> Scenario:
    """Declare a multi-gigabyte ``Content-Length`` and start sending (``send`` bytes at most)."""

    def scenario(ex: Exchange) -> None:
        ex.head(200, {"Content-Type": content_type, "Content-Length": str(declared)})
        block = b"<" * 65536
        for _ in range(0, send, len(block)):
            if not ex.write(block):
                return
        ex.sleep(1.0)

    return scenario


def endless(*, content_type: str = "application/xml") -> Scenario:
    """A chunked body that never ends (until the client stops reading or the server stops)."""

    def scenario(ex: Exchange) -> None:
        ex.head(200, {"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        block = b"<item>" * 10_000
        while not ex.server.stopping.is_set():
            if not ex.write(b"%x\r\n%s\r\n" % (len(block), block)):
                return

    return scenario


def garbage() -> Scenario:
    """Bytes that are not HTTP at all."""

    def scenario(ex: Exchange) -> None:
        ex.write(b"\x00\xffSSH-2.0-not-http\r\n\r\n")
        ex.reset()

    return scenario


def delayed(seconds: float, scenario: Scenario) -> Scenario:
    """``scenario``, after a pause (a slow but healthy server)."""

    def delayed_scenario(ex: Exchange) -> None:
        if ex.sleep(seconds):
            scenario(ex)

    return delayed_scenario


def conditional(body: bytes, *, etag: str, content_type: str = "application/xml") -> Scenario:
    """A body with an ``ETag``; a request that sends it back in ``If-None-Match`` gets ``304``."""
    full = respond(body, content_type=content_type, headers={"ETag": etag})

    def scenario(ex: Exchange) -> None:
        if ex.headers.get("If-None-Match") == etag:
            ex.head(304, {"ETag": etag, "Content-Length": "0"})
        else:
            full(ex)

    return scenario
