"""``kehila harvest`` against a fault-injecting server, for every networked source.

Each networked source (``feed``, ``discourse``, ``csv`` from a URL, ``github``)
is pointed at the fault server, whose healthy paths serve real recorded payloads:

* the feed: ``feeds/rss-parser/content-encoded.rss`` (Medium, rbren/rss-parser, MIT);
* the forum: ``discourse/discourse_api/latest.json`` and ``discourse/discourse-solved/
  topic_23_accepted_answer_with_excerpt.json`` (MIT), one topic per list entry;
* the form export: a CSV in the shape of a Google Forms export;
* GitHub's GraphQL answer, from the github source's own recorded fixture
  (``tests/fixtures/github/answered_page1.json``, see its README.md).

One path gets the fault. The harvest must end within a bounded time (the run happens in a thread
that the test abandons, and fails, after ``LIMIT`` seconds) and memory (traced peak), with exit
status 0 (recovered) or 1 and a message naming the source and the cause, and ``content/`` must
stay valid: every file an item of the model, no id twice, ``kehila check`` passing.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from kehila.content import load_catalog

from tests.projects import check, harvest, name_all_tags, write_project
from tests.security.payloads import CSV_COLUMNS, hostile_csv, hostile_discourse, hostile_github
from tests.security.vectors import Vector

from . import faultserver as fs
from .test_http_faults import run_bounded

FEED = "feeds/rss-parser/content-encoded.rss"
LIMIT = 20.0
TOPICS = 3
TOKEN_ENV = "KEHILA_FAULT_GH_TOKEN"


def _rows(count: int, what: str) -> list[list[Vector]]:
    return [[Vector(f"{what}:{n}", f"{what.title()} {n}: it went well.")] for n in range(count)]


@dataclass
class Upstream:
    """Healthy payloads per path, the path that gets the fault, and the source to harvest."""

    pages: dict[str, tuple[bytes, str]]
    target: str
    source: Callable[[str], dict]
    healthy_items: int


def feed_upstream(corpus: Path) -> Upstream:
    body = (corpus / FEED).read_bytes()
    return Upstream(
        {"/feed.xml": (body, "application/rss+xml")},
        "/feed.xml",
        lambda base: {"name": "blog", "type": "feed", "url": base + "/feed.xml"},
        7,
    )


def forum_upstream(corpus: Path, target: str) -> Upstream:
    pages = {
        path: (body, "application/json")
        for path, body in hostile_discourse(corpus, _rows(TOPICS, "topic")).items()
    }
    return Upstream(
        pages, target, lambda base: {"name": "forum", "type": "discourse", "url": base}, TOPICS
    )


def form_upstream(corpus: Path) -> Upstream:
    body = hostile_csv(_rows(4, "reviewer"))
    return Upstream(
        {"/export.csv": (body, "text/csv; charset=utf-8")},
        "/export.csv",
        lambda base: {
            "name": "form",
            "type": "csv",
            "url": base + "/export.csv",
            "columns": CSV_COLUMNS,
        },
        4,
    )


def github_upstream(corpus: Path) -> Upstream:
    body = hostile_github(_rows(TOPICS, "discussion"))
    return Upstream(
        {"/api/graphql": (body, "application/json")},
        "/api/graphql",
        lambda base: {
            "name": "gh",
            "type": "github",
            "repo": "Codertocat/Hello-World",
            "api_url": base + "/api/graphql",
            "token_env": TOKEN_ENV,
        },
        TOPICS,
    )


UPSTREAMS: dict[str, Callable[[Path], Upstream]] = {
    "feed": feed_upstream,
    "discourse list": lambda corpus: forum_upstream(corpus, "/latest.json"),
    "discourse topic": lambda corpus: forum_upstream(corpus, "/t/1002.json"),
    "csv url": form_upstream,
    "github graphql": github_upstream,
}


@dataclass
class Fault:
    name: str
    make: Callable[[bytes, str, str], fs.Scenario]
    """(healthy body, content type, base URL) -> the scenario for the target path."""
    recovers: bool
    reason: str
    """Regex the failure message must match (when it does not recover)."""
    partial_ok: bool = False
    """The source may harvest what it could read (with a warning) instead of failing."""


FAULTS = [
    Fault(
        "reset mid-body",
        lambda body, ct, base: fs.reset_mid_body(body, after=len(body) // 3, content_type=ct),
        False,
        r"network error",
    ),
    Fault(
        "reset once, then fine",
        lambda body, ct, base: fs.sequence(
            fs.reset_mid_body(body, after=len(body) // 3, content_type=ct),
            fs.respond(body, content_type=ct),
        ),
        True,
        "",
    ),
    Fault("no answer", lambda body, ct, base: fs.silent(), False, r"timed out"),
    Fault(
        "slow drip",
        lambda body, ct, base: fs.slow_drip(body, delay=0.1, chunk=16, content_type=ct),
        False,
        r"took longer than 1.5s",
    ),
    Fault(
        "429 Retry-After 1, then fine",
        lambda body, ct, base: fs.retry_after(429, "1", then=fs.respond(body, content_type=ct)),
        True,
        "",
    ),
    Fault(
        "503 Retry-After a day",
        lambda body, ct, base: fs.retry_after(503, fs.http_date(86_400)),
        False,
        r"retry after [\d.]+s",
    ),
    Fault("500 storm", lambda body, ct, base: fs.status(500), False, r"HTTP 500"),
    Fault(
        "redirect loop",
        lambda body, ct, base: fs.redirect_loop(base + "/loop"),
        False,
        r"redirect",
    ),
    Fault(
        "truncated body",
        lambda body, ct, base: fs.truncated(body, keep=0.5, content_type=ct),
        False,
        r"JSON|pars|XML|feed|column|record|row|not well-formed|syntax",
        partial_ok=True,
    ),
    Fault(
        "gzip bomb",
        lambda body, ct, base: fs.gzip_bomb(content_type=ct),
        False,
        r"exceeds the limit",
    ),
    Fault(
        "5 GB Content-Length",
        lambda body, ct, base: fs.huge_content_length(content_type=ct),
        False,
        r"exceeds the limit",
    ),
    Fault("not HTTP", lambda body, ct, base: fs.garbage(), False, r"network error"),
]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("upstream_name", list(UPSTREAMS))
def test_harvest_survives(
    upstream_name: str, fault: Fault, corpus: Path, tmp_path: Path, proof, monkeypatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "t0ken")
    upstream = UPSTREAMS[upstream_name](corpus)
    with fs.FaultServer(max_requests=200, lifetime=LIMIT + 10) as server:
        for path, (body, content_type) in upstream.pages.items():
            server.route(path, fs.respond(body, content_type=content_type))
        body, content_type = upstream.pages[upstream.target]
        server.route(upstream.target, fault.make(body, content_type, server.base_url))
        server.route("/loop", fs.redirect_loop(server.url(upstream.target)))
        source = upstream.source(server.base_url)
        write_project(tmp_path, [source])
        args = ("--timeout", "0.5", "--retries", "1", "--max-bytes", str(2 * 1024 * 1024))
        args += ("--deadline", "1.5")
        tracemalloc.start()
        try:
            result = run_bounded(lambda: harvest(tmp_path, *args), LIMIT)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # Bounded memory whatever the server claims or sends (a 2 MB limit, bombs of gigabytes).
    assert peak < 64 * 1024 * 1024, f"peak memory {peak} bytes"

    output = _flat(result.output)
    catalog = load_catalog(tmp_path / "content")
    assert catalog.errors == [], "content/ is no longer valid"
    name_all_tags(tmp_path / "content")
    checked = check(tmp_path / "content")
    assert checked.exit_code == 0, checked.output
    if fault.recovers:
        assert result.exit_code == 0, result.output
        assert len(catalog.items) == upstream.healthy_items
    elif result.exit_code == 0:
        # Only a partial answer may still be harvested in part (feedparser reads what parsed,
        # a forum skips the one topic it could not fetch), and never silently.
        assert fault.partial_ok or upstream_name == "discourse topic", result.output
        assert len(catalog.items) < upstream.healthy_items
        assert re.search(r"warning|skipped", output), result.output
    else:
        assert result.exit_code == 1, result.output
        assert f"source '{source['name']}'" in output, result.output
        assert re.search(fault.reason, output, re.IGNORECASE), result.output
    proof("fault scenarios", 1)
