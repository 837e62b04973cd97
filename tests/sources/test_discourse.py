"""The ``discourse`` source against a real local HTTP server serving recorded Discourse JSON.

Payloads (see SOURCES.md of the shared corpus):

* ``discourse/discourse_api/*.json``: fixtures of the official Ruby API client
  (discourse/discourse_api, MIT), captured from real Discourse instances;
* ``discourse/discourse-solved/topic_23_accepted_answer_with_excerpt.json``: a solved topic as
  used by the discourse-solved plugin's own tests (discourse/discourse-solved, MIT).

Adaptations are made here, in code, and each is named where it is made. Topic lists: topic
``id`` values (the client's fixtures give every topic id 1) and ``more_topics_url`` (so that
three recorded lists form one list of three pages). Where a test needs the discourse-solved
fields on a list that was recorded without the plugin, ``has_accepted_answer`` is set, the field
the plugin's topic-list serializer adds (SOURCES.md, notes on discourse).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kehila.harvest.harvest_config import build_sources, read_config
from kehila.harvest.http import HttpClient
from kehila.harvest.sources.base import ConfigError, HarvestContext, HarvestError
from kehila.harvest.sources.discourse import DiscourseSource
from kehila.harvest.store import ItemStore
from kehila.model import Item
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from . import split

API = "discourse/discourse_api"
SOLVED = "discourse/discourse-solved/topic_23_accepted_answer_with_excerpt.json"


def _load(corpus: Path, name: str) -> Any:
    return json.loads((corpus / name).read_text(encoding="utf-8"))


def _with_ids(topic_list: dict, ids: list[int], more: str | None, **fields: Any) -> dict:
    """A recorded topic list with its topic ids and ``more_topics_url`` changed (see above)."""
    data = copy.deepcopy(topic_list)
    for topic, topic_id in zip(data["topic_list"]["topics"], ids, strict=True):
        topic["id"] = topic_id
        topic.update(fields)
    if more is None:
        data["topic_list"].pop("more_topics_url", None)
    else:
        data["topic_list"]["more_topics_url"] = more
    return data


class Forum:
    """Routes of the fake forum: path (with query) -> JSON or a handler; every request logged."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.routes: dict[str, Any] = {}
        self.requests: list[Request] = []
        self.url = httpserver.url_for("/").rstrip("/")
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.requests.append(request)
        key = request.full_path.rstrip("?")
        route = self.routes.get(key)
        if route is None:
            return Response("not found", status=404)
        if callable(route):
            return route(request)
        return Response(json.dumps(route), content_type="application/json")

    def paths(self) -> list[str]:
        return [r.full_path.rstrip("?") for r in self.requests]


@pytest.fixture
def forum(httpserver: HTTPServer, corpus: Path) -> Forum:
    """A forum whose latest list spans three recorded pages (latest.json, top.json, hot.json)."""
    forum = Forum(httpserver)
    solved = _load(corpus, SOLVED)
    unsolved = _load(corpus, f"{API}/topic.json")  # topic 57: no accepted_answer
    # Page 1: latest.json as recorded (its more_topics_url is /latest.json?page=1), ids changed.
    forum.routes["/latest.json"] = _with_ids(
        _load(corpus, f"{API}/latest.json"), [23, 57, 58], "/latest.json?page=1"
    )
    # Page 2: top.json; topic 23 again (lists overlap while a forum changes), and the next page
    # given the way current Discourse writes it, without .json.
    forum.routes["/latest.json?page=1"] = _with_ids(
        _load(corpus, f"{API}/top.json"), [24, 59, 23], "/latest?page=2"
    )
    # Page 3: hot.json, the last page (no more_topics_url), with the solved plugin's field.
    forum.routes["/latest.json?page=2"] = _with_ids(
        _load(corpus, f"{API}/hot.json"), [60, 61, 62], None, has_accepted_answer=False
    )
    forum.routes["/t/23.json"] = solved
    forum.routes["/t/57.json"] = unsolved
    # The forum's categories, each with its description topic (ids 1 to 3).
    forum.routes["/categories.json?include_subcategories=true"] = _load(
        corpus, f"{API}/categories.json"
    )
    # Topic 24: the solved topic as an older forum serves it (no accepter_* fields), with the
    # accepted post (id 22) beyond the first chunk: only in post_stream.stream.
    old = copy.deepcopy(solved)
    old["id"] = 24
    for post in old["post_stream"]["posts"]:
        post["topic_id"] = 24
    for key in ("accepter_username", "accepter_name"):
        old["accepted_answer"].pop(key)
    accepted_post = old["post_stream"]["posts"].pop(1)
    forum.routes["/t/24.json"] = old
    # Its posts.json answer has the shape of discourse_api/topic_posts.json.
    forum.routes["/t/24/posts.json?post_ids[]=22"] = {
        "post_stream": {"posts": [accepted_post]},
        "id": 24,
    }
    # Topic 58: the recorded topic.json thread (replies with 5, 5 and 0 likes) solved by its
    # third post, marked the way the solved plugin marks topic 23 above.
    thread = copy.deepcopy(unsolved)
    thread["id"] = 58
    thread["accepted_answer"] = {"post_number": 3, "username": "stienman", "excerpt": None}
    for post in thread["post_stream"]["posts"]:
        post["accepted_answer"] = post["post_number"] == 3
    forum.routes["/t/58.json"] = thread
    # Topic 59 is gone (404): one bad record, not a failed source.
    return forum


