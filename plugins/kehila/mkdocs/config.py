"""Typed options of the ``kehila`` MkDocs plugin.

Options are flat and grouped by feature prefix, each feature switched on by a bool of the same
name (as Material's blog does): ``stories``, then ``stories_title``, ``stories_url_format``.
Every option is documented in ``docs/configuration.md``, one table per feature.

The options of the hub's pages (``home`` to ``embed_max``) and their defaults are written once,
in :class:`~kehila.hub_options.HubOptions` (engine-neutral): their schema is built from it here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath

from mkdocs.config import base
from mkdocs.config import config_options as c

from ..hub_options import FEED_FORMATS, HubOptions
from ..newsletter.settings import NewsletterSettings
from ..validation import whole_number_problem

#: Placeholders an item URL format may use.
_ITEM_PLACEHOLDERS = {
    "slug": "a-slug",
    "id": "an-id",
    "kind": "story",
    "date": dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
}
#: Placeholders of the page URL formats other than items'.
_OTHER_PLACEHOLDERS = {"slug": "a-tag", "year": 2025, "section": "stories"}


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
    """A whole number of at least ``minimum`` (items per page, list lengths, worker processes).

    MkDocs' ``Type(int)`` refuses what is not a number, in its own words; the rest is
    :func:`~kehila.validation.whole_number_problem`, which items' and sources' numbers follow
    too (neither true nor false, at least ``minimum``), said in MkDocs' phrasing.
    """

    def __init__(self, default: int | None = None, *, minimum: int = 1) -> None:
        super().__init__(int, default=default)
        self.minimum = minimum

    def run_validation(self, value: object) -> int:
        value = super().run_validation(value)
        if whole_number_problem(value, self.minimum):
            raise base.ValidationError(
                f"Expected a whole number of at least {self.minimum} but received: {value!r}"
            )
        return value


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


def _hub_option(spec: dataclasses.Field) -> c.BaseConfigOption:
    """The schema of one hub option (see :func:`kehila.hub_options.option`)."""
    kind = spec.metadata["option"]
    factory = spec.default_factory
    default = spec.default if factory is dataclasses.MISSING else factory()
    if kind == "switch":
        return c.Type(bool, default=default)
    if kind == "title":
        return c.Optional(c.Type(str))
    if kind == "number":
        return WholeNumber(default=default)
    if kind == "site_path":
        return SitePath(default=default)
    if kind == "url_format":
        return UrlFormat(default=default)
    if kind == "page_url_format":
        return PageUrlFormat(default=default, placeholder=spec.metadata["placeholder"])
    if kind == "feed_formats":
        return c.ListOfItems(c.Choice(FEED_FORMATS), default=default)
    if kind == "newsletter":
        return NewsletterOption()
    raise ValueError(f"{spec.name}: unknown kind of option {kind!r}")


#: The options of the hub's pages, in the order of :class:`~kehila.hub_options.HubOptions`.
HUB_OPTIONS = {
    spec.name: _hub_option(spec)
    for spec in dataclasses.fields(HubOptions)
    if "option" in spec.metadata
}


class _PluginOptions(base.Config):
    enabled = c.Type(bool, default=True)
    """Switch the whole plugin off (for example while writing ordinary pages)."""

    sources = c.ListOfItems(c.Type(dict), default=[])
    """Harvest sources, read by ``kehila harvest`` (never by the build)."""

    # The language of Kehila's words (a BCP 47 tag such as `he` or `pt-BR`); unset: the theme's
    # `language` (Material's convention), else English. Titles left unset (`stories_title`, ...)
    # are the catalog's titles in this language.
    language = c.Optional(c.Type(str))


#: The plugin's options so far, then the hub's (MkDocs keeps the order of a config's bases).
_HubConfig = type("_HubConfig", (_PluginOptions,), dict(HUB_OPTIONS))


class KehilaConfig(_HubConfig):  # type: ignore[misc,valid-type]
    """Every option of the ``kehila`` plugin."""

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
    # Cold builds: page workers render the pages missing from the build cache on every core
    # (see mkdocs/page_workers.py); unset: one per core when 1,000 or more pages are missing; 0 or
    # 1: the build renders every page itself.
    workers = c.Optional(WholeNumber(minimum=0))
