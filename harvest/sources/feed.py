"""``type: feed``: any RSS 0.9x/1.0/2.0 or Atom feed, as stories or newsletter issues.

Newsletter archives of Substack, Ghost, Buttondown, Mailchimp and Medium are plain feeds, so one
adapter serves both: ``kind: newsletter`` makes each entry an issue of the archive.

The feed is fetched through the shared client (conditional GET: an unchanged feed costs one
``304`` and yields nothing) and parsed by `feedparser <https://feedparser.readthedocs.io>`_ from
the bytes and the response headers (so the HTTP charset is honoured). Per entry:

* full content (``content:encoded``, Atom ``content``) is preferred over the summary; HTML is
  sanitised and converted to Markdown (:mod:`kehila.harvest.to_markdown`), its relative URLs
  resolved against the ``xml:base`` in effect, else the entry's link, else the feed's URL;
* the id is ``feed:<source name>:<entry id>`` (the entry's guid/id, else its link);
* authors, the published (else updated) date, categories as tags and the entry link are kept;
* an ill-formed feed (feedparser's ``bozo``) yields the entries that parsed, with a warning that
  gives the reason.

Options: ``url`` (required), ``kind`` (``story`` or ``newsletter``, default ``story``),
``language`` (default: the feed's own, else ``en``), ``tags`` (added to every item),
``max_items`` (newest first), ``mask_contacts`` (default ``true``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import hashlib
import html
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import feedparser
from kehila.model import Item, Person, Provenance
from kehila.validation import LANGUAGE_TAG

from ..harvest_config import Options
from ..http import FetchError, NotModified
from ..store import UNDATED
from ..to_markdown import (
    EMAIL_MASK,
    absolute_url,
    first_sentence,
    html_to_markdown,
    plain_text,
    shorten,
    text_to_markdown,
)
from .base import HarvestContext, HarvestError, Skipped

_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Anything that looks like an HTML tag (or comment) in a description.
_HTML_TAG = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|/[A-Za-z][A-Za-z0-9-]*\s*|!--)>")
#: RSS 2.0 ``<author>``: "address (Name)".
_RSS_AUTHOR = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^()]+)\)\s*$")


class FeedSource:
    """Entries of one RSS or Atom feed (see the module documentation for the options)."""

    type: ClassVar[str] = "feed"

    def __init__(self, name: str, options: Mapping[str, Any], context: HarvestContext) -> None:
        opts = Options(name, options)
        self.name = name
        self.context = context
        self.url: str = opts.url("url")
        self.kind: str = opts.choice("kind", ("story", "newsletter"), default="story")
        self.language: str | None = opts.language("language", default=None)
        self.tags: list[str] = opts.string_list("tags", default=[])
        self.max_items: int | None = opts.integer("max_items", default=None)
        self.mask: bool = opts.boolean("mask_contacts", default=True)
        opts.finish()
        self.notice: str | None = None
        """Set when there is something to say about the run (e.g. not modified)."""
        self.document_url = self.url
        """Where the feed was read from (after redirects; its ``Content-Location`` if sent)."""

    def items(self) -> Iterator[Item | Skipped]:
        """Fetch and parse the feed, then yield one item per entry (or a skip with a reason)."""
        if self.context.http is None:
            raise HarvestError(self.name, "no HTTP client in the harvest context")
        try:
            response = self.context.http.get(self.url, conditional=True)
        except FetchError as exc:
            raise HarvestError(self.name, str(exc)) from None
        if response is NotModified:
            self.notice = "not modified since the last harvest (HTTP 304)"
            return
        # nh3 is the one sanitiser of every source (kehila.harvest.to_markdown); feedparser's own
        # would only hide from the tests what nh3 must catch. Relative URLs are resolved by
        # that one sanitiser too, against each entry's base (see _base); feedparser is told the
        # feed's location (it restores no empty base after an element with an xml:base).
        headers = {k.lower(): v for k, v in response.headers.items()}
        location = urllib.parse.urljoin(response.final_url, headers.get("content-location", ""))
        self.document_url = headers["content-location"] = location
        parsed = feedparser.parse(
            response.content,
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        if parsed.bozo:
            problem = parsed.get("bozo_exception")
            if not parsed.entries and not parsed.version:
                raise HarvestError(self.name, f"{self.url}: not a readable feed ({problem})")
            self._warn(
                f"{self.url} is not a well-formed feed ({problem}); "
                f"harvesting the {len(parsed.entries)} entries that could be read"
            )
        entries = list(parsed.entries)
        if self.max_items is not None:
            entries = sorted(entries, key=_entry_time, reverse=True)[: self.max_items]
        if self.context.progress is not None:
            self.context.progress(advance=0, total=len(entries))
        language = self.language or _feed_language(parsed.feed) or "en"
        fallback = _fallback_date(parsed.feed, response.headers)
        for index, entry in enumerate(entries, start=1):
            yield self._item(entry, index, language, fallback)

    def _item(
        self,
        entry: Mapping[str, Any],
        index: int,
        language: str,
        fallback: tuple[dt.datetime, str] | None,
    ) -> Item | Skipped:
        native_id = str(entry.get("id") or entry.get("link") or "").strip()
        if not native_id:
            # No guid and no link: the entry's own text is all that identifies it.
            text = "\0".join(
                str(entry.get(k) or "") for k in ("title", "summary", "published", "updated")
            ) + "\0".join(str(c.get("value") or "") for c in entry.get("content") or [])
            if not text.strip("\0"):
                return Skipped(f"entry {index}", "the entry has no id, link, title or text")
            native_id = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        link = absolute_url(str(entry.get("link") or ""), self.document_url) or (
            native_id if native_id.startswith("http") else self.url
        )
        body, line = self._body(entry, link)
        title = plain_text(entry.get("title") or "", mask=self.mask)
        if not title:
            title = first_sentence(line)
        if not title:
            return Skipped(native_id, "the entry has no title and no text")
        date = _struct_to_datetime(_raw(entry, "published_parsed") or _raw(entry, "updated_parsed"))
        extra: dict[str, Any] = {"feed": self.url}
        if date is None:
            # No date of its own: the feed's date, else the response's Last-Modified, else the
            # harvest's; ``undated`` says which (the desk flags it), and the store keeps the
            # date first written.
            date, origin = fallback or (self.context.now, "harvest date")
            extra[UNDATED] = origin
        summary = None
        if entry.get("content") and entry.get("summary"):
            summary = shorten(plain_text(entry["summary"], mask=self.mask), 300) or None
        return Item(
            id=f"feed:{self.name}:{native_id}",
            kind=self.kind,
            status="pending",
            title=title,
            date=date,
            language=_entry_language(entry) or language,
            tags=self._tags(entry),
            body=body,
            author=self._author(entry),
            summary=summary if self.kind == "newsletter" else None,
            source=Provenance(
                name=self.name,
                type=self.type,
                url=str(link),
                harvested=self.context.now,
                extra=extra,
            ),
        )

    def _body(self, entry: Mapping[str, Any], link: str) -> tuple[str, str]:
        """The entry's text as Markdown, and as one plain line (for a missing title)."""
        # Full content first (content:encoded, Atom content), the longest part if several.
        parts = entry.get("content") or []
        if parts:
            detail = max(parts, key=lambda p: len(p.get("value") or ""))
            value = detail.get("value") or ""
        else:
            detail = entry.get("summary_detail") or {}
            value = entry.get("summary") or ""
        mime = detail.get("type") or "text/html"
        # feedparser labels every RSS description text/html, tagged or not: a description
        # without a single tag is plain text, and its blank lines are its paragraphs.
        if mime in _HTML_TYPES and _HTML_TAG.search(value):
            base = self._base(detail, link)
            markdown = html_to_markdown(value, base_url=base, mask=self.mask)
            return markdown, plain_text(value, mask=self.mask)
        if mime in _HTML_TYPES:
            value = html.unescape(value)
        return text_to_markdown(value, mask=self.mask), " ".join(value.split())

    def _base(self, detail: Mapping[str, Any], link: str) -> str:
        """What relative URLs in an entry's HTML are relative to: the ``xml:base`` in effect
        (itself relative to the feed's location), else the entry's link, else the feed's URL."""
        xml_base = str(detail.get("base") or "")
        if xml_base and xml_base != self.document_url:
            return urllib.parse.urljoin(self.document_url, xml_base)
        return link or self.document_url

    def _tags(self, entry: Mapping[str, Any]) -> list[str]:
        tags: list[str] = []
        for tag in entry.get("tags") or []:
            term = plain_text(str(tag.get("term") or tag.get("label") or ""), mask=self.mask)
            if term and term not in tags:
                tags.append(term)
        for tag in self.tags:
            if tag not in tags:
                tags.append(tag)
        return tags

    def _author(self, entry: Mapping[str, Any]) -> Person | None:
        """The entry's author(s) as one person (names joined), never with an e-mail address."""
        rss = _RSS_AUTHOR.match(str(entry.get("author") or ""))
        if rss:
            # feedparser splits "address (Name)" with a pattern that cuts longer top-level
            # domains ("chief@brigade.example (Ruth Adler)" gave the name "ple (Ruth Adler").
            name = plain_text(rss["name"], mask=True)
            if name and name != EMAIL_MASK:
                return Person(name=name)
        people = [a for a in entry.get("authors") or [] if isinstance(a, Mapping)]
        if not people and entry.get("author_detail"):
            people = [entry["author_detail"]]
        names: list[str] = []
        for person in people:
            name = plain_text(str(person.get("name") or ""), mask=True)
            if name and name != EMAIL_MASK and name not in names:
                names.append(name)
        if not names and not people and entry.get("author"):
            # Only the raw string; RSS 2.0 <author> is "email (Name)", never keep the address.
            name = plain_text(str(entry["author"]), mask=True)
            if name and name != EMAIL_MASK:
                names.append(name)
        if not names:
            return None
        href = (people[0].get("href") if people else None) or None
        url = href if isinstance(href, str) and href.startswith(("http://", "https://")) else None
        return Person(name=", ".join(names), url=url)

    def _warn(self, message: str) -> None:
        if self.context.warn is not None:
            self.context.warn(message)


