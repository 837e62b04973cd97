"""The hub's options: what to generate and where (engine-neutral: the MkDocs plugin fills them
from its configuration, the newsletter commands from ``mkdocs.yml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .content import TagNames
from .i18n import N_, gettext

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


#: The feed formats, in the order feeds are offered.
FEED_FORMATS = ("atom", "rss", "json")


def option(default: Any, kind: str = "switch", **details: Any) -> Any:
    """A hub option that is also an option of the ``kehila`` plugin, with its one default.

    ``kind`` says how the plugin's configuration checks it (:mod:`kehila.mkdocs.config` builds
    its schema from these fields): ``switch`` (true or false), ``title`` (unset: the catalog's
    title), ``number`` (a whole number of at least 1), ``site_path``, ``url_format`` (an item
    URL format), ``page_url_format`` (with the ``placeholder`` it must hold), ``feed_formats``,
    ``newsletter`` (true, false or the ``newsletter:`` block).
    """
    metadata = {"option": kind, **details}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class HubOptions:
    """What to generate and where; the plugin fills this from its typed configuration.

    Each option made with :func:`option` is an option of the ``kehila`` plugin of the same name
    and default: the plugin's schema is built from this table. A title left empty is the
    catalog's default title in the site's language.
    """

    # Home page
    home: bool = option(True)
    home_title: str = option("", "title")
    home_featured: int = option(3, "number")
    home_latest: int = option(5, "number")
    # Success stories: index with cards, one page per story
    stories: bool = option(True)
    stories_title: str = option("", "title")
    stories_url: str = option("stories", "site_path")
    stories_url_format: str = option("stories/{slug}", "url_format")
    stories_per_page: int = option(24, "number")
    # Wall of love: every story's quote on one page, filterable by tag
    wall: bool = option(True)
    wall_title: str = option("", "title")
    wall_url: str = option("stories/wall", "site_path")
    wall_max: int = option(200, "number")
    # Questions and answers: knowledge base by tag, one page per thread
    questions: bool = option(True)
    questions_title: str = option("", "title")
    questions_url: str = option("questions", "site_path")
    questions_url_format: str = option("questions/{slug}", "url_format")
    questions_per_page: int = option(50, "number")
    # Newsletter archive: issues by year, permanent URLs from date and stored slug. In mkdocs.yml
    # a mapping instead of true configures the email of each issue (`kehila newsletter`).
    newsletter: bool = option(True, "newsletter")
    newsletter_title: str = option("", "title")
    newsletter_url: str = option("newsletter", "site_path")
    newsletter_url_format: str = option("newsletter/{date:%Y}/{slug}", "url_format")
    newsletter_years: bool = option(True)
    newsletter_year_url_format: str = option(
        "newsletter/{year}", "page_url_format", placeholder="year"
    )
    newsletter_subscribe_url: str | None = None
    """Where readers subscribe (``subscribe_url`` of the ``newsletter:`` block): archive pages
    link to it."""
    # Tags: one page per tag across kinds, and an index of all tags
    tags: bool = option(True)
    tags_title: str = option("", "title")
    tags_url: str = option("tags", "site_path")
    tags_url_format: str = option("tags/{slug}", "page_url_format", placeholder="slug")
    # Feeds: Atom, RSS 2.0 and JSON Feed for stories, questions and the newsletter, every tag
    # and every language, and a page that lists them
    feeds: bool = option(True)
    feeds_formats: list[str] = option(list(FEED_FORMATS), "feed_formats")
    feeds_url_format: str = option("feeds/{section}", "page_url_format", placeholder="section")
    feeds_max: int = option(20, "number")
    feeds_tags: bool = option(True)
    feeds_languages: bool = option(True)
    feeds_page: bool = option(True)
    feeds_page_url: str = option("feeds", "site_path")
    feeds_page_title: str = option("", "title")
    # Embed: the wall of love on other sites (a loader script, a sandboxed frame, static
    # fragments) and the hub's "Embed" page that writes the snippet
    embed: bool = option(True)
    embed_url: str = option("embed", "site_path")
    embed_page_url: str = option("stories/embed", "site_path")
    embed_page_title: str = option("", "title")
    embed_max: int = option(50, "number")
    # What the site says (not options of the plugin)
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
