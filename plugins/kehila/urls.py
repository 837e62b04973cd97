"""Where the hub puts its pages: source paths from the URL options, site URLs, relative links.

:class:`HubUrls` is the first layer of :class:`~kehila.hub.Hub`: every path and URL of a page,
from the options alone, and nothing about what a page shows."""

from __future__ import annotations

import functools
import posixpath
import re
from functools import cached_property

from .content import Catalog
from .hub_options import HubOptions
from .model import Item, slugify

KIND_SECTIONS = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}


class HubUrls:
    """Paths and URLs of the hub's pages (see :class:`~kehila.hub.Hub`)."""

    catalog: Catalog
    options: HubOptions

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


@functools.lru_cache(maxsize=4096)
def tag_slug(tag: str) -> str:
    """The URL slug of a tag (tags that slugify alike share one page)."""
    return slugify(tag) or "tag"


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
