"""Solved topics (and show-and-tell stories) from a Discourse forum (``type: discourse``).

Discourse marks solved topics with its solved feature (in core since 2025, before that the
`discourse-solved` plugin):

* topic-list items carry ``has_accepted_answer`` (``true``/``false``);
* the topic JSON (``/t/<id>.json``) of a current forum carries ``accepted_answers``: the accepted
  posts, oldest first (several where ``solved_allow_multiple_solutions`` is on), each with ``id``,
  ``username``, ``created_at``, ``post_number``, ``url``, ``cooked`` only when solutions are
  quoted (``solved_quote_length`` > 0) and ``accepter_username``/``accepter_name`` when the forum
  shows who marked it. Older forums give one ``accepted_answer`` = ``{post_number, username,
  excerpt, accepter_*?}``. Accepted posts have ``accepted_answer: true``, which is all the source
  goes by when a topic has neither.

The source walks a topic list (``/latest.json``, ``/c/<category>.json``, ``/tag/<tag>.json``)
page by page, following ``topic_list.more_topics_url`` until a page has none. With ``kind: qa``
(the default) it keeps solved topics: a list item with ``has_accepted_answer: false`` is skipped
without a request, and a list without the field (a forum without the plugin in its list
serialiser) costs one request per topic to find out. Each solved topic becomes a ``qa`` item: the
opening post as the question, every accepted answer first (in the forum's order, with who
accepted it where the forum says), then up to ``max_answers`` other replies by likes. Topic JSON
holds the first chunk of posts (20) only; an accepted post further down whose ``cooked`` the
topic does not give is fetched with ``/t/<id>/posts.json?post_ids[]=...``.

With ``kind: story`` every topic of the list (point it at a "Show and tell" category) becomes a
``story`` item: the opening post as the body, its first sentence (or the excerpt an editor set
with ``<div class="excerpt">``) as the quote, the author, and
consent recorded as ``public-post`` with the post's URL and date. ``disclosure`` stays unset, so an
editor must decide before publishing.

All requests go through the shared HTTP client (retries, ``429`` with ``Retry-After``, size limit).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import lxml.html
from kehila.harvest.harvest_config import Options
from kehila.harvest.http import FetchError
from kehila.harvest.sources._qa import (
    first_sentence,
    person_or_ghost,
    plain,
    provenance,
    public_post_consent,
    sanitize_html,
)
from kehila.harvest.sources.base import HarvestContext, HarvestError, Skipped
from kehila.itemfile import parse_date
from kehila.model import Answer, Item

log = logging.getLogger("harvest.discourse")

#: ``actions_summary`` id of a like (Discourse's PostActionType.types[:like]).
_LIKE_ACTION = 2
#: Regular posts; moderator actions (2), small actions (3) and whispers (4) are not answers.
_REGULAR_POST = 1
#: How many post ids one ``posts.json`` request asks for (Discourse's own chunk size).
_CHUNK = 20


class DiscourseSource:
    """Solved topics (``kind: qa``) or stories (``kind: story``) from a Discourse forum."""

    type: ClassVar[str] = "discourse"

    def __init__(self, name: str, options: Mapping[str, Any], context: HarvestContext) -> None:
        opts = Options(name, options)
        self.name = name
        self.context = context
        self.base = opts.url("url").rstrip("/")
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.kind = opts.choice("kind", ("qa", "story"), "qa")
        self.category = opts.string("category", None)
        if self.category is not None:
            self.category = str(self.category).strip("/")
        self.tags = opts.string_list("tags", [])
        self.min_likes = opts.integer("min_likes", 0, minimum=0)
        self.max_answers = opts.integer("max_answers", 3, minimum=0)
        self.max_pages = opts.integer("max_pages", None)
        self.language = opts.language("language", "en")
        self.mask = opts.boolean("mask_contacts", True)
        api_key = opts.string("api_key", None)
        api_username = opts.string("api_username", None)
        opts.finish()
        if (api_key is None) != (api_username is None):
            missing = "api_username" if api_username is None else "api_key"
            raise opts.error(missing, "api_key and api_username go together; give both or none")
        self.headers = {"Accept": "application/json"}
        if api_key:
            self.headers.update({"Api-Key": api_key, "Api-Username": str(api_username)})
        if context.http is None:
            raise HarvestError(name, "no HTTP client in the harvest context")
        self.http = context.http
        self._warned_no_solved_field = False
        self._definitions: set[int] | None = None

    # -- walking topic lists ---------------------------------------------------------------------

    def items(self) -> Iterator[Item | Skipped]:
        """Walk the topic list(s) and yield one item (or skip) per topic, each topic once."""
        seen: set[int] = set()
        for list_path in self._list_paths():
            for entry in self._topic_list(list_path):
                topic_id = entry.get("id")
                if not isinstance(topic_id, int) or topic_id in seen:
                    continue
                seen.add(topic_id)
                yield from self._topic(topic_id, entry)

    def _list_paths(self) -> list[str]:
        """The first page of every list to walk."""
        if self.category and self.tags:
            return [f"/tags/c/{self.category}/{_quote(tag)}.json" for tag in self.tags]
        if self.category:
            return [f"/c/{self.category}.json"]
        if self.tags:
            return [f"/tag/{_quote(tag)}.json" for tag in self.tags]
        return ["/latest.json"]

    def _topic_list(self, first_page: str) -> Iterator[Mapping[str, Any]]:
        """Every entry of a topic list, page after page (``more_topics_url``) to the end."""
        url: str | None = self._absolute(first_page)
        visited: set[str] = set()
        pages = 0
        while url and url not in visited:
            if self.max_pages is not None and pages >= self.max_pages:
                log.info("%s: stopped after max_pages=%d", self.name, self.max_pages)
                return
            visited.add(url)
            pages += 1
            data = self._get_json(url)
            topic_list = data.get("topic_list") if isinstance(data, Mapping) else None
            if not isinstance(topic_list, Mapping):
                raise HarvestError(
                    self.name, f"{url}: not a Discourse topic list (no 'topic_list')"
                )
            topics = topic_list.get("topics") or []
            yield from (t for t in topics if isinstance(t, Mapping))
            more = topic_list.get("more_topics_url")
            url = self._absolute(_json_path(more)) if more and topics else None

    def _definition_topics(self) -> set[int]:
        """Ids of the categories' own description topics ("About the … category"), once a harvest.

        A forum titles them in its own language, so they are known by the category instead:
        ``topic_id`` or ``topic_url`` of the configured category (``/c/<id>/show.json``) and of
        every category (``/categories.json``, subcategories included). A lookup that fails is
        warned about and the other still counts.
        """
        if self._definitions is not None:
            return self._definitions
        found: set[int] = set()
        paths = ["/categories.json?include_subcategories=true"]
        if self.category:
            paths.insert(0, f"/c/{self.category.rsplit('/', 1)[-1]}/show.json")
        for path in paths:
            try:
                data = self._get_json(self._absolute(path))
            except HarvestError as exc:
                if "HTTP 429" in str(exc) or "HTTP 503" in str(exc):
                    raise
                self._warn(f"{exc} (category description topics are not known from it)")
                continue
            found |= _definition_ids(data)
        self._definitions = found
        return found

    # -- one topic -------------------------------------------------------------------------------

    def _topic(self, topic_id: int, entry: Mapping[str, Any]) -> Iterator[Item | Skipped]:
        ref = self._topic_url(entry.get("slug"), topic_id)
        if self.kind == "qa":
            solved = entry.get("has_accepted_answer")
            if solved is False:
                yield Skipped(ref=ref, reason="not solved (no accepted answer)")
                return
            if solved is None and not self._warned_no_solved_field:
                self._warned_no_solved_field = True
                self._warn(
                    f"{self.base}: topic lists have no 'has_accepted_answer' (is the "
                    "discourse-solved plugin installed?); checking every topic"
                )
        likes = entry.get("like_count")
        if isinstance(likes, int) and likes < self.min_likes:
            yield Skipped(ref=ref, reason=f"fewer likes than min_likes {self.min_likes}")
            return
        if topic_id in self._definition_topics():
            yield Skipped(ref=ref, reason="the category's description topic")
            return
        try:
            topic = self._get_json(self._absolute(f"/t/{topic_id}.json"))
            if not isinstance(topic, Mapping) or not isinstance(topic.get("post_stream"), Mapping):
                raise HarvestError(
                    self.name, "not a Discourse topic (no 'post_stream')", record=ref
                )
            likes = topic.get("like_count") if not isinstance(likes, int) else likes
            if isinstance(likes, int) and likes < self.min_likes:
                raise _Skip(f"fewer likes than min_likes {self.min_likes}")
            yield self._story(topic) if self.kind == "story" else self._qa(topic)
        except (_Skip, ValueError, TypeError) as exc:
            yield Skipped(ref=ref, reason=str(exc))
        except HarvestError as exc:
            if "HTTP 429" in str(exc) or "HTTP 503" in str(exc):
                # Still rate limited after the client's retries: every further request would be
                # too, so the source stops here (what was stored so far is whole).
                raise
            # A topic that cannot be fetched (deleted, private, too large) is one bad record.
            self._warn(str(exc))
            yield Skipped(ref=ref, reason=str(exc))

    def _qa(self, topic: Mapping[str, Any]) -> Item:
        marks = _accepted_marks(topic)
        if not marks:
            raise _Skip("not solved (no accepted answer)")
        posts = self._posts(topic)
        accepted: list[tuple[Mapping[str, Any], str | None]] = []
        for mark in marks:
            post = self._accepted_post(topic, mark, posts)
            if all(post is not p for p, _ in accepted):
                accepted.append((post, _accepter(mark)))
        opening = self._opening(posts)
        taken = {id(p) for p, _ in accepted} | {id(opening)}
        replies = [
            p
            for p in posts
            if id(p) not in taken
            and p.get("post_type", _REGULAR_POST) == _REGULAR_POST
            and not p.get("hidden")
            and not p.get("deleted_at")
        ]
        replies.sort(key=lambda p: (-(_likes(p) or 0), p.get("post_number", 0)))
        answers = [self._answer(topic, p, accepted=True, accepted_by=by) for p, by in accepted]
        answers += [self._answer(topic, p, accepted=False) for p in replies[: self.max_answers]]
        item = self._item(topic, opening, kind="qa", answers=answers)
        item.validate()
        return item

    def _accepted_post(
        self, topic: Mapping[str, Any], mark: Mapping[str, Any], posts: list[Mapping[str, Any]]
    ) -> Mapping[str, Any]:
        """The post an accepted mark points at: from the stream, the mark itself, or fetched.

        Current forums serialise each accepted post in ``accepted_answers`` (with ``cooked`` only
        when the forum quotes solutions, ``solved_quote_length`` > 0); older ones give its
        number only. The stream's copy is preferred (it has the likes).
        """
        number = mark.get("post_number")
        post_id = mark.get("id")
        for post in posts:
            if (post_id is not None and post.get("id") == post_id) or (
                post_id is None and post.get("post_number") == number
            ):
                return post
        if isinstance(mark.get("cooked"), str) and mark.get("created_at"):
            return mark
        if not isinstance(number, int):
            raise _Skip("an accepted answer names no post number")
        return self._find_post(topic, number, posts, post_id=post_id)

    def _story(self, topic: Mapping[str, Any]) -> Item:
        opening = self._opening(self._posts(topic))
        item = self._item(topic, opening, kind="story")
        url = self._post_url(topic, opening)
        cooked = str(opening.get("cooked") or "")
        item.quote = _editor_excerpt(cooked, mask=self.mask) or first_sentence(item.body)
        item.consent = public_post_consent(parse_date(opening["created_at"]), url)
        item.validate()
        return item

    def _item(
        self,
        topic: Mapping[str, Any],
        opening: Mapping[str, Any],
        *,
        kind: str,
        answers: list[Answer] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Item:
        topic_id = topic["id"]
        url = self._topic_url(topic.get("slug"), topic_id)
        return Item(
            id=f"discourse:{self.host}:{topic_id}",
            kind=kind,
            status="pending",
            title=plain(str(topic.get("title") or ""), mask=self.mask) or f"Topic {topic_id}",
            date=parse_date(topic.get("created_at") or opening["created_at"]),
            language=self.language,
            tags=_tags(topic.get("tags")),
            body=sanitize_html(str(opening.get("cooked") or ""), base_url=url, mask=self.mask),
            author=self._person(opening),
            answers=answers or [],
            source=provenance(self, url, extra),
        )

    def _answer(
        self,
        topic: Mapping[str, Any],
        post: Mapping[str, Any],
        *,
        accepted: bool,
        accepted_by: str | None = None,
    ) -> Answer:
        url = self._post_url(topic, post)
        return Answer(
            body=sanitize_html(str(post.get("cooked") or ""), base_url=url, mask=self.mask),
            author=self._person(post),
            url=url,
            date=parse_date(post["created_at"]) if post.get("created_at") else None,
            accepted=accepted,
            accepted_by=accepted_by,
            score=_likes(post),
        )

    # -- posts -----------------------------------------------------------------------------------

    def _posts(self, topic: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        posts = topic["post_stream"].get("posts") or []
        return [p for p in posts if isinstance(p, Mapping)]

    def _opening(self, posts: list[Mapping[str, Any]]) -> Mapping[str, Any]:
        opening = next((p for p in posts if p.get("post_number") == 1), None)
        if opening is None:
            raise _Skip("the opening post is missing from the topic")
        return opening

    def _find_post(
        self,
        topic: Mapping[str, Any],
        number: int,
        posts: list[Mapping[str, Any]],
        *,
        post_id: int | None = None,
    ) -> Mapping[str, Any]:
        """Fetch an accepted post that is not in the topic's first chunk of posts.

        Only post ids are listed in ``post_stream.stream``. Current forums name the post's id
        (asked for first); a post's number is usually its place in the stream plus one (deleted
        posts shift it), so the other ids are asked for nearest first.
        """
        loaded = {p.get("id") for p in posts}
        place = {i: index for index, i in enumerate(topic["post_stream"].get("stream") or [])}
        stream = sorted(
            (i for i in place if i not in loaded),
            key=lambda i: (i != post_id, abs(place[i] - (number - 1))),
        )
        for start in range(0, len(stream), _CHUNK):
            query = "&".join(f"post_ids[]={i}" for i in stream[start : start + _CHUNK])
            data = self._get_json(self._absolute(f"/t/{topic['id']}/posts.json?{query}"))
            chunk = (data.get("post_stream") or {}).get("posts") or []
            posts.extend(p for p in chunk if isinstance(p, Mapping))
            for post in chunk:
                if isinstance(post, Mapping) and (
                    post.get("id") == post_id if post_id is not None else _is_accepted(post, number)
                ):
                    return post
        raise _Skip(f"accepted post #{number} was not found in the topic")

    def _person(self, post: Mapping[str, Any]) -> Any:
        username = post.get("username")
        name = post.get("name") or post.get("display_username") or username
        url = self._absolute(f"/u/{_quote(username)}") if username else None
        return person_or_ghost(name, url)

    # -- URLs and requests -----------------------------------------------------------------------

    def _absolute(self, path: str) -> str:
        return urllib.parse.urljoin(self.base + "/", path.lstrip("/"))

    def _topic_url(self, slug: Any, topic_id: int) -> str:
        return self._absolute(f"/t/{slug}/{topic_id}" if slug else f"/t/{topic_id}")

    def _post_url(self, topic: Mapping[str, Any], post: Mapping[str, Any]) -> str:
        return f"{self._topic_url(topic.get('slug'), topic['id'])}/{post.get('post_number', 1)}"

    def _get_json(self, url: str) -> Any:
        try:
            return self.http.get(url, headers=self.headers).json()
        except FetchError as exc:
            raise HarvestError(self.name, str(exc)) from None

    def _warn(self, message: str) -> None:
        if self.context.warn:
            self.context.warn(message)
        else:
            log.warning("%s", message)


class _Skip(Exception):
    """A topic that is left out, with the reason."""


def _editor_excerpt(cooked: str, *, mask: bool) -> str | None:
    """The excerpt an author or editor set in the post: ``<div|span class="excerpt">``.

    Discourse uses such an element, when a post has one, instead of the post's opening words
    wherever it shows an excerpt; it is the quote the community chose.
    """
    if "excerpt" not in cooked:
        return None
    try:
        fragment = lxml.html.fragment_fromstring(cooked, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        # Text lxml cannot hold (NUL, control characters): fall back to the first sentence.
        return None
    for element in fragment.iter("div", "span"):
        if "excerpt" in (element.get("class") or "").split():
            return plain(element.text_content(), mask=mask) or None
    return None


def _is_accepted(post: Mapping[str, Any], number: int) -> bool:
    """The accepted post being looked for: it has the number its accepted mark gives."""
    return post.get("post_number") == number


def _accepted_marks(topic: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """What marks a topic's accepted answers, in the forum's order, in the shapes in use.

    * ``accepted_answers`` (Discourse core since the solved feature moved in, 2025): a list of
      serialised posts (``id``, ``username``, ``created_at``, ``post_number``, ``url``, ``cooked``
      when solutions are quoted, ``accepter_username``/``accepter_name`` when the forum shows who
      marked it), oldest post first, one or several (``solved_allow_multiple_solutions``);
    * ``accepted_answer`` (the discourse-solved plugin before that): ``{post_number, username,
      excerpt}``, plus ``accepter_*`` on forums from March 2025 on;
    * failing both, the stream's posts marked ``accepted_answer: true``.
    """
    marks = topic.get("accepted_answers")
    if isinstance(marks, list) and marks:
        return [m for m in marks if isinstance(m, Mapping)]
    mark = topic.get("accepted_answer")
    if isinstance(mark, Mapping) and "post_number" in mark:
        return [mark]
    stream = topic.get("post_stream") or {}
    return [
        {"post_number": p.get("post_number"), "id": p.get("id")}
        for p in stream.get("posts") or []
        if isinstance(p, Mapping) and p.get("accepted_answer") is True
    ]


def _accepter(mark: Mapping[str, Any]) -> str | None:
    """Who marked an answer accepted, where the forum says (its name, else the username)."""
    name = mark.get("accepter_name") or mark.get("accepter_username")
    return str(name) if name else None


def _definition_ids(data: Any) -> set[int]:
    """Description topic ids in ``show.json`` (``category``) or ``categories.json`` answers."""
    if not isinstance(data, Mapping):
        return set()
    categories: list[Any] = []
    if isinstance(data.get("category"), Mapping):
        categories.append(data["category"])
    listing = data.get("category_list")
    if isinstance(listing, Mapping):
        categories.extend(listing.get("categories") or [])
    found: set[int] = set()
    while categories:
        category = categories.pop()
        if not isinstance(category, Mapping):
            continue
        categories.extend(category.get("subcategory_list") or [])
        topic_id = category.get("topic_id")
        if isinstance(topic_id, int):
            found.add(topic_id)
        url = category.get("topic_url")
        if isinstance(url, str):
            last = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
            if last.isdigit():
                found.add(int(last))
    return found


def _likes(post: Mapping[str, Any]) -> int | None:
    """A post's likes: ``like_count``, else the like entry of ``actions_summary``.

    ``None`` for a post serialised without either (an entry of ``accepted_answers``).
    """
    count = post.get("like_count")
    if isinstance(count, int):
        return count
    if "actions_summary" not in post:
        return None
    for action in post.get("actions_summary") or []:
        if isinstance(action, Mapping) and action.get("id") == _LIKE_ACTION:
            return int(action.get("count") or 0)
    return 0


def _tags(value: Any) -> list[str]:
    """Topic tags: a list of names, or (since 2023) of ``{id, name, slug}`` objects."""
    tags = []
    for tag in value or []:
        name = tag.get("name") if isinstance(tag, Mapping) else tag
        if isinstance(name, str) and name.strip():
            tags.append(name.strip())
    return tags


def _json_path(more_topics_url: str) -> str:
    """``more_topics_url`` as the JSON endpoint: newer forums give ``/latest?page=1``."""
    parts = urllib.parse.urlsplit(more_topics_url)
    path = parts.path if parts.path.endswith(".json") else parts.path.rstrip("/") + ".json"
    return urllib.parse.urlunsplit(("", "", path, parts.query, ""))


def _quote(value: Any) -> str:
    return urllib.parse.quote(str(value), safe="")
