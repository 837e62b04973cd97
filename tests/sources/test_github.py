"""The ``github`` source against a real local GraphQL endpoint (pytest-httpserver).

The endpoint answers with the responses in ``tests/fixtures/github/``: hand-recorded in the shape
the GitHub GraphQL documentation gives, with the values of the octokit/webhooks payloads of the
shared corpus where they describe the same discussion (see that folder's README.md).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kehila.harvest.http import HttpClient
from kehila.harvest.sources.base import ConfigError, HarvestContext, HarvestError
from kehila.harvest.sources.github import GitHubSource
from kehila.harvest.store import ItemStore
from kehila.model import Item
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from . import split

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
REPO = "Codertocat/Hello-World"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class GraphQL:
    """A GraphQL endpoint: picks the recorded response by query and cursor; logs every call."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.calls: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.times: list[float] = []
        self.override: list[Callable[[], Response]] = []
        """Responses to give first, made when the request arrives (so clocks are current)."""
        self.url = httpserver.url_for("/api/graphql")
        httpserver.expect_request("/api/graphql", method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        payload = json.loads(request.get_data())
        self.calls.append(payload)
        self.headers.append(dict(request.headers))
        self.times.append(time.monotonic())
        if self.override:
            return self.override.pop(0)()
        if request.headers.get("Authorization") != "bearer t0ken":
            return Response(json.dumps({"message": "Bad credentials"}), status=401)
        variables = payload["variables"]
        if "discussionCategories" in payload["query"]:
            body = _fixture("categories.json")
        elif variables["name"] != "Hello-World":
            body = _fixture("not_found.json")
        elif variables["categoryId"] == "DIC_kwDOCHMCd84CAAAB":
            body = _fixture("show_and_tell.json")
        elif variables["after"] is None:
            body = _fixture("answered_page1.json")
        elif (
            variables["after"]
            == _fixture("answered_page1.json")["data"]["repository"]["discussions"]["pageInfo"][
                "endCursor"
            ]
        ):
            body = _fixture("answered_page2.json")
        else:
            return Response("unknown cursor", status=400)
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def api(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> GraphQL:
    monkeypatch.setenv("KEHILA_TEST_GH_TOKEN", "t0ken")
    return GraphQL(httpserver)


def _source(api: GraphQL, tmp_path: Path, **options: Any) -> GitHubSource:
    options = {"repo": REPO, "api_url": api.url, "token_env": "KEHILA_TEST_GH_TOKEN", **options}
    context = HarvestContext(
        project_dir=tmp_path,
        state_dir=tmp_path / "state",
        http=HttpClient(backoff=0.01, timeout=5),
        warn=lambda message: None,
    )
    return GitHubSource("gh", options, context)


def test_answered_discussions_every_page(api: GraphQL, tmp_path: Path) -> None:
    items, skipped = split(list(_source(api, tmp_path, max_answers=2).items()))
    assert set(items) == {f"github:{REPO}:{n}" for n in (4, 5, 7)}
    assert skipped == {
        f"https://github.com/{REPO}/discussions/6": "not answered (no chosen answer)"
    }
    # Pagination: two requests, the second after the first page's endCursor; answered only.
    assert [c["variables"]["after"] for c in api.calls] == [
        None,
        _fixture("answered_page1.json")["data"]["repository"]["discussions"]["pageInfo"][
            "endCursor"
        ],
    ]
    assert all(c["variables"]["answered"] is True for c in api.calls)
    assert "answerChosenAt" in api.calls[0]["query"] and "isAnswerable" in api.calls[0]["query"]
    assert api.headers[0]["Authorization"] == "bearer t0ken"

    # Discussion 4: the values of the real webhook payload.
    four = items[f"github:{REPO}:4"]
    assert four.kind == "qa" and four.status == "pending" and four.title == "TEST edit"
    assert four.body == "TEST edit" and four.author.name == "Codertocat"
    accepted = four.answers[0]
    assert accepted.accepted and accepted.body == "Poggers" and accepted.author.name == "dan2wik"
    assert accepted.url == f"https://github.com/{REPO}/discussions/4#discussioncomment-550561"
    assert accepted.author.url == "https://github.com/dan2wik"
    # The answer is not repeated among the other comments.
    assert [(a.body, a.accepted) for a in four.answers[1:]] == [("ANSWER", False)]
    assert four.source.extra["answer_chosen_at"] == "2021-03-30T23:17:18Z"
    assert four.source.extra["accepted_by"] == "Codertocat"

    # Discussion 5: accepted first, then the others by upvotes (max_answers: 2); a deleted
    # user's comment is by "ghost" without a profile link.
    five = items[f"github:{REPO}:5"]
    assert [(a.author.name, a.accepted, a.score) for a in five.answers] == [
        ("monalisa", True, 4),
        ("ghost", False, 9),
        ("Codertocat", False, 2),
    ]
    assert five.answers[1].author.url is None
    assert five.tags == ["testing", "question"]
    assert five.body == "The test suite downloads fixtures. Is there a way to run it **offline**?"
    assert "`HTTP_PROXY`" in five.answers[0].body


def test_category_by_name_must_be_answerable(api: GraphQL, tmp_path: Path) -> None:
    with pytest.raises(HarvestError, match="category 'General' .* is not answerable"):
        list(_source(api, tmp_path, category="General").items())
    with pytest.raises(HarvestError, match=r"has no discussion category 'Ideas' \(has: General"):
        list(_source(api, tmp_path, category="Ideas").items())
    api.calls.clear()
    items, _ = split(list(_source(api, tmp_path, category="q-a").items()))
    assert api.calls[1]["variables"]["categoryId"] == "DIC_kwDOCHMCd84CAAAA"
    assert len(items) == 3


def test_show_and_tell_gives_stories(api: GraphQL, tmp_path: Path) -> None:
    source = _source(api, tmp_path, kind="story", category="Show and tell")
    items, skipped = split(list(source.items()))
    assert not skipped
    assert api.calls[1]["variables"]["answered"] is None
    eight, nine = items[f"github:{REPO}:8"], items[f"github:{REPO}:9"]
    assert eight.kind == "story" and eight.status == "pending" and not eight.answers
    assert eight.quote == (
        "Our support load dropped by a third after we published the answered questions."
    )
    assert eight.consent.method == "public-post"
    assert eight.consent.url == f"https://github.com/{REPO}/discussions/8"
    assert eight.consent.date.isoformat() == "2021-06-01T09:00:00+00:00"
    assert eight.disclosure is None
    assert eight.author.name == "monalisa" and eight.author.url == "https://github.com/monalisa"
    assert "![chart](https://user-images.githubusercontent.com/1/chart.png)" in eight.body
    # No sentence end: the whole (plain) text is the quote; deleted author is "ghost".
    assert nine.quote == "Twelve meetups, one page: our members finally see each other's wins"
    assert nine.author.name == "ghost"
    # Both go through the real store as whole, valid files.
    store = ItemStore(tmp_path / "content")
    assert [store.put(i).outcome.value for i in items.values()] == ["new", "new"]
    for path in (tmp_path / "content").rglob("*.md"):
        stored = Item.from_text(path.read_text(encoding="utf-8"), path=str(path))
        assert stored.kind == "story" and stored.consent and stored.disclosure is None


def _used_up(fixture: str, reset_in: int) -> Callable[[], Response]:
    """A recorded response whose headers say the rate limit is used up for ``reset_in`` s."""

    def respond() -> Response:
        return Response(
            json.dumps(_fixture(fixture)),
            content_type="application/json",
            headers={
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(time.time()) + reset_in),
            },
        )

    return respond


def test_rate_limit_headers_make_the_source_wait(api: GraphQL, tmp_path: Path) -> None:
    api.override.append(_used_up("answered_page1.json", 1))
    items, _ = split(list(_source(api, tmp_path).items()))
    assert len(items) == 3 and len(api.calls) == 2
    # The second request waited for the reset (whole seconds: at least 1 s from now).
    assert api.times[1] - api.times[0] >= 1.0


def test_rate_limit_reset_too_far_stops_with_a_clear_error(api: GraphQL, tmp_path: Path) -> None:
    api.override.append(_used_up("answered_page1.json", 3600))
    found = []
    with pytest.raises(HarvestError, match=r"rate limit used up until .* rate_limit_wait \(60s\)"):
        for item in _source(api, tmp_path, rate_limit_wait=60).items():
            found.append(item)
    assert len(found) == 3 and len(api.calls) == 1  # the first page, then no further request


def test_rate_limited_error_and_429_retry_after(api: GraphQL, tmp_path: Path) -> None:
    api.override += [
        lambda: Response("slow down", status=429, headers={"Retry-After": "1"}),
        _used_up("rate_limited.json", 1),
    ]
    items, _ = split(list(_source(api, tmp_path).items()))
    assert len(items) == 3
    # 429, retried after 1 s by the HTTP client; RATE_LIMITED, retried after the reset; 2 pages.
    assert len(api.calls) == 4
    assert api.times[1] - api.times[0] >= 0.9 and api.times[2] - api.times[1] >= 1.0


def test_unknown_repository_and_bad_token(api: GraphQL, tmp_path: Path) -> None:
    with pytest.raises(HarvestError, match="GraphQL error: Could not resolve to a Repository"):
        list(_source(api, tmp_path, repo="Codertocat/Nope").items())
    api.override.append(lambda: Response(json.dumps({"message": "Bad credentials"}), status=401))
    with pytest.raises(HarvestError, match=r"source 'gh': .*/api/graphql: HTTP 401"):
        list(_source(api, tmp_path).items())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"repo": "hello"}, "option 'repo': expected owner/name"),
        ({"kind": "story"}, "option 'category': kind: story needs the show-and-tell category"),
        ({"token_env": "KEHILA_NO_TOKEN"}, "option 'token_env': environment variable KEHILA_NO"),
        ({"page_size": 500}, "option 'page_size': GitHub allows at most 100"),
        ({"categry": "x"}, "option 'categry': unknown option (did you mean 'category'?)"),
    ],
)
def test_bad_options(api: GraphQL, tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _source(api, tmp_path, **options)
