"""Atom, RSS 2.0 and JSON Feed for stories, questions and the newsletter archive, and for
every tag and every language (all kinds mixed, each entry saying its kind).

Feeds are built from the content model (never by reading rendered pages back), so they hold
exactly the public items the pages hold. Atom and RSS come from feedgen; JSON Feed 1.1
(https://www.jsonfeed.org/version/1.1/) is plain JSON and written directly. Every URL in a feed is
absolute, made from MkDocs' ``site_url``: links and images in the items' text too.

An entry's kind is a category of the scheme ``<site_url><feeds page>#kind`` in Atom and RSS
(``story``, ``qa`` or ``newsletter``; the content starts with a label saying it) and the extension
``_kehila.kind`` in JSON Feed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin, urlsplit

import markdown
from feedgen.feed import FeedGenerator

from .cache import Memo
from .embed import TEXT
from .hub import Hub
from .i18n import N_, gettext
from .model import Item
from .pages import DISCLOSURE_LABELS, FEED_FORMAT_NAMES, PageSpec
from .sanitize import FEED
from .urls import KIND_SECTIONS, relative_url

#: Media types, for <link rel="alternate"> and for tests.
MEDIA_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}

_MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]

#: The ``rel`` of feed links in a page's <head>. Feed readers look for the ``alternate`` token
#: (with a feed's media type); ``feed`` is the keyword for a syndication feed. Both, because
#: Material's script takes every ``link[rel=alternate]`` (exactly that value) for a version of
#: the site in another language and fetches ``sitemap.xml`` beside it: beside a feed that is
#: ``feeds/sitemap.xml`` (``feeds/tags/sitemap.xml`` for a tag's), a 404 and a console error on
#: every page with feed links.
FEED_LINK_REL = "alternate feed"

#: What each feed is, for feed readers (catalog messages).
DESCRIPTIONS = {
    "story": N_("Customers' success stories, in their own words, from %(site)s."),
    "qa": N_("Questions the community of %(site)s asked and answered."),
    "newsletter": N_("Every issue of the %(site)s newsletter."),
    "tag": N_("Stories, questions and newsletter issues of %(site)s tagged %(name)s."),
    "language": N_("Stories, questions and newsletter issues of %(site)s in %(name)s."),
}


@dataclass
class FeedFile:
    path: str
    """Site path, e.g. ``feeds/stories.atom.xml``."""
    text: str
    format: str
    section: str
    """The feed's key: a section (``stories``), ``tags/<slug>`` or ``languages/<language>``."""


@dataclass
class _Channel:
    """What one feed is about: its key, title, description, home page and items."""

    key: str
    title: str
    description: str
    home: str
    """Site-relative URL of the page the feed stands for."""
    language: str
    items: list[Item]


def build_feeds(
    hub: Hub, site_url: str, site_name: str, *, undated: dt.datetime, memo: Memo | None = None
) -> list[FeedFile]:
    """Every feed of the hub, in every format: one per enabled section, and (unless switched
    off) one per tag and one per language, with the public items of every enabled kind.

    A feed's ``updated`` is its newest item's date; an empty feed takes the newest date of the
    hub's public items, or ``undated`` when it has none (the build's ``SOURCE_DATE_EPOCH``), so
    that the same content always gives the same feeds.

    ``memo`` (a build cache) keeps each feed, and each item's HTML, by what they are made of.
    """
    files = []
    contents = _Contents(hub, site_url, memo)
    newest = max((item.date for item in hub.public_items()), default=undated)
    for channel in _channels(hub, site_name):
        feed = _Feed(hub, site_url, channel, contents, updated=newest)
        for fmt in hub.options.feeds_formats:

            def make(feed: _Feed = feed, fmt: str = fmt) -> str:
                return feed.json() if fmt == "json" else feed.xml(fmt)

            about = [channel.key, channel.title, channel.description, channel.home]
            parts = ["feed", fmt, *about, channel.language, feed.updated.isoformat()]
            text = _kept(memo, [*parts, *channel.items], make)
            files.append(FeedFile(hub.feed_path(channel.key, fmt), text, fmt, channel.key))
    return files


def _channels(hub: Hub, site_name: str) -> list[_Channel]:
    limit = hub.options.feeds_max
    language = hub.options.site_language

    def describe(kind: str, **values: str) -> str:
        return gettext(language, DESCRIPTIONS[kind], site=site_name, **values)

    channels = []
    for kind, section in KIND_SECTIONS.items():
        if hub.enabled(kind):
            title = f"{site_name}: {hub.section_title(kind)}"
            home = hub.url_of(hub.index_uri(kind))
            items = hub.catalog.public(kind)[:limit]
            channels.append(_Channel(section, title, describe(kind), home, language, items))
    items = hub.public_items()
    if hub.options.feeds_tags:
        for tag, tagged in hub.tags_of(items).items():
            name = hub.options.tag_names.name(tag, language)
            home = hub.url_of(hub.tag_uri(tag)) if hub.options.tags else ""
            channels.append(
                _Channel(
                    hub.tag_feeds(tag),
                    f"{site_name}: {name}",
                    describe("tag", name=name),
                    home,
                    language,
                    tagged[:limit],
                )
            )
    for code, name in hub.feed_languages():
        chosen = [item for item in items if item.language.lower() == code][:limit]
        key, description = hub.language_feeds(code), describe("language", name=name)
        channels.append(_Channel(key, f"{site_name}: {name}", description, "", code, chosen))
    return channels