def _context(tmp_path: Path, **client: Any) -> HarvestContext:
    warnings: list[str] = []
    context = HarvestContext(
        project_dir=tmp_path,
        state_dir=tmp_path / "state",
        http=HttpClient(backoff=0.01, timeout=5, **client),
        warn=warnings.append,
    )
    context.warnings = warnings  # type: ignore[attr-defined]
    return context


def test_solved_topics_from_every_page(forum: Forum, tmp_path: Path) -> None:
    context = _context(tmp_path)
    source = DiscourseSource("forum", {"url": forum.url, "max_answers": 1}, context)
    items, skipped = split(list(source.items()))
    host = forum.url.split("//", 1)[1]
    assert set(items) == {f"discourse:{host}:{n}" for n in (23, 24, 58)}
    # Unsolved topics are skipped: 57 after a look at its JSON (its list has no solved field),
    # 60-62 straight from the list (has_accepted_answer: false), never fetched.
    assert skipped[f"{forum.url}/t/test-topic-1/57"] == "not solved (no accepted answer)"
    for n in (60, 61, 62):
        assert any(ref.endswith(f"/{n}") and "not solved" in r for ref, r in skipped.items())
    assert not any(p.startswith(("/t/60", "/t/61", "/t/62")) for p in forum.paths())
    assert any("404" in r for ref, r in skipped.items() if ref.endswith("/59"))
    # Pagination followed to the end, each page once, each topic once.
    pages = [p for p in forum.paths() if p.startswith("/latest")]
    assert pages == ["/latest.json", "/latest.json?page=1", "/latest.json?page=2"]
    assert forum.paths().count("/t/23.json") == 1
    assert any("has_accepted_answer" in w for w in context.warnings)

    solved = items[f"discourse:{host}:23"]
    assert solved.kind == "qa" and solved.status == "pending" and solved.title == "Test solved"
    assert solved.body == "How do I declare a variable in ruby?"
    [accepted] = solved.answers
    assert accepted.accepted
    assert accepted.body == "this is a long answer that potentially solves the question"
    assert accepted.url == f"{forum.url}/t/test-solved/23/2"
    assert accepted.author.name == "kzh" and accepted.author.url == f"{forum.url}/u/kzh"
    assert accepted.accepted_by == "Tomtom" and "accepted_by" not in solved.source.extra
    assert solved.source.url == f"{forum.url}/t/test-solved/23"

    # The older forum's topic, its accepted post fetched separately.
    old = items[f"discourse:{host}:24"]
    assert "/t/24/posts.json?post_ids[]=22" in forum.paths()
    assert old.answers[0].accepted and old.answers[0].url.endswith("/t/test-solved/24/2")
    assert old.answers[0].accepted_by is None

    # Accepted first, then the best-liked other reply (max_answers: 1).
    thread = items[f"discourse:{host}:58"]
    assert [(a.author.name, a.accepted, a.score) for a in thread.answers] == [
        ("Adam Davis", True, 5),
        ("Stefan Plattner", False, 5),
    ]
    assert thread.author.name == "Sam Saffron"


def test_more_answers_sorted_by_likes_and_min_likes(forum: Forum, tmp_path: Path) -> None:
    source = DiscourseSource("forum", {"url": forum.url, "max_answers": 5}, _context(tmp_path))
    items, _ = split(list(source.items()))
    thread = next(i for i in items.values() if i.id.endswith(":58"))
    # Every regular reply but the opening post and the accepted one, likes first; post 2 is a
    # moderator post (post_type 2, "This topic is now pinned"), not an answer.
    assert [(a.author.name, a.score) for a in thread.answers[1:]] == [("Stefan Plattner", 5)]
    assert all("now pinned" not in a.body for a in thread.answers)
    # min_likes compares the list's like_count (the whole topic's likes) where a topic is first
    # listed.
    likes: dict[int, int] = {}
    for page in ("/latest.json", "/latest.json?page=1"):
        for topic in forum.routes[page]["topic_list"]["topics"]:
            likes.setdefault(topic["id"], topic["like_count"])
    liked = {str(n) for n in (23, 24, 58) if likes[n] >= 11}
    assert liked and liked != {"23", "24", "58"}
    source = DiscourseSource("forum", {"url": forum.url, "min_likes": 11}, _context(tmp_path))
    items, skipped = split(list(source.items()))
    assert {i.rsplit(":", 1)[1] for i in items} == liked
    assert any(r == "fewer likes than min_likes 11" for r in skipped.values())