def _fallback_date(feed: Mapping[str, Any], headers: Any) -> tuple[dt.datetime, str] | None:
    """The date of entries without one: the feed's own, else the HTTP ``Last-Modified``."""
    for key in ("updated_parsed", "published_parsed"):
        date = _struct_to_datetime(_raw(feed, key))
        if date is not None:
            return date, "feed date"
    modified = headers.get("Last-Modified") if headers is not None else None
    if modified:
        try:
            date = email.utils.parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            date = None
        if date is not None:
            return date.astimezone(dt.UTC), "Last-Modified"
    return None


def _struct_to_datetime(value: Any) -> dt.datetime | None:
    """feedparser's UTC ``time.struct_time`` as an aware datetime."""
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _raw(mapping: Mapping[str, Any], key: str) -> Any:
    """A key of a feedparser dict without its deprecated updated/published aliasing."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else mapping.get(key)


def _entry_time(entry: Mapping[str, Any]) -> float:
    value = _raw(entry, "published_parsed") or _raw(entry, "updated_parsed")
    return calendar.timegm(value) if value else 0.0


def _feed_language(feed: Mapping[str, Any]) -> str | None:
    value = feed.get("language")
    return _clean_language(value)


def _entry_language(entry: Mapping[str, Any]) -> str | None:
    for key in ("content", "summary_detail", "title_detail"):
        detail = entry.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if isinstance(detail, Mapping) and detail.get("language"):
            return _clean_language(detail["language"])
    return None


def _clean_language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip().replace("_", "-")
    return value if LANGUAGE_TAG.match(value) else None
