"""The shared HTTP client against a real local server (pytest-httpserver).

The feed served is a real capture: ``feeds/rss-parser/content-encoded.rss`` (a Medium
publication feed recorded by the rss-parser project, rbren/rss-parser, MIT; see SOURCES.md).
"""

from __future__ import annotations

import gzip
import json
import socket
import time
from pathlib import Path

import pytest
from kehila.harvest.http import FetchError, HttpClient, HttpResponse, NotModified
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FEED = "feeds/rss-parser/content-encoded.rss"


def _client(tmp_path: Path, **kwargs) -> HttpClient:
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("timeout", 2.0)
    return HttpClient(state_path=tmp_path / "content/.kehila/http-state.json", **kwargs)


def test_conditional_get_costs_one_304_once_committed(
    httpserver: HTTPServer, corpus: Path, tmp_path: Path
) -> None:
    body = (corpus / FEED).read_bytes()
    seen: list[dict[str, str | None]] = []

    def handler(request: Request) -> Response:
        seen.append(
            {
                "inm": request.headers.get("If-None-Match"),
                "ims": request.headers.get("If-Modified-Since"),
                "ua": request.headers.get("User-Agent"),
            }
        )
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            body,
            content_type="application/rss+xml; charset=utf-8",
            headers={"ETag": '"v1"', "Last-Modified": "Tue, 04 Mar 2025 10:00:00 GMT"},
        )

    httpserver.expect_request("/feed").respond_with_handler(handler)
    url = httpserver.url_for("/feed")

    first = _client(tmp_path)
    response = first.get(url, conditional=True)
    assert isinstance(response, HttpResponse)
    assert response.content == body
    assert response.encoding == "utf-8"
    assert seen[0]["inm"] is None
    assert seen[0]["ua"].startswith("kehila/")
    # Not committed yet: a killed run must not remember the ETag.
    assert not (tmp_path / "content/.kehila/http-state.json").exists()
    first.commit()
    state = json.loads((tmp_path / "content/.kehila/http-state.json").read_text())
    assert state[url] == {"etag": '"v1"', "last_modified": "Tue, 04 Mar 2025 10:00:00 GMT"}
    first.close()

    # A later run (a new client) costs one request, answered 304.
    second = _client(tmp_path)
    assert second.get(url, conditional=True) is NotModified
    assert second.requests_made == 1
    assert seen[1]["inm"] == '"v1"'
    assert seen[1]["ims"] == "Tue, 04 Mar 2025 10:00:00 GMT"
    # Unconditional requests ignore the remembered validators.
    assert isinstance(second.get(url), HttpResponse)
    assert seen[2]["inm"] is None


def test_discarded_validators_are_not_sent(
    httpserver: HTTPServer, corpus: Path, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        (corpus / FEED).read_bytes(), headers={"ETag": '"v1"'}
    )
    url = httpserver.url_for("/feed")
    client = _client(tmp_path)
    client.get(url, conditional=True)
    client.discard()
    client.commit()
    assert not (tmp_path / "content/.kehila/http-state.json").exists()
    client.get(url, conditional=True)
    assert httpserver.log[-1][0].headers.get("If-None-Match") is None


