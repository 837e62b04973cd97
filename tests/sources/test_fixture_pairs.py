"""Fixture pairs: each networked source on its platform's current and oldest supported format.

Every input under ``tests/sources/fixtures/<source>/`` (a file named ``<case>.<ext>``, one dot)
is served by a real local HTTP server as the platform serves it, harvested by the source and
written by the real store; the items' Markdown must equal ``<case>.expected.md`` beside it.
Sidecars of a case have two dots (``<case>.posts.json``). A new case needs no new Python; a case
without its expectation fails naming the missing file (run with ``KEHILA_WRITE_EXPECTED=1`` to
write it, then read it before committing: the test still fails that run).

The server's address is written as ``https://forum.example.org`` in the expectations (and its
``host:port`` as ``forum.example.org``), and digests as ``<digest>``, since both change per run.

Where each format comes from (the fixtures are written by this project, field by field from
the platform's published serialisers, never captured):

* ``discourse/``: the topic view JSON (``/t/<id>.json``) of ``TopicViewSerializer`` with posts of
  ``PostSerializer``; ``current-*`` follow discourse/discourse ``plugins/discourse-solved``
  (the solved feature in core): ``TopicViewSerializerExtension`` adds ``accepted_answers``,
  built by ``AcceptedAnswersHelper`` (posts sorted by creation) from
  ``AcceptedAnswerSerializer < PostAccordionItemSerializer < BasicPostSerializer`` (``id``,
  ``name``, ``username``, ``avatar_template``, ``created_at``, ``cooked`` only when
  ``solved_quote_length`` > 0, ``post_number``, ``topic_id``, ``url``, ``accepter_name`` /
  ``accepter_username`` with ``show_who_marked_solved``), as pinned by
  ``spec/lib/accepted_answers_helper_spec.rb``; posts carry ``accepted_answer`` and
  ``topic_accepted_answer`` (``plugin.rb``). ``oldest-topic`` is the discourse-solved plugin's
  shape before that (``accepted_answer: {post_number, username, excerpt}``, no accepter), and
  ``post-marked-topic`` has only the posts' own ``accepted_answer: true``.
* ``feed/``: ``current-rss`` is RSS 2.0 as Substack writes it today (CDATA everywhere,
  ``dc:creator``, ``content:encoded`` with its captioned images, subscription form and script,
  ``atom:link rel=self``, ``guid isPermaLink="false"``); ``oldest-rss091`` is RSS 0.91 after
  Netscape's DTD (a DOCTYPE, ISO-8859-1, no guid, no dates on items, ``lastBuildDate`` on the
  channel).
* ``github/``: answers to the source's discussions query, following the GitHub GraphQL reference
  (``Repository.discussions``, ``Discussion``, ``DiscussionComment``, ``DiscussionCategory``,
  ``PageInfo``): ``current-discussion`` as github.com renders bodies today (``dir="auto"``
  paragraphs, task lists, user-mention links, ``markdown-accessiblity-table``, ``g-emoji``,
  ``D_``/``DC_`` node ids); ``oldest-discussion`` as the 2020 Discussions beta left old threads
  (legacy base64 node ids, no ``answerChosenAt``/``answerChosenBy``, an answer by a deleted
  account, plain bodies).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kehila.harvest.http import HttpClient
from kehila.harvest.sources.base import HarvestContext
from kehila.harvest.sources.discourse import DiscourseSource
from kehila.harvest.sources.feed import FeedSource
from kehila.harvest.sources.github import GitHubSource
from kehila.harvest.store import ItemStore
from kehila.model import Item
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC_BASE = "https://forum.example.org"
PUBLIC_HOST = "forum.example.org"
#: The harvest's clock, so that ``source.harvested`` is the same on every run.
NOW = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)


def _cases() -> list[Path]:
    return sorted(
        p
        for p in FIXTURES.glob("*/*")
        if p.is_file() and p.name.count(".") == 1 and not p.name.endswith(".md")
    )


def _context(tmp_path: Path) -> HarvestContext:
    return HarvestContext(
        project_dir=tmp_path,
        state_dir=tmp_path / "state",
        http=HttpClient(backoff=0.01, retries=0, timeout=5),
        now=NOW,
        warn=lambda message: None,
    )


def _json_route(data: Any) -> Callable[[Request], Response]:
    return lambda request: Response(json.dumps(data), content_type="application/json")


def _discourse(case: Path, httpserver: HTTPServer, tmp_path: Path) -> list[Any]:
    """One topic, listed as solved in ``/latest.json``; ``<case>.posts.json`` answers posts.json."""
    topic = json.loads(case.read_text(encoding="utf-8"))
    routes = {
        "/latest.json": _json_route(
            {
                "topic_list": {
                    "topics": [
                        {"id": topic["id"], "slug": topic["slug"], "has_accepted_answer": True}
                    ]
                }
            }
        ),  # fmt: skip
        f"/t/{topic['id']}.json": _json_route(topic),
    }
    posts = case.with_suffix(".posts.json")
    if posts.exists():
        routes[f"/t/{topic['id']}/posts.json"] = _json_route(json.loads(posts.read_text("utf-8")))
    for path, handler in routes.items():
        httpserver.expect_request(path).respond_with_handler(handler)
    url = httpserver.url_for("/").rstrip("/")
    source = DiscourseSource("forum", {"url": url, "max_answers": 2}, _context(tmp_path))
    return list(source.items())


def _feed(case: Path, httpserver: HTTPServer, tmp_path: Path) -> list[Any]:
    """The feed as its server sends it (the type by its root element)."""
    body = case.read_bytes()
    kind = "atom" if b"<feed" in body[:600] else "rss"
    httpserver.expect_request("/feed").respond_with_data(
        body, content_type=f"application/{kind}+xml"
    )
    return list(
        FeedSource("stories", {"url": httpserver.url_for("/feed")}, _context(tmp_path)).items()
    )


def _github(case: Path, httpserver: HTTPServer, tmp_path: Path) -> list[Any]:
    """The GraphQL endpoint answering the discussions query with the case (one page)."""
    body = case.read_bytes()
    httpserver.expect_request("/api/graphql", method="POST").respond_with_data(
        body, content_type="application/json"
    )
    os.environ.setdefault("KEHILA_FIXTURE_GH_TOKEN", "t0ken")
    options = {
        "repo": "tavla/tavla",
        "api_url": httpserver.url_for("/api/graphql"),
        "token_env": "KEHILA_FIXTURE_GH_TOKEN",
        "max_answers": 2,
    }
    return list(GitHubSource("gh", options, _context(tmp_path)).items())


RUNNERS: dict[str, Callable[[Path, HTTPServer, Path], list[Any]]] = {
    "discourse": _discourse,
    "feed": _feed,
    "github": _github,
}


def _written(found: list[Any], tmp_path: Path, base: str) -> str:
    """The found items as the store writes them, in order, with the run's address made public."""
    store = ItemStore(tmp_path / "content")
    texts = []
    for item in found:
        assert isinstance(item, Item), f"expected an item, got {item!r}"
        result = store.put(item)
        assert result.path is not None, result
        texts.append(result.path.read_text(encoding="utf-8"))
    text = "\n".join(texts)
    host = base.split("//", 1)[1]
    text = text.replace(base, PUBLIC_BASE).replace(host, PUBLIC_HOST)
    return re.sub(r"sha256:[0-9a-f]{64}", "<digest>", text)


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_pair(case: Path, httpserver: HTTPServer, tmp_path: Path) -> None:
    runner = RUNNERS[case.parent.name]
    found = runner(case, httpserver, tmp_path)
    written = _written(found, tmp_path, httpserver.url_for("/").rstrip("/"))
    expected = case.with_name(case.stem + ".expected.md")
    if not expected.exists():
        if os.environ.get("KEHILA_WRITE_EXPECTED"):
            expected.write_text(written, encoding="utf-8")
        pytest.fail(f"{expected.relative_to(FIXTURES.parent)} does not exist")
    assert written == expected.read_text(encoding="utf-8")


