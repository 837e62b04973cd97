"""Atom, RSS 2.0 and JSON Feed for stories, questions and the newsletter archive.

Feeds are built from the content model (never by reading rendered pages back), so they hold
exactly the public items the pages hold. Atom and RSS come from feedgen; JSON Feed 1.1
(https://www.jsonfeed.org/version/1.1/) is plain JSON and written directly. Every URL in a feed is
absolute, made from MkDocs' ``site_url``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin

import markdown
import nh3
from feedgen.feed import FeedGenerator

from .hub import DISCLOSURE_LABELS, FEED_FORMAT_NAMES, KIND_SECTIONS, Hub, PageSpec, relative_url
from .i18n import N_, gettext
from .model import Item

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
#: ``feeds/sitemap.xml``, a 404 and a console error on every page with feed links.
FEED_LINK_REL = "alternate feed"

#: What each section's feed is, for feed readers (catalog messages).
DESCRIPTIONS = {
    "story": N_("Customers' success stories, in their own words, from %(site)s."),
    "qa": N_("Questions the community of %(site)s asked and answered."),
    "newsletter": N_("Every issue of the %(site)s newsletter."),
}


@dataclass
class FeedFile:
    path: str
    """Site path, e.g. ``feeds/stories.atom.xml``."""
    text: str
    format: str
    section: str


def build_feeds(hub: Hub, site_url: str, site_name: str) -> list[FeedFile]:
    """Every feed of the hub: one per enabled section and format."""
    files = []
    for kind, section in KIND_SECTIONS.items():
        if not hub.enabled(kind):
            continue
        items = hub.catalog.public(kind)[: hub.options.feeds_max]
        feed = _Feed(hub, site_url, site_name, kind, items)
        for fmt in hub.options.feeds_formats:
            text = feed.json() if fmt == "json" else feed.xml(fmt)
            files.append(FeedFile(hub.feed_path(section, fmt), text, fmt, section))
    return files


def alternate_links(hub: Hub, spec: PageSpec) -> str:
    """``<link rel="alternate">`` elements for feed readers: on a section's index pages its own
    feeds, on the home page every section's."""
    if spec.view == "home":
        sections = [s for kind, s in KIND_SECTIONS.items() if hub.enabled(kind)]
    elif spec.view == "index" and spec.section:
        sections = [spec.section]
    else:
        return ""
    titles = {section: hub.section_title(kind) for kind, section in KIND_SECTIONS.items()}
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


def item_html(item: Item, language: str = "en") -> str:
    """The full text of an item as sanitised HTML: quote and disclosure, question and answers
    (Kehila's words in ``language``, the site's)."""
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
    html = _markdown().reset().convert("\n\n".join(parts))
    return nh3.clean(html, url_schemes={"http", "https", "mailto"})


@functools.cache
def _markdown() -> markdown.Markdown:
    # One converter, reset between items: building one per item costs more than converting.
    return markdown.Markdown(extensions=_MARKDOWN_EXTENSIONS)


def item_summary(item: Item) -> str:
    return item.summary or item.quote or item.title


class _Feed:
    """One section's feed, written in any of the formats."""

    def __init__(self, hub: Hub, site_url: str, site_name: str, kind: str, items: list[Item]):
        self.hub = hub
        self.site_url = site_url
        self.kind = kind
        self.items = items
        self.section = KIND_SECTIONS[kind]
        self.title = f"{site_name}: {hub.section_title(kind)}"
        self.home = self.absolute(hub.url_of(hub.index_uri(kind)))
        self.language = hub.options.site_language
        self.description = gettext(self.language, DESCRIPTIONS[kind], site=site_name)
        # Every format shows the same text: each item is converted once, not once per format.
        self._html: dict[int, str] = {}

    def content_html(self, item: Item) -> str:
        html = self._html.get(id(item))
        if html is None:
            html = self._html[id(item)] = item_html(item, self.language)
        return html

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
        if self.items:
            fg.updated(self.items[0].date)
            fg.lastBuildDate(self.items[0].date)
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
        }
        if item.author:
            author = {"name": item.author.name}
            if item.author.url:
                author["url"] = item.author.url
            entry["authors"] = [author]
        if item.source and item.source.public_url:
            entry["external_url"] = item.source.public_url
        return entry