def alternate_links(hub: Hub, spec: PageSpec) -> str:
    """``<link rel="alternate">`` elements for feed readers: on a section's index pages its own
    feeds, on a tag's page the tag's, on the home page every section's."""
    titles = {section: hub.section_title(kind) for kind, section in KIND_SECTIONS.items()}
    if spec.view == "home":
        sections = [s for kind, s in KIND_SECTIONS.items() if hub.enabled(kind)]
    elif spec.view == "index" and spec.section:
        sections = [spec.section]
    elif spec.view == "tag" and spec.feeds:
        sections = [spec.feeds]
        titles[spec.feeds] = spec.title
    else:
        return ""
    page_url = hub.url_of(spec.src_uri)
    links = []
    for section in sections:
        for fmt in hub.options.feeds_formats:
            href = relative_url(hub.feed_path(section, fmt), page_url)
            title = escape(f"{titles[section]} ({FEED_FORMAT_NAMES[fmt]})", quote=True)
            links.append(
                f'<link rel="{FEED_LINK_REL}" type="{MEDIA_TYPES[fmt]}" href="{escape(href)}" '
                f'title="{title}">'
            )
    return "\n".join(links)


def _kept(memo: Memo | None, parts: list, make: Callable[[], str]) -> str:
    """``make()``, or its text kept in the build cache ``memo`` by ``parts`` (see :class:`Memo`)."""
    return make() if memo is None else memo.text(parts, make)


def item_html(
    item: Item, language: str = "en", absolute: _Absolute | None = None, kind: str | None = None
) -> str:
    """The full text of an item as sanitised HTML: quote and disclosure, question and answers.

    Args:
        item: The item.
        language: The site's: the language of Kehila's own words.
        absolute: Makes a link or image URL of the item's text absolute (feeds leave their
            site: a relative URL would point into the reader's own pages).
        kind: A label saying what the item is, shown first (feeds that mix kinds).
    """
    return _labelled(kind, _html(item_markdown(item, language), absolute))


def item_markdown(item: Item, language: str) -> str:
    """The Markdown of :func:`item_html` (without the label)."""
    parts: list[str] = []
    if item.kind == "story" and item.quote:
        parts.append(f"> {item.quote}\n")
        if item.author:
            parts.append(f"— {item.author.name}\n")
    if item.disclosure and item.disclosure.is_material:
        label = gettext(language, DISCLOSURE_LABELS[item.disclosure.type])
        text = f": {item.disclosure.text}" if item.disclosure.text else ""
        parts.append(f"**{gettext(language, N_('Disclosure'))}:** {label}{text}\n")
    parts.append(item.body)
    for accepted in item.accepted_answers:
        by = gettext(language, N_("Accepted answer by %(name)s:"), name=accepted.author.name)
        parts.append(f"\n**{by}**\n\n{accepted.body}")
    return "\n\n".join(parts)


def _html(text: str, absolute: _Absolute | None = None) -> str:
    """``text`` as sanitised HTML after a line break, or nothing when its Markdown makes no HTML
    at all: what follows a label (see :func:`_labelled`)."""
    html = _markdown().reset().convert(text)
    if not html:
        return ""
    return "\n" + FEED.clean(html, attribute_filter=absolute.filter if absolute else None)


def _labelled(kind: str | None, html: str) -> str:
    """An item's HTML (from :func:`_html`) after a paragraph saying what the item is. The label is
    a paragraph of its own: converted apart, it gives the HTML it gives converted with the text,
    so that one conversion of the text serves the feeds that mix kinds and those that do not."""
    if not kind:
        return html[1:]
    return _label_html(kind) + html


@functools.lru_cache(maxsize=16)
def _label_html(kind: str) -> str:
    return _html(f"*{kind}*\n")[1:]


