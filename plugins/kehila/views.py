"""The hub's views: one generator per kind of page, and the templates that render them.

:class:`HubViews` is the third layer of :class:`~kehila.hub.Hub`, over its URLs and links:

Generated pages (one generator per view, as Material's blog has):

- a page per item (story, Q&A thread, newsletter issue),
- the stories index (cards, paginated) and the wall of love (quotes, filterable by tag),
- the questions knowledge base (topics, then every thread, paginated),
- the newsletter archive by year (and a page per year), issues linked previous/next,
- a page per tag across kinds and an index of tags,
- the home page.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from functools import cached_property
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .embed import Embed, language_name, texts
from .i18n import N_, direction, format_number, gettext, translations
from .linking import HubLinks
from .model import Item
from .pages import (
    DISCLOSURE_LABELS,
    FEED_FORMAT_NAMES,
    REMOVED_TITLE,
    Pager,
    PageSpec,
    Rendered,
    expand_markers,
    stash,
    time_element,
)
from .urls import KIND_SECTIONS, relative_url, tag_slug


class HubViews(HubLinks):
    """The page generators and the templates' environment."""

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
        codes = sorted({item.language.lower() for item in self.public_items()})
        return [(code, language_name(code, self.options.site_language)) for code in codes]

    def _feeds_page(self) -> PageSpec:
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
        markdown = expand_markers(fast, fragments)
        return Rendered(markdown, fast, tuple(fragments))

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
        env.filters["stash"] = stash
        env.globals["disclosure_labels"] = DISCLOSURE_LABELS
        env.globals["t"] = texts(language)
        return env


class _Helpers:
    """What one page's templates and macros call: links relative to the page, tag names.

    Macros get it as an argument (``h``), so that they are imported without the page's context
    (an import ``with context`` runs the imported template again for every page).
    """

    def __init__(self, hub: HubViews, src_uri: str, page_url: str, item: Item | None) -> None:
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


def _by_year(items: Sequence[Item]) -> list[tuple[int, list[Item]]]:
    years: dict[int, list[Item]] = {}
    for item in items:
        years.setdefault(item.date.year, []).append(item)
    return sorted(years.items(), reverse=True)
