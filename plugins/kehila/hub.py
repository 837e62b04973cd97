"""The public hub as a list of pages to generate (engine-neutral: no MkDocs here).

:class:`Hub` takes a :class:`~kehila.content.Catalog` and :class:`HubOptions` and returns
:class:`PageSpec` objects: a source path, a title and Markdown rendered from the Jinja templates in
``templates/``. The MkDocs plugin turns them into virtual files; another engine could do the same.
Only public items (published, not private) are ever rendered, except that an editor's preview
(``preview_pending``) adds pending items as draft pages with a visible banner.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from dataclasses import dataclass, field
from functools import cached_property

import babel
import babel.dates
from markupsafe import Markup
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .content import Catalog
from .model import Item

KIND_SECTIONS = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}


@dataclass
class HubOptions:
    """What to generate and where; the plugin fills this from its typed configuration."""

    home: bool = True
    home_title: str = "Community hub"
    home_latest: int = 5
    stories: bool = True
    stories_title: str = "Success stories"
    stories_url_format: str = "stories/{slug}"
    questions: bool = True
    questions_title: str = "Questions & answers"
    questions_url_format: str = "questions/{slug}"
    newsletter: bool = True
    newsletter_title: str = "Newsletter archive"
    newsletter_url_format: str = "newsletter/{date:%Y}/{slug}"
    use_directory_urls: bool = True
    site_language: str = "en"


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

    @property
    def language(self) -> str | None:
        return self.item.language if self.item else None

    @property
    def direction(self) -> str | None:
        return self.item.direction if self.item else None


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
        return f"{KIND_SECTIONS[kind]}/index.md"

    def url_of(self, src_uri: str) -> str:
        """The site-relative URL MkDocs gives a Markdown source path."""
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

    # -- pages -----------------------------------------------------------------------------------

    def pages(self, *, preview_pending: bool = False) -> list[PageSpec]:
        """Every page of the hub: item pages, one index per kind, and the home page."""
        pages: list[PageSpec] = []
        for kind in KIND_SECTIONS:
            if not self.enabled(kind):
                continue
            for item in self.catalog.public(kind):
                pages.append(self._item_page(item))
            if preview_pending:
                for item in self.catalog.pending(kind):
                    pages.append(self._item_page(item, draft=True))
            pages.append(self._index_page(kind))
        if self.options.home:
            pages.append(self._home_page())
        return pages

    def _item_page(self, item: Item, *, draft: bool = False) -> PageSpec:
        src_uri = self.src_uri_for(item)
        markdown = self._render(
            f"{item.kind}.md",
            src_uri,
            item=item,
            draft=draft,
            index_url=self.index_uri(item.kind),
        )
        return PageSpec(
            src_uri, item.title, markdown, item=item, draft=draft, harvested=item.source is not None
        )

    def _index_page(self, kind: str) -> PageSpec:
        src_uri = self.index_uri(kind)
        title = getattr(self.options, f"{KIND_SECTIONS[kind]}_title")
        markdown = self._render(
            f"{kind}_index.md", src_uri, title=title, items=self.catalog.public(kind)
        )
        return PageSpec(src_uri, title, markdown, harvested=True)

    def _home_page(self) -> PageSpec:
        latest = self.options.home_latest
        stories = self.catalog.public("story") if self.options.stories else []
        featured = [s for s in stories if s.featured] or stories
        sections = {
            kind: getattr(self.options, f"{KIND_SECTIONS[kind]}_title")
            for kind in KIND_SECTIONS
            if self.enabled(kind)
        }
        markdown = self._render(
            "home.md",
            "index.md",
            title=self.options.home_title,
            featured=featured[:latest],
            questions=self.catalog.public("qa")[:latest] if self.options.questions else [],
            newsletter=self.catalog.public("newsletter")[:1] if self.options.newsletter else [],
            counts={kind: len(self.catalog.public(kind)) for kind in sections},
            indexes={kind: self.index_uri(kind) for kind in sections},
            sections=sections,
        )
        return PageSpec("index.md", self.options.home_title, markdown, harvested=True)

    # -- rendering -------------------------------------------------------------------------------

    def _render(self, template: str, src_uri: str, **context: object) -> str:
        page_url = self.url_of(src_uri)

        def link(target: Item | str) -> str:
            uri = self.src_uri_for(target) if isinstance(target, Item) else target
            return relative_url(self.url_of(uri), page_url)

        return self._env.get_template(template).render(
            link=link, page_url=page_url, options=self.options, **context
        )

    @cached_property
    def _env(self) -> Environment:
        env = Environment(
            loader=PackageLoader("kehila", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["date"] = format_date
        env.filters["isodate"] = lambda d: d.date().isoformat()
        env.filters["yaml_str"] = lambda s: Markup(json.dumps(s, ensure_ascii=False))
        return env


def relative_url(target: str, base: str) -> str:
    """A link from the page at site URL ``base`` to site URL ``target`` (both without leading /)."""
    base_dir = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    rel = posixpath.relpath("/" + target, "/" + base_dir)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return "./" if rel == "./" or rel == "." else rel


def format_date(value: dt.datetime, language: str = "en", fmt: str = "long") -> str:
    """A date as people of ``language`` write it (falls back to English for unknown tags)."""
    try:
        locale = babel.Locale.parse(language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        locale = babel.Locale.parse("en")
    return babel.dates.format_date(value.date(), format=fmt, locale=locale)
