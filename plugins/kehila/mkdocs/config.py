"""Typed options of the ``kehila`` MkDocs plugin.

Options are flat and grouped by feature prefix, each feature switched on by a bool of the same
name (as Material's blog does): ``stories``, then ``stories_title``, ``stories_url_format``.
Every option is documented in ``docs/configuration.md``, one table per feature.
"""

from __future__ import annotations

import datetime as dt
import posixpath

from mkdocs.config import base
from mkdocs.config import config_options as c

from ..newsletter.settings import NewsletterSettings

#: Placeholders an item URL format may use.
_ITEM_PLACEHOLDERS = {
    "slug": "a-slug",
    "id": "an-id",
    "kind": "story",
    "date": dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
}
#: Placeholders of the page URL formats other than items'.
_OTHER_PLACEHOLDERS = {"slug": "a-tag", "year": 2025, "section": "stories"}

FEED_FORMATS = ("atom", "rss", "json")


def _check_site_path(value: str, example: str) -> None:
    """Reject paths that would leave the site or be absolute (the same rule for every path)."""
    normal = posixpath.normpath(value) if value else ""
    if (
        not value
        or value.startswith("/")
        or value.endswith("/")
        or normal != value
        or normal.startswith("..")
        or "\\" in value
    ):
        raise base.ValidationError(
            f"Expected a site path without leading or trailing '/', such as '{example}', "
            f"but received: {value!r}"
        )


class UrlFormat(c.Type):
    """A URL format of item pages with ``{slug}`` (and optionally ``{date:%Y}``, ``{id}``)."""

    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        value = super().run_validation(value)
        if "{slug}" not in value and "{id}" not in value:
            raise base.ValidationError(
                f"Expected a URL format containing '{{slug}}' but received: {value!r}"
            )
        _check_format(value, _ITEM_PLACEHOLDERS, "{slug}, {id}, {kind} and {date:...}")
        _check_site_path(value, self.default)
        return value


class PageUrlFormat(c.Type):
    """A URL format of a generated page family, e.g. ``tags/{slug}`` or ``newsletter/{year}``."""

    def __init__(self, default: str, placeholder: str) -> None:
        super().__init__(str, default=default)
        self.placeholder = placeholder

    def run_validation(self, value: object) -> str:
        value = super().run_validation(value)
        if f"{{{self.placeholder}}}" not in value:
            raise base.ValidationError(
                f"Expected a URL format containing '{{{self.placeholder}}}' but received: {value!r}"
            )
        _check_format(value, _OTHER_PLACEHOLDERS, f"{{{self.placeholder}}}")
        _check_site_path(value, self.default)
        return value


class SitePath(c.Type):
    """A path inside the site such as ``stories`` or ``stories/wall`` (no leading slash)."""

    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        value = super().run_validation(value)
        _check_site_path(value, self.default)
        return value


class WholeNumber(c.Type):
    """A whole number of at least ``minimum`` (items per page, list lengths, worker processes)."""

    def __init__(self, default: int | None = None, *, minimum: int = 1) -> None:
        super().__init__(int, default=default)
        self.minimum = minimum

    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or (isinstance(value, int) and value < self.minimum):
            raise base.ValidationError(
                f"Expected a whole number of at least {self.minimum} but received: {value!r}"
            )
        return super().run_validation(value)


class NewsletterOption(c.BaseConfigOption[bool | dict]):
    """``true``, ``false``, or the ``newsletter:`` block (the archive on, and the email's
    settings: see :mod:`kehila.newsletter.settings`)."""

    def __init__(self) -> None:
        super().__init__()
        self.default = True

    def run_validation(self, value: object) -> bool | dict:
        if isinstance(value, bool):
            return value
        try:
            NewsletterSettings.from_options(value)
        except ValueError as exc:
            raise base.ValidationError(
                f"Expected true, false or a newsletter block: {exc}"
            ) from None
        assert isinstance(value, dict)
        return value


def _check_format(value: str, placeholders: dict[str, object], allowed: str) -> None:
    try:
        value.format(**placeholders)
    except (KeyError, IndexError, ValueError, AttributeError):
        raise base.ValidationError(
            f"Expected a URL format with only the placeholders {allowed} but received: {value!r}"
        ) from None


class KehilaConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Switch the whole plugin off (for example while writing ordinary pages)."""

    sources = c.ListOfItems(c.Type(dict), default=[])
    """Harvest sources, read by ``kehila harvest`` (never by the build)."""

    # The language of Kehila's words (a BCP 47 tag such as `he` or `pt-BR`); unset: the theme's
    # `language` (Material's convention), else English. Titles left unset (`stories_title`, ...)
    # are the catalog's titles in this language.
    language = c.Optional(c.Type(str))

    # Home page
    home = c.Type(bool, default=True)
    home_title = c.Optional(c.Type(str))
    home_featured = WholeNumber(default=3)
    home_latest = WholeNumber(default=5)

    # Success stories: index with cards, one page per story
    stories = c.Type(bool, default=True)
    stories_title = c.Optional(c.Type(str))
    stories_url = SitePath(default="stories")
    stories_url_format = UrlFormat(default="stories/{slug}")
    stories_per_page = WholeNumber(default=24)

    # Wall of love: every story's quote on one page, filterable by tag
    wall = c.Type(bool, default=True)
    wall_title = c.Optional(c.Type(str))
    wall_url = SitePath(default="stories/wall")
    wall_max = WholeNumber(default=200)

    # Questions and answers: knowledge base by tag, one page per thread
    questions = c.Type(bool, default=True)
    questions_title = c.Optional(c.Type(str))
    questions_url = SitePath(default="questions")
    questions_url_format = UrlFormat(default="questions/{slug}")
    questions_per_page = WholeNumber(default=50)

    # Newsletter archive: issues by year, permanent URLs from date and stored slug
    # A mapping instead of true configures the email of each issue (`kehila newsletter`).
    newsletter = NewsletterOption()
    newsletter_title = c.Optional(c.Type(str))
    newsletter_url = SitePath(default="newsletter")
    newsletter_url_format = UrlFormat(default="newsletter/{date:%Y}/{slug}")
    newsletter_years = c.Type(bool, default=True)
    newsletter_year_url_format = PageUrlFormat(default="newsletter/{year}", placeholder="year")

    # Tags: one page per tag across kinds, and an index of all tags
    tags = c.Type(bool, default=True)
    tags_title = c.Optional(c.Type(str))
    tags_url = SitePath(default="tags")
    tags_url_format = PageUrlFormat(default="tags/{slug}", placeholder="slug")

    # Feeds: Atom, RSS 2.0 and JSON Feed for stories, questions and the newsletter, every tag
    # and every language, and a page that lists them
    feeds = c.Type(bool, default=True)
    feeds_formats = c.ListOfItems(c.Choice(FEED_FORMATS), default=list(FEED_FORMATS))
    feeds_url_format = PageUrlFormat(default="feeds/{section}", placeholder="section")
    feeds_max = WholeNumber(default=20)
    feeds_tags = c.Type(bool, default=True)
    feeds_languages = c.Type(bool, default=True)
    feeds_page = c.Type(bool, default=True)
    feeds_page_url = SitePath(default="feeds")
    feeds_page_title = c.Optional(c.Type(str))

    # Embed: the wall of love on other sites (a loader script, a sandboxed frame, static
    # fragments) and the hub's "Embed" page that writes the snippet
    embed = c.Type(bool, default=True)
    embed_url = SitePath(default="embed")
    embed_page_url = SitePath(default="stories/embed")
    embed_page_title = c.Optional(c.Type(str))
    embed_max = WholeNumber(default=50)

    # Structured data (JSON-LD) in every generated page's <head>
    jsonld = c.Type(bool, default=True)

    # Ledger of published URLs, so that old URLs redirect instead of breaking
    ledger = c.Type(bool, default=True)
    ledger_file = SitePath(default=".kehila/urls.json")
    ledger_removed_title = c.Optional(c.Type(str))

    # Editors' preview of pending items on `mkdocs serve`
    preview_pending = c.Type(bool, default=True)

    # Search: Kehila's chunked static search index and header search box (see
    # docs/search-and-scale.md); for small hubs, list Material's `search` plugin instead.
    search = c.Type(bool, default=True)

    # Building: finished pages kept in `.cache/kehila/` beside mkdocs.yml and reused while nothing
    # they depend on changed (see kehila/cache.py and mkdocs/page_cache.py).
    cache = c.Type(bool, default=True)
    workers = c.Deprecated(
        message=(
            "The kehila plugin's option '{}' is no longer used: item pages are rendered once and "
            "then kept in Kehila's build cache (option 'cache'). Remove it from mkdocs.yml."
        ),
        option_type=c.Optional(WholeNumber(minimum=0)),
    )
