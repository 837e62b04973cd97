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