def test_every_fixture_folder_has_a_runner() -> None:
    folders = {p.parent.name for p in _cases()}
    assert folders <= set(RUNNERS), f"fixture folders without a runner: {folders - set(RUNNERS)}"
    assert folders == {"discourse", "feed", "github"}
    for folder in folders:
        names = {p.name.split("-", 1)[0] for p in _cases() if p.parent.name == folder}
        assert names >= {"current", "oldest"}, f"{folder}: a current and an oldest case"


@pytest.mark.parametrize(
    ("case", "requests"),
    [
        # cooked left out (solved_quote_length 0), the second solution beyond the first chunk:
        # fetched by its id, first in the request.
        ("current-topic.json", ["/t/4021/posts.json?post_ids[]=9031&post_ids[]=9026"]),
        # cooked given: the accepted entry itself is the post, nothing more is fetched.
        ("current-quoted-topic.json", []),
    ],
)
def test_discourse_fetches_only_what_the_topic_lacks(
    case: str, requests: list[str], httpserver: HTTPServer, tmp_path: Path
) -> None:
    _discourse(FIXTURES / "discourse" / case, httpserver, tmp_path)
    asked = [r.full_path for r, _ in httpserver.log if "/posts.json" in r.path]
    assert [a[: len(r)] for a, r in zip(asked, requests, strict=True)] == requests
