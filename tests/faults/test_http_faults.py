"""The shared HTTP client against every fault the fault server can inject.

Each case names a fault, how the client is configured, and what must happen: success, or a
:class:`FetchError` whose message names the URL and the cause, after a bounded number of requests,
within a bounded time and (for the size attacks) a bounded amount of memory.

The feed body is a real capture: ``feeds/rss-parser/content-encoded.rss`` (a Medium publication
feed recorded by the rss-parser project, rbren/rss-parser, MIT; see SOURCES.md). The JSON body is
``discourse/discourse_api/latest.json`` (discourse/discourse_api, MIT).
"""

from __future__ import annotations

import json
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from kehila.harvest.http import FetchError, HttpClient, HttpResponse

from . import faultserver as fs

FEED = "feeds/rss-parser/content-encoded.rss"
JSON = "discourse/discourse_api/latest.json"


def run_bounded(fn: Callable[[], object], seconds: float) -> object:
    """Run ``fn`` in a thread; fail the test (instead of hanging CI) if it takes longer."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds:g}s: the client is not bounded in time")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


@dataclass
class Case:
    name: str
    setup: Callable[[fs.FaultServer, bytes, bytes], str]
    """Route the fault; returns the URL to fetch. Gets the server, the feed and the JSON bodies."""
    error: str | None
    """Regex the FetchError must match, or None when the fetch must succeed."""
    max_hits: int
    seconds: float
    json: bool = False
    client: dict[str, float] | None = None


def _loop(server: fs.FaultServer, feed: bytes, data: bytes) -> str:
    server.route("/a", fs.redirect_loop(server.url("/b")))
    server.route("/b", fs.redirect_loop(server.url("/a")))
    return server.url("/a")


CASES = [
    Case(
        "reset mid-body, every time",
        lambda s, feed, data: s.route("/f", fs.reset_mid_body(feed, after=1000)),
        r"network error: .*\(3 attempts\)",
        max_hits=3,
        seconds=5,
    ),
    Case(
        "reset mid-body once, then fine",
        lambda s, feed, data: s.route(
            "/f", fs.sequence(fs.reset_mid_body(feed, after=1000), fs.respond(feed))
        ),
        None,
        max_hits=2,
        seconds=5,
    ),
    Case(
        "slow drip (each byte under the read timeout)",
        lambda s, feed, data: s.route("/f", fs.slow_drip(feed, delay=0.1, chunk=8)),
        r"took longer than 1.5s",
        max_hits=1,
        seconds=6,
        client={"deadline": 1.5},
    ),
    Case(
        "no answer at all (timeout)",
        lambda s, feed, data: s.route("/f", fs.silent()),
        r"timed out after 0.3s \(3 attempts\)",
        max_hits=3,
        seconds=5,
    ),
    Case(
        "429 with Retry-After seconds, then fine",
        lambda s, feed, data: s.route("/f", fs.retry_after(429, "1", then=fs.respond(feed))),
        None,
        max_hits=2,
        seconds=5,
    ),
    Case(
        "503 with Retry-After as an HTTP date, then fine",
        lambda s, feed, data: s.route(
            "/f", fs.retry_after(503, fs.http_date(1), then=fs.respond(feed))
        ),
        None,
        max_hits=2,
        seconds=5,
    ),
    Case(
        "429 asking for an hour",
        lambda s, feed, data: s.route("/f", fs.retry_after(429, "3600")),
        r"retry after 3600s, longer than the 5s",
        max_hits=1,
        seconds=3,
        client={"retry_after_cap": 5},
    ),
    Case(
        "500 storm",
        lambda s, feed, data: s.route("/f", fs.status(500)),
        r"HTTP 500 Internal Server Error \(3 attempts\)",
        max_hits=3,
        seconds=5,
    ),
    Case(
        "502 storm that ends",
        lambda s, feed, data: s.route(
            "/f", fs.sequence(fs.status(502), fs.status(502), fs.respond(feed))
        ),
        None,
        max_hits=3,
        seconds=5,
    ),
    Case("redirect loop", _loop, r"TooManyRedirects", max_hits=25, seconds=5),
    Case(
        "truncated JSON (honest length)",
        lambda s, feed, data: s.route("/j", fs.truncated(data, keep=0.6)),
        r"response is not valid JSON",
        max_hits=1,
        seconds=3,
        json=True,
    ),
    Case(
        "truncated body (connection closed before Content-Length)",
        lambda s, feed, data: s.route("/j", fs.truncated(data, keep=0.6, honest=False)),
        r"network error: peer closed connection .*\(3 attempts\)",
        max_hits=3,
        seconds=5,
        json=True,
    ),
    Case(
        "gzip bomb (10 GB of zeros)",
        lambda s, feed, data: s.route("/j", fs.gzip_bomb()),
        r"exceeds the limit of 4194304 bytes \(read so far\)",
        max_hits=1,
        seconds=10,
        client={"max_bytes": 4 * 1024 * 1024},
    ),
    Case(
        "5 GB Content-Length",
        lambda s, feed, data: s.route("/f", fs.huge_content_length()),
        r"response of 5368709120 bytes exceeds the limit",
        max_hits=1,
        seconds=3,
    ),
    Case(
        "endless chunked body",
        lambda s, feed, data: s.route("/f", fs.endless()),
        r"exceeds the limit of 4194304 bytes",
        max_hits=1,
        seconds=10,
        client={"max_bytes": 4 * 1024 * 1024},
    ),
    Case(
        "not HTTP at all",
        lambda s, feed, data: s.route("/f", fs.garbage()),
        r"network error: .*\(3 attempts\)",
        max_hits=3,
        seconds=5,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_client_survives(case: Case, corpus: Path, tmp_path: Path, proof) -> None:
    feed = (corpus / FEED).read_bytes()
    data = (corpus / JSON).read_bytes()
    settings = {"timeout": 0.3, "backoff": 0.01, "retries": 2, **(case.client or {})}
    with fs.FaultServer(max_requests=60, lifetime=30) as server:
        url = case.setup(server, feed, data)
        client = HttpClient(state_path=tmp_path / "http-state.json", **settings)

        def fetch() -> object:
            response = client.get(url)
            assert isinstance(response, HttpResponse)
            return response.json() if case.json else response

        tracemalloc.start()
        started = time.monotonic()
        try:
            if case.error is None:
                result = run_bounded(fetch, case.seconds)
                assert isinstance(result, HttpResponse) and result.content == feed
            else:
                with pytest.raises(FetchError, match=case.error) as info:
                    run_bounded(fetch, case.seconds)
                assert info.value.url == url
                assert str(info.value).startswith(url)
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            client.close()
        elapsed = time.monotonic() - started
        assert elapsed < case.seconds
        assert 1 <= server.hits() <= case.max_hits
        # Nothing is ever held much beyond the size limit, whatever the server claims or sends.
        assert peak < 3 * client.max_bytes + 2_000_000, f"peak memory {peak} bytes"
    proof("fault scenarios", 1)


def test_connection_refused(tmp_path: Path, proof) -> None:
    with fs.refused_url("/feed.xml") as url:
        client = HttpClient(timeout=0.3, backoff=0.01, retries=2)
        with pytest.raises(FetchError, match=r"network error: .*\(3 attempts\)") as info:
            run_bounded(lambda: client.get(url), 5)
        assert info.value.url == url
        assert client.requests_made == 3
    proof("fault scenarios", 1)


def test_fault_server_is_bounded() -> None:
    """The server itself cannot be made to serve forever: it resets requests past its budget."""
    with fs.FaultServer(max_requests=3, lifetime=30) as server:
        url = server.route("/ok", fs.respond(b"fine"))
        client = HttpClient(timeout=0.3, backoff=0.01, retries=0)
        for _ in range(3):
            assert client.get(url).content == b"fine"  # type: ignore[union-attr]
        with pytest.raises(FetchError, match="network error"):
            client.get(url)
        assert server.hits() == 3
        assert json.loads(json.dumps(server.log))[-1] == ["GET", "/ok"]
        assert server.base_url.startswith("http://127.0.0.1:")
