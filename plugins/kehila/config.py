"""Typed options of the ``kehila`` MkDocs plugin.

Options are flat and grouped by feature prefix, each feature switched on by a bool of the same
name (as Material's blog does): ``stories``, then ``stories_title``, ``stories_url_format``.
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class UrlFormat(c.Type):
    """A URL format with ``{slug}`` (and optionally ``{date:%Y}``, ``{id}``) placeholders."""

    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        value = super().run_validation(value)
        if "{slug}" not in value and "{id}" not in value:
            raise base.ValidationError(
                f"Expected a URL format containing '{{slug}}' but received: {value!r}"
            )
        return value


class KehilaConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Switch the whole plugin off (for example while writing ordinary pages)."""

    sources = c.ListOfItems(c.Type(dict), default=[])
    """Harvest sources, read by ``kehila harvest`` (never by the build)."""

    # Home page
    home = c.Type(bool, default=True)
    home_title = c.Type(str, default="Community hub")
    home_latest = c.Type(int, default=5)

    # Success stories
    stories = c.Type(bool, default=True)
    stories_title = c.Type(str, default="Success stories")
    stories_url_format = UrlFormat(default="stories/{slug}")

    # Questions and answers
    questions = c.Type(bool, default=True)
    questions_title = c.Type(str, default="Questions & answers")
    questions_url_format = UrlFormat(default="questions/{slug}")

    # Newsletter archive
    newsletter = c.Type(bool, default=True)
    newsletter_title = c.Type(str, default="Newsletter archive")
    newsletter_url_format = UrlFormat(default="newsletter/{date:%Y}/{slug}")