def test_429_waits_for_retry_after(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_ordered_request("/api").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/api").respond_with_json({"ok": True})
    waits: list[tuple[float, str]] = []
    client = _client(tmp_path, on_retry=lambda url, secs, why: waits.append((secs, why)))
    started = time.monotonic()
    response = client.get(httpserver.url_for("/api"))
    elapsed = time.monotonic() - started
    assert isinstance(response, HttpResponse)
    assert response.json() == {"ok": True}
    assert waits == [(1.0, "HTTP 429 TOO MANY REQUESTS")]
    assert elapsed >= 1.0
    httpserver.check_assertions()


def test_403_with_retry_after_is_a_rate_limit(httpserver: HTTPServer, tmp_path: Path) -> None:
    # GitHub's secondary rate limit: 403 with Retry-After (docs: "Rate limits for the REST API").
    httpserver.expect_ordered_request("/graphql", method="POST").respond_with_data(
        "secondary rate limit", status=403, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/graphql", method="POST").respond_with_json({"data": {}})
    waits: list[tuple[float, str]] = []
    client = _client(tmp_path, on_retry=lambda url, secs, why: waits.append((secs, why)))
    response = client.post_json(httpserver.url_for("/graphql"), {"query": "{ viewer { login } }"})
    assert response.json() == {"data": {}}
    assert waits == [(1.0, "HTTP 403 FORBIDDEN")]
    httpserver.check_assertions()


def test_403_without_retry_after_is_final(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/private").respond_with_data("no", status=403)
    with pytest.raises(FetchError, match="HTTP 403 FORBIDDEN"):
        _client(tmp_path).get(httpserver.url_for("/private"))
    assert len(httpserver.log) == 1


def test_retry_after_above_cap_fails_clearly(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/api").respond_with_data(
        "", status=503, headers={"Retry-After": "3600"}
    )
    client = _client(tmp_path, retry_after_cap=5)
    with pytest.raises(FetchError) as info:
        client.get(httpserver.url_for("/api"))
    assert info.value.url == httpserver.url_for("/api")
    assert "retry after 3600s" in str(info.value)
    assert "5s" in str(info.value)
    assert len(httpserver.log) == 1


def test_500_then_success(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/x").respond_with_data("fine")
    waits: list[float] = []
    client = _client(tmp_path, backoff=0.05, on_retry=lambda u, s, r: waits.append(s))
    response = client.get(httpserver.url_for("/x"))
    assert isinstance(response, HttpResponse) and response.text == "fine"
    assert waits == [0.05]
    assert client.requests_made == 2


def test_persistent_500_gives_up_with_exponential_backoff(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/x").respond_with_data("boom", status=502)
    waits: list[float] = []
    client = _client(tmp_path, retries=3, backoff=0.01, on_retry=lambda u, s, r: waits.append(s))
    with pytest.raises(FetchError, match=r"HTTP 502 BAD GATEWAY \(4 attempts\)"):
        client.get(httpserver.url_for("/x"))
    assert waits == [0.01, 0.02, 0.04]


def test_404_is_not_retried(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    client = _client(tmp_path)
    with pytest.raises(FetchError, match="HTTP 404 NOT FOUND") as info:
        client.get(httpserver.url_for("/gone"))
    assert str(info.value).startswith(httpserver.url_for("/gone"))
    assert len(httpserver.log) == 1


def test_timeout(httpserver: HTTPServer, tmp_path: Path) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    client = _client(tmp_path, timeout=0.2, retries=1)
    with pytest.raises(FetchError, match=r"timed out after 0.2s \(2 attempts\)"):
        client.get(httpserver.url_for("/slow"))


def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    client = _client(tmp_path, retries=2)
    with pytest.raises(FetchError, match=r"network error: .*\(3 attempts\)"):
        client.get(f"http://127.0.0.1:{port}/feed")
    assert client.requests_made == 3


def test_declared_oversized_response_is_refused(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    client = _client(tmp_path, max_bytes=1000)
    with pytest.raises(FetchError, match="5000 bytes exceeds the limit of 1000 bytes"):
        client.get(httpserver.url_for("/big"))


def test_streamed_oversized_response_is_refused(httpserver: HTTPServer, tmp_path: Path) -> None:
    def chunks(request: Request) -> Response:
        # A generator body is sent chunked, without Content-Length.
        return Response((b"y" * 512 for _ in range(20)), content_type="text/plain")

    httpserver.expect_request("/stream").respond_with_handler(chunks)
    client = _client(tmp_path, max_bytes=4096)
    with pytest.raises(FetchError, match="exceeds the limit of 4096 bytes"):
        client.get(httpserver.url_for("/stream"))


def test_decompressed_size_counts(httpserver: HTTPServer, tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * 200_000)
    assert len(bomb) < 4096
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    client = _client(tmp_path, max_bytes=4096)
    with pytest.raises(FetchError, match="exceeds the limit of 4096 bytes"):
        client.get(httpserver.url_for("/bomb"))


def test_post_json(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(
        "/graphql", method="POST", json={"query": "{ viewer { login } }"}
    ).respond_with_json({"data": {"viewer": {"login": "octocat"}}})
    client = _client(tmp_path)
    response = client.post_json(
        httpserver.url_for("/graphql"),
        {"query": "{ viewer { login } }"},
        headers={"Authorization": "bearer t"},
    )
    assert response.json()["data"]["viewer"]["login"] == "octocat"
    assert httpserver.log[0][0].headers["Authorization"] == "bearer t"


def test_only_http_urls(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="only http:// and https://"):
        _client(tmp_path).get("file:///etc/passwd")


def test_validators_dropped_when_the_server_stops_sending_them(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data("v1", headers={"ETag": '"1"'})
    httpserver.expect_ordered_request("/feed").respond_with_data("v2")
    url = httpserver.url_for("/feed")
    client = _client(tmp_path)
    client.get(url, conditional=True)
    client.commit()
    client.get(url, conditional=True)
    assert httpserver.log[-1][0].headers.get("If-None-Match") == '"1"'
    client.commit()
    state = json.loads((tmp_path / "content/.kehila/http-state.json").read_text())
    assert url not in state