def test_429_retry_after_is_respected(forum: Forum, tmp_path: Path) -> None:
    topic = forum.routes["/t/23.json"]
    calls: list[float] = []

    def limited(request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response(json.dumps(topic), content_type="application/json")

    forum.routes["/t/23.json"] = limited
    waits: list[float] = []
    context = _context(tmp_path, on_retry=lambda url, wait, reason: waits.append(wait))
    items, _ = split(list(DiscourseSource("forum", {"url": forum.url}, context).items()))
    assert len(calls) == 2 and waits == [1.0]
    assert any(i.endswith(":23") for i in items)
    # Still limited after the client's retries: the source stops (it would only hammer on).
    forum.routes["/t/23.json"] = lambda request: Response(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    context = _context(tmp_path, retries=1)
    with pytest.raises(HarvestError, match=r"/t/23.json: HTTP 429 .*\(2 attempts\)"):
        list(DiscourseSource("forum", {"url": forum.url}, context).items())


def test_list_failure_fails_the_source_naming_the_url(forum: Forum, tmp_path: Path) -> None:
    forum.routes["/latest.json?page=2"] = lambda request: Response("boom", status=404)
    store = ItemStore(tmp_path / "content")
    with pytest.raises(HarvestError, match=r"source 'forum': .*/latest.json\?page=2: HTTP 404"):
        for found in DiscourseSource("forum", {"url": forum.url}, _context(tmp_path)).items():
            if isinstance(found, Item):
                store.put(found)
    # What was stored before the failure is whole: every file reads back as a valid item.
    files = list((tmp_path / "content").rglob("*.md"))
    assert files
    for path in files:
        Item.from_text(path.read_text(encoding="utf-8"), path=str(path))


def test_category_with_api_key_from_the_environment(
    httpserver: HTTPServer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forum = Forum(httpserver)
    # category_topics.json lists topics 5 ("About the category") and 4; topic 4 is served by
    # the solved plugin's topic (id changed), topic 5 by topic.json (unsolved, id changed).
    forum.routes["/c/support/2.json"] = _load(corpus, f"{API}/category_topics.json")
    solved = _load(corpus, SOLVED)
    solved["id"] = 4
    forum.routes["/t/4.json"] = solved
    about = _load(corpus, f"{API}/topic.json")
    about["id"] = 5
    forum.routes["/t/5.json"] = about
    monkeypatch.setenv("FORUM_KEY", "k-123")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: content\nplugins:\n  - kehila:\n      sources:\n"
        f"        - name: forum\n          type: discourse\n          url: {forum.url}\n"
        "          category: support/2\n          api_key: ${FORUM_KEY}\n"
        "          api_username: system\n",
        encoding="utf-8",
    )
    config = read_config(tmp_path / "mkdocs.yml")
    [source] = build_sources(config, _context(tmp_path))
    items, skipped = split(list(source.items()))
    assert [i.rsplit(":", 1)[1] for i in items] == ["4"]
    assert list(skipped.values()) == ["not solved (no accepted answer)"]
    assert {(r.headers.get("Api-Key"), r.headers.get("Api-Username")) for r in forum.requests} == {
        ("k-123", "system")
    }


def test_show_and_tell_category_gives_stories(
    httpserver: HTTPServer, corpus: Path, tmp_path: Path
) -> None:
    forum = Forum(httpserver)
    # category_latest_topics.json: the category's description topic (5) and topic 4, served by
    # topic.json with its id changed to 4. Titles changed: the description topic is titled in
    # the forum's language (Hebrew), and topic 4 looks like one by its English title but is not.
    listing = _load(corpus, f"{API}/category_latest_topics.json")
    titles = {5: "אודות הקטגוריה Show and tell", 4: "About the new rota category"}
    for topic in listing["topic_list"]["topics"]:
        topic["title"] = titles[topic["id"]]
    forum.routes["/c/show-and-tell/7.json"] = listing
    # The category knows its description topic: /c/<id>/show.json (topic_id and topic_url);
    # /categories.json is not served (404) here: a warning, and the category's answer counts.
    forum.routes["/c/7/show.json"] = {
        "category": {"id": 7, "slug": "show-and-tell", "topic_id": 5, "topic_url": "/t/x/5"}
    }
    story_topic = _load(corpus, f"{API}/topic.json")
    story_topic["id"] = 4
    forum.routes["/t/4.json"] = story_topic
    options = {"url": forum.url, "category": "show-and-tell/7", "kind": "story"}
    context = _context(tmp_path)
    items, skipped = split(list(DiscourseSource("wins", options, context).items()))
    assert list(skipped.values()) == ["the category's description topic"]
    assert "/t/5.json" not in forum.paths()
    assert forum.paths().count("/c/7/show.json") == 1
    assert [w for w in context.warnings if "/categories.json" in w and "HTTP 404" in w]
    [story] = items.values()
    post_url = f"{forum.url}/t/this-site-is-a-sandbox-it-is-reset-every-day/4/1"
    assert story.kind == "story" and story.status == "pending" and not story.answers
    assert story.body.startswith("Welcome!\n\n### Try is a sandbox")
    assert story.quote == "Welcome!"
    assert story.author.name == "Sam Saffron" and story.author.url == f"{forum.url}/u/samsaffron"
    assert story.consent.method == "public-post" and story.consent.url == post_url
    assert story.consent.date.isoformat() == "2013-02-04T15:26:26.278000-05:00"
    assert story.disclosure is None
    # An excerpt set in the post (Discourse's <div class="excerpt">) is the quote instead. The
    # cooked HTML of the recorded post is wrapped here as Discourse cooks such a post.
    opening = story_topic["post_stream"]["posts"][0]
    opening["cooked"] = opening["cooked"].replace(
        "<p>If you see anything", '<div class="excerpt"><p>A <em>safe</em> place.</p></div><p>If'
    )
    forum.routes["/t/4.json"] = story_topic
    [edited] = split(list(DiscourseSource("wins", options, _context(tmp_path)).items()))[0].values()
    assert edited.quote == "A safe place."
    # Through the real store: one whole, valid file.
    assert ItemStore(tmp_path / "content").put(story).outcome.value == "new"
    [path] = (tmp_path / "content").rglob("*.md")
    stored = Item.from_text(path.read_text(encoding="utf-8"), path=str(path))
    assert stored.consent == story.consent and stored.disclosure is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "option 'url': required option is missing"),
        ({"url": "forum.example.org"}, "option 'url': expected an http:// or https:// URL"),
        ({"url": "https://f.example", "kind": "news"}, "option 'kind': expected one of qa, story"),
        ({"url": "https://f.example", "api_key": "k"}, "option 'api_username': api_key and"),
        ({"url": "https://f.example", "max_answer": 2}, "option 'max_answer': unknown option"),
    ],
)
def test_bad_options(tmp_path: Path, options: dict, message: str) -> None:
    make: Callable[..., Any] = DiscourseSource
    with pytest.raises(ConfigError, match=re.escape(message)):
        make("forum", options, _context(tmp_path))


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"tags": ["how-to"]}, "/tag/how-to.json"),
        ({"tags": ["how-to"], "category": "support/2"}, "/tags/c/support/2/how-to.json"),
    ],
)
def test_tags_walk_the_tag_lists(
    forum: Forum, corpus: Path, tmp_path: Path, options: dict, path: str
) -> None:
    # latest.json again as the tag's list, last page (more_topics_url removed).
    forum.routes[path] = _with_ids(_load(corpus, f"{API}/latest.json"), [23, 57, 58], None)
    source = DiscourseSource("forum", {"url": forum.url, **options}, _context(tmp_path))
    items, _ = split(list(source.items()))
    assert sorted(i.rsplit(":", 1)[1] for i in items) == ["23", "58"]
    listed = [
        p for p in forum.paths() if not p.startswith(("/t/", "/categories.json", "/c/2/show"))
    ]
    assert listed == [path]


def test_description_topics_are_known_by_every_category_once_a_harvest(
    forum: Forum, tmp_path: Path
) -> None:
    # Topic 58 (solved) is made a subcategory's description topic in /categories.json.
    categories = forum.routes["/categories.json?include_subcategories=true"]
    categories["category_list"]["categories"][0]["subcategory_list"] = [
        {"id": 9, "slug": "sub", "topic_url": "/t/%D7%90%D7%95%D7%93%D7%95%D7%AA/58"}
    ]
    source = DiscourseSource("forum", {"url": forum.url, "kind": "story"}, _context(tmp_path))
    items, skipped = split(list(source.items()))
    assert any(ref.endswith("/58") for ref, r in skipped.items() if "description topic" in r)
    assert not any(i.endswith(":58") for i in items) and "/t/58.json" not in forum.paths()
    assert forum.paths().count("/categories.json?include_subcategories=true") == 1
    # A forum that keeps its categories private: the source warns and goes on.
    forum.routes.pop("/categories.json?include_subcategories=true")
    context = _context(tmp_path)
    items, _ = split(list(DiscourseSource("forum", {"url": forum.url}, context).items()))
    assert any(i.endswith(":58") for i in items)
    assert any("categories.json" in w and "description topics" in w for w in context.warnings)