class _Absolute:
    """Rewrites the relative URLs of one item's HTML into absolute ones (nh3's attribute filter).

    Links in an item's Markdown are relative to its generated page's source path (see
    :meth:`Hub.relink`), as MkDocs resolves them: ``../questions/dst.md`` from
    ``stories/acme.md`` is ``questions/dst/`` on the site.
    """

    def __init__(self, hub: Hub, site_url: str, src_uri: str) -> None:
        self.hub = hub
        self.site_url = site_url
        self.folder = posixpath.dirname(src_uri)

    def filter(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src") or not value or value.startswith("#"):
            return value
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            return value
        path = posixpath.normpath(posixpath.join(self.folder, parts.path)) if parts.path else ""
        if path.startswith("../") or path == "..":
            return None
        path = "" if path == "." else path
        if path.endswith(".md"):
            path = self.hub.url_of(path)
        query = f"?{parts.query}" if parts.query else ""
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return urljoin(self.site_url, path) + query + fragment


class _Contents:
    """Each item's feed HTML, converted once however many feeds list it (the feeds that mix kinds
    put the kind's label before it)."""

    def __init__(self, hub: Hub, site_url: str, memo: Memo | None = None) -> None:
        self.hub = hub
        self.site_url = site_url
        self.memo = memo
        self.language = hub.options.site_language
        self._html: dict[int, str] = {}

    def html(self, item: Item, *, mixed: bool) -> str:
        found = self._html.get(id(item))
        if found is None:
            found = _kept(self.memo, ["item-html", item], functools.partial(self._make, item))
            self._html[id(item)] = found
        kind = gettext(self.language, TEXT[f"kind_{item.kind}"]) if mixed else None
        return _labelled(kind, found)

    def _make(self, item: Item) -> str:
        """The item's HTML as :func:`_html` gives it (to go after a label or not)."""
        src_uri = self.hub.src_uri_for(item)
        text = self.hub.relink(item.body, item, src_uri)
        relinked = item if text == item.body else _with_body(item, text)
        absolute = _Absolute(self.hub, self.site_url, src_uri)
        return _html(item_markdown(relinked, self.language), absolute)


def _with_body(item: Item, body: str) -> Item:
    return dataclasses.replace(item, body=body)


@functools.cache
def _markdown() -> markdown.Markdown:
    # One converter, reset between items: building one per item costs more than converting.
    return markdown.Markdown(extensions=_MARKDOWN_EXTENSIONS)


def item_summary(item: Item) -> str:
    return item.summary or item.quote or item.title


class _Feed:
    """One feed, written in any of the formats."""

    def __init__(
        self,
        hub: Hub,
        site_url: str,
        channel: _Channel,
        contents: _Contents,
        *,
        updated: dt.datetime,
    ):
        self.hub = hub
        self.site_url = site_url
        self.items = channel.items
        self.updated = self.items[0].date if self.items else updated
        self.section = channel.key
        self.mixed = channel.key not in KIND_SECTIONS.values()
        self.title = channel.title
        self.description = channel.description
        self.home = self.absolute(channel.home)
        self.language = channel.language
        self.contents = contents
        self.kind_scheme = self.absolute(hub.url_of(hub.feeds_page_uri())) + "#kind"

    def content_html(self, item: Item) -> str:
        return self.contents.html(item, mixed=self.mixed)

    def absolute(self, url: str) -> str:
        return urljoin(self.site_url, url)

    def item_url(self, item: Item) -> str:
        return self.absolute(self.hub.url_of(self.hub.src_uri_for(item)))

    def xml(self, fmt: str) -> str:
        fg = FeedGenerator()
        fg.load_extension("dc")
        fg.id(self.home)
        fg.title(self.title)
        # feedgen takes RSS's <channel><link> from the last link given: the alternate one.
        fg.link(href=self.absolute(self.hub.feed_path(self.section, fmt)), rel="self")
        fg.link(href=self.home, rel="alternate")
        fg.description(self.description)
        fg.language(self.language)
        fg.generator("Kehila")
        # Never the clock (feedgen's default): the same content gives the same feed.
        fg.updated(self.updated)
        fg.lastBuildDate(self.updated)
        for item in self.items:
            url = self.item_url(item)
            entry = fg.add_entry(order="append")
            entry.id(url)
            entry.guid(url, permalink=True)
            entry.title(item.title)
            entry.link(href=url, rel="alternate", hreflang=item.language)
            entry.published(item.date)
            entry.updated(item.date)
            # Plain text, but RSS readers render <description> as HTML (feedgen copies the
            # summary there): escaped as HTML, a harvested "<script>" stays text in every reader.
            entry.summary(escape(item_summary(item), quote=False), type="html")
            entry.content(self.content_html(item), type="html")
            if item.author:
                entry.author(name=item.author.name, uri=item.author.url)
                entry.dc.dc_creator(item.author.name)
            # No label: RSS would carry the label, not the term, as the category's text.
            entry.category(term=item.kind, scheme=self.kind_scheme)
            for tag in item.tags:
                entry.category(term=tag)
        raw = fg.atom_str(pretty=True) if fmt == "atom" else fg.rss_str(pretty=True)
        return raw.decode("utf-8")

    def json(self) -> str:
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.title,
            "description": self.description,
            "home_page_url": self.home,
            "feed_url": self.absolute(self.hub.feed_path(self.section, "json")),
            "language": self.language,
            "items": [self._json_item(item) for item in self.items],
        }
        return json.dumps(feed, indent=2, ensure_ascii=False) + "\n"

    def _json_item(self, item: Item) -> dict[str, object]:
        url = self.item_url(item)
        entry: dict[str, object] = {
            "id": url,
            "url": url,
            "title": item.title,
            "content_html": self.content_html(item),
            "summary": item_summary(item),
            "date_published": item.date.isoformat(),
            "language": item.language,
            "tags": list(item.tags),
            "_kehila": {"kind": item.kind},
        }
        if item.author:
            author = {"name": item.author.name}
            if item.author.url:
                author["url"] = item.author.url
            entry["authors"] = [author]
        if item.source and item.source.public_url:
            entry["external_url"] = item.source.public_url
        return entry
