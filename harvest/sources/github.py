"""Answered GitHub Discussions and show-and-tell stories, via GraphQL (``type: github``).

The source asks ``repository(owner, name) { discussions(answered: true, categoryId, first, after)
}`` page by page (``pageInfo { hasNextPage endCursor }``) and turns each discussion into a ``qa``
item: the discussion as the question, its ``answer`` (the comment a maintainer marked, with
``answerChosenAt``) first, then up to ``max_answers`` other top-level comments by upvotes. A
category given by name is looked up first (``discussionCategories``); with ``kind: qa`` it must be
answerable (``isAnswerable``), which is what makes an answer possible at all.

With ``kind: story`` every discussion of the category (a "Show and tell" category) becomes a
``story`` item: the opening post as the body, its first sentence as the quote, the author, and
consent recorded as ``public-post`` with the discussion's URL and date; ``disclosure`` is left for
an editor.

The token is read from the environment variable named by ``token_env`` (``GITHUB_TOKEN`` by
default) and sent as ``Authorization: bearer``. GitHub's rate-limit headers are honoured: when
``x-ratelimit-remaining`` reaches 0 the source waits until ``x-ratelimit-reset`` before its next
request (at most ``rate_limit_wait`` seconds, else it stops with an error saying when to run again),
and ``429``/``Retry-After`` is handled by the shared HTTP client.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

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

log = logging.getLogger("harvest.github")

DEFAULT_API_URL = "https://api.github.com/graphql"

_AUTHOR = "author { login url }"
_DISCUSSIONS_QUERY = """
query($owner: String!, $name: String!, $first: Int!, $after: String, $categoryId: ID,
      $answered: Boolean, $comments: Int!) {
  repository(owner: $owner, name: $name) {
    discussions(first: $first, after: $after, categoryId: $categoryId, answered: $answered,
                orderBy: {field: CREATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id number title url createdAt bodyHTML upvoteCount AUTHOR
        category { id name isAnswerable }
        labels(first: 20) { nodes { name } }
        answerChosenAt
        answerChosenBy { login }
        answer { id url bodyHTML createdAt upvoteCount AUTHOR }
        comments(first: $comments) {
          nodes { id url bodyHTML createdAt upvoteCount isAnswer AUTHOR }
        }
      }
    }
  }
}
""".replace("AUTHOR", _AUTHOR)
_CATEGORIES_QUERY = """
query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    discussionCategories(first: 25) { nodes { id name slug isAnswerable } }
  }
}
"""
#: Top-level comments fetched per discussion to choose the other answers from.
_COMMENTS = 20


class GitHubSource:
    """Answered discussions (``kind: qa``) or stories (``kind: story``) of one repository."""

    type: ClassVar[str] = "github"

    def __init__(self, name: str, options: Mapping[str, Any], context: HarvestContext) -> None:
        opts = Options(name, options)
        self.name = name
        self.context = context
        repo = opts.string("repo")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
            raise opts.error("repo", f"expected owner/name such as octo-org/hub, got {repo!r}")
        self.repo = repo
        self.owner, self.repo_name = repo.split("/")
        self.kind = opts.choice("kind", ("qa", "story"), "qa")
        self.category = opts.string("category", None)
        self.category_id = opts.string("category_id", None)
        if self.category and self.category_id:
            raise opts.error("category_id", "give category (a name) or category_id, not both")
        if self.kind == "story" and not (self.category or self.category_id):
            raise opts.error("category", "kind: story needs the show-and-tell category")
        self.api_url = opts.url("api_url", DEFAULT_API_URL)
        token_env = opts.string("token_env", "GITHUB_TOKEN")
        self.max_answers = opts.integer("max_answers", 3, minimum=0)
        self.page_size = opts.integer("page_size", 25)
        if self.page_size > 100:
            raise opts.error("page_size", f"GitHub allows at most 100, got {self.page_size}")
        self.max_pages = opts.integer("max_pages", None)
        self.rate_limit_wait = opts.integer("rate_limit_wait", 900, minimum=0)
        self.language = opts.language("language", "en")
        self.mask = opts.boolean("mask_contacts", True)
        opts.finish()
        token = os.environ.get(token_env)
        if not token:
            raise opts.error("token_env", f"environment variable {token_env} is not set")
        self.headers = {"Authorization": f"bearer {token}", "Accept": "application/json"}
        if context.http is None:
            raise HarvestError(name, "no HTTP client in the harvest context")
        self.http = context.http
        self.sleep: Callable[[float], None] = time.sleep
        """How the source waits for a rate-limit reset (a test may watch it)."""
        self._resume_at: float | None = None

    # -- pages -----------------------------------------------------------------------------------

    def items(self) -> Iterator[Item | Skipped]:
        """Every discussion of the repository (or category), page after page to the end."""
        category_id = self.category_id or (self._category_id() if self.category else None)
        variables: dict[str, Any] = {
            "owner": self.owner,
            "name": self.repo_name,
            "first": self.page_size,
            "after": None,
            "categoryId": category_id,
            "answered": True if self.kind == "qa" else None,
            "comments": _COMMENTS if self.kind == "qa" and self.max_answers else 1,
        }
        pages = 0
        while True:
            if self.max_pages is not None and pages >= self.max_pages:
                log.info("%s: stopped after max_pages=%d", self.name, self.max_pages)
                return
            pages += 1
            data = self._query(_DISCUSSIONS_QUERY, variables)
            connection = (data.get("repository") or {}).get("discussions")
            if not isinstance(connection, Mapping):
                raise HarvestError(self.name, f"{self.api_url}: no discussions in the response")
            for node in connection.get("nodes") or []:
                if isinstance(node, Mapping):
                    yield self._discussion(node)
            page_info = connection.get("pageInfo") or {}
            if not page_info.get("hasNextPage") or not page_info.get("endCursor"):
                return
            variables["after"] = page_info["endCursor"]

    def _category_id(self) -> str:
        """The node id of the category named in the options."""
        data = self._query(_CATEGORIES_QUERY, {"owner": self.owner, "name": self.repo_name})
        categories = ((data.get("repository") or {}).get("discussionCategories") or {}).get(
            "nodes"
        ) or []
        wanted = str(self.category).casefold()
        for category in categories:
            if wanted in (str(category.get("name")).casefold(), str(category.get("slug"))):
                if self.kind == "qa" and not category.get("isAnswerable"):
                    raise HarvestError(
                        self.name,
                        f"category {self.category!r} of {self.repo} is not answerable "
                        "(a Q&A format category); its discussions cannot have an accepted answer",
                    )
                return str(category["id"])
        names = ", ".join(str(c.get("name")) for c in categories) or "none"
        raise HarvestError(
            self.name, f"{self.repo} has no discussion category {self.category!r} (has: {names})"
        )

    # -- one discussion --------------------------------------------------------------------------

    def _discussion(self, node: Mapping[str, Any]) -> Item | Skipped:
        ref = str(node.get("url") or f"{self.repo}#{node.get('number')}")
        try:
            return self._story(node) if self.kind == "story" else self._qa(node, ref)
        except _Skip as exc:
            return Skipped(ref=ref, reason=str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            return Skipped(ref=ref, reason=f"unexpected discussion data: {exc!r}")

    def _qa(self, node: Mapping[str, Any], ref: str) -> Item:
        category = node.get("category") or {}
        if category.get("isAnswerable") is False:
            raise _Skip(f"category {category.get('name')!r} is not answerable")
        answer = node.get("answer")
        if not isinstance(answer, Mapping):
            raise _Skip("not answered (no chosen answer)")
        comments = [
            c
            for c in ((node.get("comments") or {}).get("nodes") or [])
            if isinstance(c, Mapping) and not c.get("isAnswer") and c.get("id") != answer.get("id")
        ]
        comments.sort(key=lambda c: (-(c.get("upvoteCount") or 0), c.get("createdAt") or ""))
        answers = [self._answer(answer, accepted=True)] + [
            self._answer(c, accepted=False) for c in comments[: self.max_answers]
        ]
        extra: dict[str, Any] = {}
        if node.get("answerChosenAt"):
            extra["answer_chosen_at"] = node["answerChosenAt"]
        chosen_by = (node.get("answerChosenBy") or {}).get("login")
        if chosen_by:
            extra["accepted_by"] = chosen_by
        if node.get("upvoteCount") is not None:
            extra["upvotes"] = node["upvoteCount"]
        item = self._item(node, kind="qa", answers=answers, extra=extra)
        item.validate()
        return item

    def _story(self, node: Mapping[str, Any]) -> Item:
        item = self._item(node, kind="story")
        item.quote = first_sentence(item.body)
        item.consent = public_post_consent(parse_date(node["createdAt"]), str(node["url"]))
        item.validate()
        return item

    def _item(
        self,
        node: Mapping[str, Any],
        *,
        kind: str,
        answers: list[Answer] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Item:
        number = node.get("number") or node["id"]
        url = str(node["url"])
        labels = (node.get("labels") or {}).get("nodes") or []
        return Item(
            id=f"github:{self.repo}:{number}",
            kind=kind,
            status="pending",
            title=plain(str(node.get("title") or ""), mask=self.mask) or f"Discussion {number}",
            date=parse_date(node["createdAt"]),
            language=self.language,
            tags=[str(label["name"]) for label in labels if label.get("name")],
            body=sanitize_html(str(node.get("bodyHTML") or ""), base_url=url, mask=self.mask),
            author=_person(node),
            answers=answers or [],
            source=provenance(self, url, extra),
        )

    def _answer(self, comment: Mapping[str, Any], *, accepted: bool) -> Answer:
        url = comment.get("url")
        return Answer(
            body=sanitize_html(str(comment.get("bodyHTML") or ""), base_url=url, mask=self.mask),
            author=_person(comment),
            url=str(url) if url else None,
            date=parse_date(comment["createdAt"]) if comment.get("createdAt") else None,
            accepted=accepted,
            score=comment.get("upvoteCount"),
        )

    # -- GraphQL and rate limits -----------------------------------------------------------------

    def _query(self, query: str, variables: Mapping[str, Any]) -> Mapping[str, Any]:
        """POST one GraphQL query; waits out an exhausted rate limit first; returns ``data``."""
        for _attempt in range(3):
            self._wait_for_reset()
            try:
                response = self.http.post_json(
                    self.api_url, {"query": query, "variables": dict(variables)},
                    headers=self.headers,
                )  # fmt: skip
            except FetchError as exc:
                raise HarvestError(self.name, str(exc)) from None
            self._note_rate_limit(response.headers)
            payload = response.json()
            if not isinstance(payload, Mapping):
                raise HarvestError(self.name, f"{self.api_url}: not a GraphQL response")
            errors = payload.get("errors") or []
            if any(isinstance(e, Mapping) and e.get("type") == "RATE_LIMITED" for e in errors):
                # GraphQL reports an exhausted limit as a 200 with an error: wait, then retry.
                if self._resume_at is None:
                    self._resume_at = time.time() + 60
                continue
            if errors:
                messages = "; ".join(
                    str(e.get("message") if isinstance(e, Mapping) else e) for e in errors
                )
                raise HarvestError(self.name, f"{self.api_url}: GraphQL error: {messages}")
            data = payload.get("data")
            if not isinstance(data, Mapping) or data.get("repository") is None:
                raise HarvestError(self.name, f"{self.api_url}: repository {self.repo} not found")
            return data
        raise HarvestError(self.name, f"{self.api_url}: still rate limited after waiting")

    def _note_rate_limit(self, headers: Mapping[str, str]) -> None:
        """Remember when to resume if this response used up the rate limit."""
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.isdigit():
            self._resume_at = float(reset) + 1

    def _wait_for_reset(self) -> None:
        if self._resume_at is None:
            return
        wait = self._resume_at - time.time()
        self._resume_at = None
        if wait <= 0:
            return
        if wait > self.rate_limit_wait:
            when = dt.datetime.fromtimestamp(time.time() + wait, dt.UTC)
            raise HarvestError(
                self.name,
                f"GitHub rate limit used up until {when:%Y-%m-%d %H:%M:%S} UTC, longer than "
                f"rate_limit_wait ({self.rate_limit_wait}s); run the harvest again then",
            )
        msg = f"{self.name}: GitHub rate limit used up, waiting {wait:.0f}s for it to reset"
        if self.context.warn:
            self.context.warn(msg)
        log.info("%s", msg)
        self.sleep(wait)


class _Skip(Exception):
    """A discussion that is left out, with the reason."""


def _person(node: Mapping[str, Any]) -> Any:
    author = node.get("author") or {}
    return person_or_ghost(author.get("login"), author.get("url"))
