"""The public hub as a list of pages to generate (engine-neutral: no MkDocs here).

:class:`Hub` takes a :class:`~kehila.content.Catalog` and :class:`HubOptions` and returns
:class:`PageSpec` objects: a source path, a title and Markdown rendered from the Jinja templates in
``templates/``. The MkDocs plugin turns them into virtual files; another engine could do the same.
Only public items (published, not private) are ever rendered, except that an editor's preview
(``preview_pending``) adds pending items as draft pages with a visible banner.

Generated pages (one generator per view, as Material's blog has):

- a page per item (story, Q&A thread, newsletter issue),
- the stories index (cards, paginated) and the wall of love (quotes, filterable by tag),
- the questions knowledge base (topics, then every thread, paginated),
- the newsletter archive by year (and a page per year), issues linked previous/next,
- a page per tag across kinds and an index of tags,
- the home page.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import posixpath
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import babel.dates
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from .content import Catalog, TagNames, resolve_relative_link
from .i18n import N_, direction, format_number, gettext, locale, translations
from .links import links
from .model import Item, slugify

KIND_SECTIONS = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}

#: What each disclosure type says beside a quote (the law of testimonials wants it visible);
#: catalog messages, shown in the site's language.
DISCLOSURE_LABELS = {
    "employee": N_("Works for us"),
    "paid": N_("Paid testimonial"),
    "gifted": N_("Received a free product"),
    "partner": N_("Business partner"),
}

#: Default titles of the generated pages (catalog messages): a title set in mkdocs.yml wins.
DEFAULT_TITLES = {
    "home_title": N_("Community hub"),
    "stories_title": N_("Success stories"),
    "wall_title": N_("Wall of love"),
    "questions_title": N_("Questions & answers"),
    "newsletter_title": N_("Newsletter archive"),
    "tags_title": N_("Tags"),
    "feeds_page_title": N_("Feeds"),
    "embed_page_title": N_("Embed the wall"),
}
#: The title of the page left at the URL of an item that is no longer published.
REMOVED_TITLE = N_("This item was removed")


#: How feed formats are named for readers.
FEED_FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


class HubError(ValueError):
    """Two generated pages would share one path (a configuration mistake)."""


@dataclass
class HubOptions:
    """What to generate and where; the plugin fills this from its typed configuration.

    A title left empty is the catalog's default title in the site's language.
    """

    home: bool = True
    home_title: str = ""
    home_featured: int = 3
    home_latest: int = 5
    stories: bool = True
    stories_title: str = ""
    stories_url: str = "stories"
    stories_url_format: str = "stories/{slug}"
    stories_per_page: int = 24
    wall: bool = True
    wall_title: str = ""
    wall_url: str = "stories/wall"
    wall_max: int = 200
    questions: bool = True
    questions_title: str = ""
    questions_url: str = "questions"
    questions_url_format: str = "questions/{slug}"
    questions_per_page: int = 50
    newsletter: bool = True
    newsletter_title: str = ""
    newsletter_url: str = "newsletter"
    newsletter_url_format: str = "newsletter/{date:%Y}/{slug}"
    newsletter_years: bool = True
    newsletter_year_url_format: str = "newsletter/{year}"
    newsletter_subscribe_url: str | None = None
    """Where readers subscribe (``subscribe_url`` of the ``newsletter:`` block): archive pages
    link to it."""
    tags: bool = True
    tags_title: str = ""
    tags_url: str = "tags"
    tags_url_format: str = "tags/{slug}"
    feeds: bool = True
    feeds_formats: list[str] = field(default_factory=lambda: ["atom", "rss", "json"])
    feeds_url_format: str = "feeds/{section}"
    feeds_max: int = 20
    feeds_tags: bool = True
    feeds_languages: bool = True
    feeds_page: bool = True
    feeds_page_url: str = "feeds"
    feeds_page_title: str = ""
    embed: bool = True
    embed_url: str = "embed"
    embed_page_url: str = "stories/embed"
    embed_page_title: str = ""
    embed_max: int = 50
    use_directory_urls: bool = True
    site_language: str = "en"
    tag_names: TagNames = field(default_factory=TagNames)
    """How readers see each tag per language (``content/.kehila/tags.yml``)."""
    content_label: str = "content"
    """How item paths start (the content folder as users see it): resolves links between files."""
    site_url: str = "/"
    """Where the hub is published (absolute URLs of feeds, the embed's snippet and fragments)."""

    def __post_init__(self) -> None:
        for name, message in DEFAULT_TITLES.items():
            if not getattr(self, name):
                setattr(self, name, gettext(self.site_language, message))

    @classmethod
    def from_options(cls, options: Mapping[str, Any], **site: Any) -> HubOptions:
        """The hub's options from the plugin's (same names), plus what MkDocs' configuration
        says (``use_directory_urls``, ``site_language``, ``content_label``, ``tag_names``).

        The plugin and the newsletter commands build their hubs with it, so that both give an
        item the same URL. ``newsletter`` may be the ``newsletter:`` block (the archive is on).
        """
        names = cls.__dataclass_fields__.keys()
        values = {k: v for k, v in options.items() if k in names}
        newsletter = options.get("newsletter", True)
        values["newsletter"] = newsletter is not False
        if isinstance(newsletter, Mapping):
            values["newsletter_subscribe_url"] = newsletter.get("subscribe_url")
        return cls(**values, **site)


@dataclass
class PageSpec:
    """One page to generate."""

    src_uri: str
    title: str
    markdown: str
    item: Item | None = None
    draft: bool = False
    """A preview page (pending item on ``serve``): never part of a build."""
    harvested: bool = False
    """The page shows text harvested from strangers: its HTML must be sanitised."""
    view: str = "item"
    """What the page is: item, index, wall, tag, tags, year, home, feeds, embed or removed."""
    section: str | None = None
    """The section (stories, questions, newsletter) the page belongs to, for feeds and crumbs."""
    feeds: str | None = None
    """The feeds the page offers readers (``<link rel="alternate">``) when they are not its
    section's: a tag's (``tags/<slug>``)."""
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    """Ancestors as (title, src_uri), home first; the page itself is not included."""
    noindex: bool = False
    """Search engines should not index the page (pagination, removed items)."""
    fast_markdown: str | None = None
    """:attr:`markdown` with every HTML block replaced by a marker (an HTML comment): what the
    MkDocs plugin hands to MkDocs. Only the items' own Markdown goes through Markdown; the
    hub's HTML (metadata, answers' frames, lists of items) is put in place afterwards by
    :meth:`finish`, so that no HTML is parsed by Markdown (``md_in_html``) on every page."""
    fragments: tuple[str, ...] = ()
    """The HTML blocks that :attr:`fast_markdown`'s markers stand for, in order."""

    @property
    def source(self) -> str:
        """The Markdown that MkDocs converts: :attr:`fast_markdown` where there is one."""
        return self.fast_markdown if self.fast_markdown is not None else self.markdown

    def finish(self, html: str) -> str | None:
        """Put the HTML blocks in place of their markers in the HTML converted from
        :attr:`fast_markdown`; ``None`` if a marker went missing or was repeated (an item's
        Markdown swallowed it, e.g. an unclosed code fence): convert :attr:`markdown` instead.
        """
        return finish_html(html, self.fragments)

    @property
    def language(self) -> str | None:
        return self.item.language if self.item else None

    @property
    def direction(self) -> str | None:
        return self.item.direction if self.item else None


class Rendered(NamedTuple):
    """A template rendered for both ways of converting it (see :attr:`PageSpec.fast_markdown`)."""

    markdown: str
    fast_markdown: str
    fragments: tuple[str, ...]

    def spec_fields(self) -> dict[str, object]:
        return {"fast_markdown": self.fast_markdown, "fragments": self.fragments}


#: Marker of the n-th HTML block of a page: random per process, so that no item's text can
#: hold one (a rebuild under ``serve`` compares pages of the same process).
_NONCE = secrets.token_hex(6)
_MARKER = re.compile(rf"<!--kehila-{_NONCE}-(\d+)-->")


def marker_nonce() -> str:
    """This process's marker token (see :func:`use_marker_nonce`)."""
    return _NONCE


def use_marker_nonce(nonce: str) -> None:
    """Make this process's markers those of another (a worker rendering pages for the build)."""
    global _NONCE, _MARKER
    _NONCE, _MARKER = nonce, re.compile(rf"<!--kehila-{nonce}-(\d+)-->")


def finish_html(html: str, fragments: tuple[str, ...]) -> str | None:
    """``html`` with the n-th marker replaced by ``fragments[n]`` (see :meth:`PageSpec.finish`)."""
    if not fragments:
        return html
    parts = _MARKER.split(html)
    if parts[1::2] != [str(n) for n in range(len(fragments))]:
        return None
    out = parts[0::2]
    for number, fragment in enumerate(fragments):
        # md_in_html's attribute has no meaning outside Markdown (see Hub._render).
        out[number] += fragment.replace(" markdown>", ">")
    return "".join(out)


@dataclass
class Pager:
    """Where a paginated page sits among its siblings."""

    number: int
    count: int
    newer: str | None
    older: str | None


@dataclass
class Hub:
    catalog: Catalog
    options: HubOptions = field(default_factory=HubOptions)

    # -- paths and URLs --------------------------------------------------------------------------

    def src_uri_for(self, item: Item) -> str:
        """The generated page's source path, from the kind's URL format (never from the file)."""
        fmt = getattr(self.options, f"{KIND_SECTIONS[item.kind]}_url_format")
        path = fmt.format(slug=item.url_slug, date=item.date, id=item.id, kind=item.kind)
        return path.strip("/") + ".md"

    def index_uri(self, kind: str) -> str:
        return f"{self._section_url(kind)}/index.md"

    def wall_uri(self) -> str:
        return f"{self.options.wall_url}.md"

    def tag_uri(self, tag: str) -> str:
        return self.options.tags_url_format.format(slug=tag_slug(tag)).strip("/") + ".md"

    def tags_index_uri(self) -> str:
        return f"{self.options.tags_url}/index.md"

    def year_uri(self, year: int) -> str:
        return self.options.newsletter_year_url_format.format(year=year).strip("/") + "/index.md"

    def feed_path(self, section: str, fmt: str) -> str:
        """Site path of a section's feed in one format, e.g. ``feeds/stories.atom.xml``."""
        base = self.options.feeds_url_format.format(section=section).strip("/")
        return base + {"atom": ".atom.xml", "rss": ".rss.xml", "json": ".json"}[fmt]

    def tag_feeds(self, tag: str) -> str:
        """The feed key of a tag's feeds (see :meth:`feed_path`)."""
        return f"tags/{tag_slug(tag)}"

    def language_feeds(self, language: str) -> str:
        """The feed key of a language's feeds (see :meth:`feed_path`)."""
        return f"languages/{language.lower()}"

    def feeds_page_uri(self) -> str:
        return f"{self.options.feeds_page_url}/index.md"

    def embed_page_uri(self) -> str:
        return f"{self.options.embed_page_url}/index.md"

    def has_feeds_page(self) -> bool:
        return self.options.feeds and self.options.feeds_page

    def has_embed(self) -> bool:
        return self.options.stories and self.options.embed

    def url_of(self, src_uri: str) -> str:
        """The site-relative URL MkDocs gives a source path (Markdown or not)."""
        if not src_uri.endswith(".md"):
            return src_uri
        stem = src_uri[: -len(".md")]
        if not self.options.use_directory_urls:
            return stem + ".html"
        if stem == "index":
            return ""
        if stem.endswith("/index"):
            return stem[: -len("index")]
        return stem + "/"

    def enabled(self, kind: str) -> bool:
        return bool(getattr(self.options, KIND_SECTIONS[kind]))

    def _section_url(self, kind: str) -> str:
        return getattr(self.options, f"{KIND_SECTIONS[kind]}_url")

    def section_title(self, kind: str) -> str:
        return getattr(self.options, f"{KIND_SECTIONS[kind]}_title")

    # -- pages -----------------------------------------------------------------------------------

    def pages(self, *, preview_pending: bool = False) -> list[PageSpec]:
        """Every page of the hub.

        Raises:
            HubError: two pages would be generated at the same path.
        """
        pages: list[PageSpec] = []
        for kind in KIND_SECTIONS:
            if not self.enabled(kind):
                continue
            public = self.catalog.public(kind)
            for position, item in enumerate(public):
                # Newest first: the previous (older) issue is the next one in the list.
                older = public[position + 1] if position + 1 < len(public) else None
                newer = public[position - 1] if position > 0 else None
                pages.append(self._item_page(item, older=older, newer=newer))
            if preview_pending:
                pages += [self._item_page(item, draft=True) for item in self.catalog.pending(kind)]
            pages += self._index_pages(kind)
        if self.options.stories and self.options.wall:
            pages.append(self._wall_page())
        if self.options.newsletter and self.options.newsletter_years:
            pages += self._year_pages()
        if self.options.tags:
            pages += self._tag_pages()
        if self.has_feeds_page():
            pages.append(self._feeds_page())
        if self.has_embed():
            pages.append(self._embed_page())
        if self.options.home:
            pages.append(self._home_page())
        _check_unique(pages)
        return pages

    def public_items(self) -> list[Item]:
        """Items of the enabled kinds that the public site shows, newest first."""
        return [i for i in self.catalog.public() if self.enabled(i.kind)]

    def _crumbs_for(self, item: Item) -> list[tuple[str, str]]:
        crumbs = self._home_crumb() + [(self.section_title(item.kind), self.index_uri(item.kind))]
        if item.kind == "newsletter" and self.options.newsletter_years:
            crumbs.append((str(item.date.year), self.year_uri(item.date.year)))
        return crumbs

    def _home_crumb(self) -> list[tuple[str, str]]:
        return [(self.options.home_title, "index.md")] if self.options.home else []

    def _item_page(
        self,
        item: Item,
        *,
        draft: bool = False,
        older: Item | None = None,
        newer: Item | None = None,
    ) -> PageSpec:
        src_uri = self.src_uri_for(item)
        crumbs = self._crumbs_for(item)
        newsletter = item.kind == "newsletter"
        rendered = self._render(
            f"{item.kind}.md",
            src_uri,
            item=item,
            draft=draft,
            crumbs=crumbs,
            older=older if newsletter else None,
            newer=newer if newsletter else None,
        )
        fast = rendered.spec_fields()
        if any("<!--" in text for text in [item.body, *(a.body for a in item.answers)]):
            # A comment left open in the item's Markdown would end at the next marker and hide
            # the rest of the page: convert the whole page with md_in_html, as it is written.
            fast = {}
        return PageSpec(
            src_uri,
            item.title,
            rendered.markdown,
            item=item,
            draft=draft,
            harvested=item.source is not None,
            view="item",
            section=KIND_SECTIONS[item.kind],
            crumbs=crumbs,
            **fast,
        )

    def _index_pages(self, kind: str) -> list[PageSpec]:
        """The section's index, paginated (the newsletter archive lists every issue by year)."""
        items = self.catalog.public(kind)
        title = self.section_title(kind)
        section = KIND_SECTIONS[kind]
        per_page = {
            "story": self.options.stories_per_page,
            "qa": self.options.questions_per_page,
            "newsletter": max(len(items), 1),
        }[kind]
        base = self._section_url(kind)
        chunks = [items[i : i + per_page] for i in range(0, len(items), per_page)] or [[]]
        uris = [f"{base}/index.md"] + [f"{base}/page/{n}.md" for n in range(2, len(chunks) + 1)]
        pages = []
        for number, (uri, chunk) in enumerate(zip(uris, chunks, strict=True), start=1):
            pager = Pager(
                number,
                len(chunks),
                newer=uris[number - 2] if number > 1 else None,
                older=uris[number] if number < len(chunks) else None,
            )
            page_title = title
            if number > 1:
                page_title = gettext(
                    self.options.site_language,
                    N_("%(title)s (page %(number)s)"),
                    title=title,
                    number=format_number(number, self.options.site_language),
                )
            crumbs = self._home_crumb() + ([(title, uris[0])] if number > 1 else [])
            rendered = self._render(
                f"{kind}_index.md",
                uri,
                title=page_title,
                items=chunk,
                pager=pager,
                years=_by_year(chunk) if kind == "newsletter" else [],
                topics=self._topics(kind) if number == 1 else [],
                feeds=self._feed_links(section, uri),
            )
            pages.append(
                PageSpec(
                    uri,
                    page_title,
                    rendered.markdown,
                    harvested=True,
                    view="index",
                    section=section,
                    crumbs=crumbs,
                    noindex=number > 1,
                    **rendered.spec_fields(),
                )
            )
        return pages

    def _wall_page(self) -> PageSpec:
        uri = self.wall_uri()
        stories = [s for s in self.catalog.public("story") if s.quote][: self.options.wall_max]
        tags = sorted({tag for s in stories for tag in s.tags}, key=str.casefold)
        crumbs = self._home_crumb() + [(self.options.stories_title, self.index_uri("story"))]
        rendered = self._render(
            "wall.md", uri, title=self.options.wall_title, stories=stories, tags=tags
        )
        return PageSpec(
            uri,
            self.options.wall_title,
            rendered.markdown,
            harvested=True,
            view="wall",
            section="stories",
            crumbs=crumbs,
            **rendered.spec_fields(),
        )

    def _year_pages(self) -> list[PageSpec]:
        pages = []
        title = self.options.newsletter_title
        for year, issues in _by_year(self.catalog.public("newsletter")):
            uri = self.year_uri(year)
            crumbs = self._home_crumb() + [(title, self.index_uri("newsletter"))]
            rendered = self._render(
                "newsletter_year.md", uri, title=f"{title}: {year}", years=[(year, issues)]
            )
            pages.append(
                PageSpec(
                    uri,
                    f"{title}: {year}",
                    rendered.markdown,
                    harvested=True,
                    view="year",
                    section="newsletter",
                    crumbs=crumbs,
                    **rendered.spec_fields(),
                )
            )
        return pages

    def _tag_pages(self) -> list[PageSpec]:
        by_tag = self.tags_of(self.public_items())
        pages = []
        index_uri = self.tags_index_uri()
        crumbs = self._home_crumb()
        for tag, items in by_tag.items():
            uri = self.tag_uri(tag)
            groups = [
                (self.section_title(kind), [i for i in items if i.kind == kind])
                for kind in KIND_SECTIONS
            ]
            title = self.options.tag_names.name(tag, self.options.site_language)
            feeds = self.tag_feeds(tag) if self.options.feeds_tags else None
            rendered = self._render(
                "tag.md",
                uri,
                title=title,
                groups=[g for g in groups if g[1]],
                count=len(items),
                feeds=self._feed_links(feeds, uri) if feeds else [],
            )
            pages.append(
                PageSpec(
                    uri,
                    title,
                    rendered.markdown,
                    harvested=True,
                    view="tag",
                    feeds=feeds if self.options.feeds else None,
                    crumbs=crumbs + [(self.options.tags_title, index_uri)],
                    **rendered.spec_fields(),
                )
            )
        rendered = self._render(
            "tags_index.md",
            index_uri,
            title=self.options.tags_title,
            tags=[(tag, len(items)) for tag, items in by_tag.items()],
        )
        pages.append(
            PageSpec(
                index_uri,
                self.options.tags_title,
                rendered.markdown,
                harvested=True,
                view="tags",
                crumbs=crumbs,
                **rendered.spec_fields(),
            )
        )
        return pages

    def tags_of(self, items: Sequence[Item]) -> dict[str, list[Item]]:
        """Items by tag, tags in alphabetical order; tags with the same slug are one tag."""
        by_slug: dict[str, tuple[str, list[Item]]] = {}
        for item in items:
            # Two tags of one item may share a slug ("API", "api"): list the item once.
            for slug, tag in {tag_slug(tag): tag for tag in reversed(item.tags)}.items():
                by_slug.setdefault(slug, (tag, []))[1].append(item)
        ordered = sorted(by_slug.values(), key=lambda pair: pair[0].casefold())
        return dict(ordered)

    def _topics(self, kind: str) -> list[tuple[str, int]]:
        """Tags of one kind with their counts: the knowledge base's table of contents."""
        if kind != "qa" or not self.options.tags:
            return []
        return [(tag, len(items)) for tag, items in self.tags_of(self.catalog.public(kind)).items()]

    def _feed_links(self, section: str, uri: str) -> list[tuple[str, str]]:
        if not self.options.feeds:
            return []
        return [
            (FEED_FORMAT_NAMES[fmt], self.feed_path(section, fmt))
            for fmt in self.options.feeds_formats
        ]

    def feed_groups(self) -> dict[str, list[tuple[str, str]]]:
        """Every feed of the hub as (name, feed key), by group: sections, tags, languages."""
        groups: dict[str, list[tuple[str, str]]] = {
            "sections": [
                (self.section_title(kind), section)
                for kind, section in KIND_SECTIONS.items()
                if self.enabled(kind)
            ],
            "tags": [],
            "languages": [],
        }
        if self.options.feeds_tags:
            language = self.options.site_language
            groups["tags"] = [
                (self.options.tag_names.name(tag, language), self.tag_feeds(tag))
                for tag in self.tags_of(self.public_items())
            ]
        groups["languages"] = [
            (name, self.language_feeds(code)) for code, name in self.feed_languages()
        ]
        return groups

    def feed_languages(self) -> list[tuple[str, str]]:
        """(code, name) of every language of the public items, if each has its feeds."""
        if not self.options.feeds_languages:
            return []
        from .embed import language_name

        codes = sorted({item.language.lower() for item in self.public_items()})
        return [(code, language_name(code, self.options.site_language)) for code in codes]

    def _feeds_page(self) -> PageSpec:
        from .embed import texts

        text = texts(self.options.site_language)
        uri = self.feeds_page_uri()
        title = self.options.feeds_page_title
        groups = [
            (text[f"feeds_{group}"], [(name, self._feed_links(key, uri)) for name, key in feeds])
            for group, feeds in self.feed_groups().items()
            if feeds
        ]
        rendered = self._render("feeds.md", uri, title=title, groups=groups)
        return PageSpec(
            uri,
            title,
            rendered.markdown,
            harvested=True,
            view="feeds",
            crumbs=self._home_crumb(),
            **rendered.spec_fields(),
        )

    def _embed_page(self) -> PageSpec:
        from .embed import Embed

        uri = self.embed_page_uri()
        title = self.options.embed_page_title
        embed = Embed(self, self.options.site_url)
        crumbs = self._home_crumb() + [(self.options.stories_title, self.index_uri("story"))]
        context = embed.page_context(self.url_of(uri))
        rendered = self._render("embed.md", uri, title=title, **context)
        return PageSpec(
            uri,
            title,
            rendered.markdown,
            view="embed",
            section="stories",
            crumbs=crumbs,
            **rendered.spec_fields(),
        )

    def _home_page(self) -> PageSpec:
        latest = self.options.home_latest
        stories = self.catalog.public("story") if self.options.stories else []
        featured = [s for s in stories if s.featured] or stories
        sections = {kind: self.section_title(kind) for kind in KIND_SECTIONS if self.enabled(kind)}
        rendered = self._render(
            "home.md",
            "index.md",
            title=self.options.home_title,
            featured=featured[: self.options.home_featured],
            questions=self.catalog.public("qa")[:latest] if self.options.questions else [],
            newsletter=self.catalog.public("newsletter")[:1] if self.options.newsletter else [],
            counts={kind: len(self.catalog.public(kind)) for kind in sections},
            indexes={kind: self.index_uri(kind) for kind in sections},
            sections=sections,
        )
        return PageSpec(
            "index.md",
            self.options.home_title,
            rendered.markdown,
            harvested=True,
            view="home",
            **rendered.spec_fields(),
        )

    def removed_page(self, src_uri: str, title: str | None = None) -> PageSpec:
        """The page that stands at the URL of an item that is no longer published (``title``:
        the editor's, else the catalog's)."""
        title = title or gettext(self.options.site_language, REMOVED_TITLE)
        rendered = self._render("removed.md", src_uri, title=title)
        return PageSpec(
            src_uri,
            title,
            rendered.markdown,
            view="removed",
            crumbs=self._home_crumb(),
            noindex=True,
            **rendered.spec_fields(),
        )

    # -- rendering -------------------------------------------------------------------------------

    def relink(self, markdown: str, item: Item, src_uri: str) -> str:
        """Point relative links in an item's text at where their files are published.

        Editors link items as files (``../questions/2025-02-11-dst.md``) and put images beside
        them (``../img/x.png``), relative to the item's own file; the item is published at another
        path (its URL format), so every such link is rewritten relative to the generated page,
        where MkDocs resolves and validates it (the newsletter's email resolves it alike). A link
        to an item that is not public keeps its text and loses its target, so that no URL of an
        unpublished item leaks.
        """
        if not item.path or not _MAY_LINK_RELATIVELY.search(markdown):
            return markdown
        prefix = self.options.content_label.rstrip("/") + "/"

        def target_for(url: str) -> str | None:
            found = resolve_relative_link(item.path, url)
            if found is None:
                return url
            resolved, fragment = found
            linked = self._items_by_path.get(resolved)
            if linked is not None:
                if not linked.is_public or not self.enabled(linked.kind):
                    return None
                new = self.src_uri_for(linked)
            elif resolved.startswith(prefix):
                new = resolved[len(prefix) :]
            else:
                return url
            relative = posixpath.relpath(new, posixpath.dirname(src_uri) or ".")
            # A decoded path may hold what ends a Markdown link: written %-escaped again.
            return _LINK_BREAKERS.sub(lambda m: f"%{ord(m[0]):02X}", relative) + fragment

        edits: list[tuple[int, int, str]] = []
        for link in links(markdown):
            if link.span is None or link.written is None or link.kind == "autolink":
                continue
            target = target_for(link.written)
            if target == link.written:
                continue
            start, end = link.span
            if target is not None:
                edits.append((start, end, target))
            elif link.kind == "definition":
                edits.append((start, end, "#"))
            else:
                # The words stay, without the brackets that made them a link.
                if link.extent is None or link.text is None:
                    continue
                edits.append((link.extent[0], link.text[0], ""))
                edits.append((link.text[1], link.extent[1], ""))
        return _edited(markdown, edits)

    @cached_property
    def _items_by_path(self) -> dict[str, Item]:
        return {item.path: item for item in self.catalog.items if item.path}

    def _render(self, template: str, src_uri: str, **context: object) -> Rendered:
        page_url = self.url_of(src_uri)
        h = _Helpers(self, src_uri, page_url, context.get("item"))  # type: ignore[arg-type]
        fragments: list[str] = []
        fast = self._env.get_template(template).render(
            h=h,
            relink=h.relink,
            tag_name=h.tag_name,
            link=h.link,
            tag_link=h.tag_link,
            page_url=page_url,
            options=self.options,
            wall_link=h.link(self.wall_uri())
            if self.options.stories and self.options.wall
            else None,
            tags_link=h.link(self.tags_index_uri()) if self.options.tags else None,
            embed_link=h.link(self.embed_page_uri()) if self.has_embed() else None,
            feeds_page_link=h.link(self.feeds_page_uri()) if self.has_feeds_page() else None,
            _fragments=fragments,
            **context,
        )
        markdown = _MARKER.sub(lambda m: fragments[int(m[1])], fast) if fragments else fast
        return Rendered(markdown, fast, tuple(fragments))

    def item_url(self, item: Item) -> str:
        """The site-relative URL of an item's page (kept: index and tag pages ask often)."""
        hit = self._item_urls.get(id(item))
        if hit is not None and hit[0] is item:
            return hit[1]
        url = self.url_of(self.src_uri_for(item))
        self._item_urls[id(item)] = (item, url)
        return url

    @cached_property
    def _item_urls(self) -> dict[int, tuple[Item, str]]:
        return {}

    @cached_property
    def _env(self) -> Environment:
        language = self.options.site_language
        env = Environment(
            loader=PackageLoader("kehila", "templates"),
            extensions=["jinja2.ext.i18n"],
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Templates ship with the package: no file check on every include and import.
            auto_reload=False,
        )
        # Kehila's words in the site's language; %(name)s values are escaped unless Markup.
        env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        env.filters["number"] = lambda n: format_number(n, language)
        env.filters["bdi"] = lambda value: Markup("<bdi>{}</bdi>").format(value)
        env.filters["time"] = functools.partial(time_element, language=language)
        env.filters["isodate"] = lambda d: d.date().isoformat()
        env.filters["yaml_str"] = lambda s: Markup(json.dumps(s, ensure_ascii=False))
        env.filters["host"] = lambda url: urlsplit(url).hostname or url
        env.filters["tag_slug"] = tag_slug
        env.filters["stash"] = _stash
        env.globals["disclosure_labels"] = DISCLOSURE_LABELS
        from .embed import texts

        env.globals["t"] = texts(language)
        return env


#: Whether a text may hold a relative link, an image or a reference definition (only those are
#: rewritten): most texts have no link at all, or only links to other sites, and need no parse.
_MAY_LINK_RELATIVELY = re.compile(r"\]:|\]\(\s*<?(?!https?://|mailto:|#|\))")
#: Characters that would end or break a link target in Markdown.
_LINK_BREAKERS = re.compile(r"[\s()<>%]")


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` of ``edits`` (apart from each other) made."""
    parts, at = [], 0
    for start, end, new in sorted(edits):
        parts += [text[at:start], new]
        at = end
    return "".join(parts) + text[at:]


class _Helpers:
    """What one page's templates and macros call: links relative to the page, tag names.

    Macros get it as an argument (``h``), so that they are imported without the page's context
    (an import ``with context`` runs the imported template again for every page).
    """

    def __init__(self, hub: Hub, src_uri: str, page_url: str, item: Item | None) -> None:
        self.hub = hub
        self.src_uri = src_uri
        self.page_url = page_url
        self.item = item
        self.site_language = hub.options.site_language
        self.site_direction = direction(self.site_language)
        #: Arrows that point forward and back in the site's direction of reading.
        self.forward, self.back = ("←", "→") if self.site_direction == "rtl" else ("→", "←")
        self._tag_links: dict[str, str | None] = {}

    def relink(self, text: str) -> Markup:
        # Item texts are Markdown (for harvested items: sanitised, and cleaned again as HTML).
        assert self.item is not None
        return Markup(self.hub.relink(text, self.item, self.src_uri))

    def link(self, target: Item | str) -> str:
        if isinstance(target, Item):
            return relative_url(self.hub.item_url(target), self.page_url)
        return relative_url(self.hub.url_of(target), self.page_url)

    def tag_link(self, tag: str) -> str | None:
        # A tag is linked from most rows of a list page: once per tag and page is enough.
        if tag not in self._tag_links:
            enabled = self.hub.options.tags
            self._tag_links[tag] = self.link(self.hub.tag_uri(tag)) if enabled else None
        return self._tag_links[tag]

    def tag_name(self, tag: str, language: str | None = None) -> str:
        return self.hub.options.tag_names.name(tag, language or self.site_language)


@pass_context
def _stash(context: Context, html: str) -> Markup:
    """Keep a block of HTML out of the Markdown: a marker stands in its place (``{% filter
    stash %}``); see :attr:`PageSpec.fast_markdown`."""
    fragments: list[str] = context["_fragments"]
    fragments.append(str(html).strip("\n"))
    return Markup(f"\n\n<!--kehila-{_NONCE}-{len(fragments) - 1}-->\n\n")


@functools.lru_cache(maxsize=4096)
def tag_slug(tag: str) -> str:
    """The URL slug of a tag (tags that slugify alike share one page)."""
    return slugify(tag) or "tag"


def _by_year(items: Sequence[Item]) -> list[tuple[int, list[Item]]]:
    years: dict[int, list[Item]] = {}
    for item in items:
        years.setdefault(item.date.year, []).append(item)
    return sorted(years.items(), reverse=True)


def _check_unique(pages: Sequence[PageSpec]) -> None:
    seen: dict[str, PageSpec] = {}
    for page in pages:
        other = seen.setdefault(page.src_uri, page)
        if other is not page:
            raise HubError(
                f"Two generated pages would be written to '{page.src_uri}': "
                f"'{other.title}' and '{page.title}'. Change one of the URL options."
            )


def relative_url(target: str, base: str) -> str:
    """A link from the page at site URL ``base`` to site URL ``target`` (both without leading /)."""
    base_dir = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    if not _ODD_PATH.search(target) and not _ODD_PATH.search(base_dir):
        # Plain paths (every URL the hub makes): what posixpath.relpath gives, several times faster.
        here = base_dir.split("/")[:-1]
        *folders, name = target.split("/")
        common = 0
        for mine, theirs in zip(here, folders, strict=False):
            if mine != theirs:
                break
            common += 1
        rel = "/".join([".."] * (len(here) - common) + folders[common:] + ([name] if name else []))
        if not rel:
            return "./"
        return rel + "/" if target.endswith("/") and not rel.endswith("/") else rel
    rel = posixpath.relpath("/" + target, "/" + base_dir)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return "./" if rel == "./" or rel == "." else rel


#: Paths that ``relative_url`` leaves to posixpath: empty segments, "." and "..".
_ODD_PATH = re.compile(r"//|(^|/)\.\.?(/|$)|^/")


def time_element(value: dt.datetime, fmt: str = "long", *, language: str) -> Markup:
    """A date as a ``<time>``, written for the site's readers (issue 14).

    Kehila's words and dates follow the site's language, whatever the item's: a Portuguese
    story on a Hebrew hub says its date in Hebrew, as the cards beside it do. The date is isolated
    in ``<bdi>`` and says its language, since it usually stands in the item's text and direction.
    """
    return Markup('<bdi lang="{}" dir="{}"><time datetime="{}">{}</time></bdi>').format(
        language, direction(language), value.date().isoformat(), format_date(value, language, fmt)
    )


@functools.lru_cache(maxsize=65_536)
def format_date(value: dt.datetime, language: str = "en", fmt: str = "long") -> str:
    """A date as people of ``language`` write it (falls back to English for unknown tags)."""
    return babel.dates.format_date(value.date(), format=fmt, locale=locale(language))
