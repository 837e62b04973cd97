"""The hub as the newsletter commands see it: mkdocs.yml, the content folder, the settings.

mkdocs.yml is read as plain data (as ``kehila harvest`` reads it; nothing here imports MkDocs)
and the :class:`~kehila.hub.Hub` is built with
:meth:`~kehila.hub_options.HubOptions.from_options`, as the plugin builds its own, so that every
email links to the URL the build gives the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kehila.harvest.harvest_config import load_mkdocs_yml, plugin_options
from kehila.harvest.sources.base import ConfigError

from ..content import Catalog, load_catalog, load_tag_names
from ..hub import Hub
from ..hub_options import HubOptions
from ..model import Item
from .issue_email import EmailError, EmailSite
from .settings import NewsletterSettings
from .stylesheet import check_stylesheet

log = logging.getLogger("kehila.newsletter")


class SiteError(ValueError):
    """mkdocs.yml cannot be read, or names no kehila plugin or a bad newsletter setting."""


@dataclass
class NewsletterSite:
    """A hub's items, URLs and newsletter settings."""

    config_file: Path
    content_dir: Path
    catalog: Catalog
    email: EmailSite

    @property
    def hub(self) -> Hub:
        return self.email.hub

    @property
    def settings(self) -> NewsletterSettings:
        return self.email.settings

    @property
    def state_dir(self) -> Path:
        """``content/.kehila/``: never published."""
        return self.content_dir / ".kehila"

    def issue(self, ident: str) -> Item:
        """A newsletter issue by id, slug or file name.

        Raises:
            SiteError: nothing matches, or more than one issue does.
        """
        issues = [i for i in self.catalog.items if i.kind == "newsletter"]
        for match in (
            lambda i: i.id == ident,
            lambda i: i.url_slug == ident,
            lambda i: bool(i.path) and Path(i.path).stem == Path(ident).stem,
        ):
            found = [i for i in issues if match(i)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                paths = ", ".join(sorted(i.path or i.id for i in found))
                raise SiteError(f"{ident!r} matches several issues: {paths}; give the id")
        raise SiteError(
            f"no newsletter issue with id, slug or file name {ident!r} in {self.content_dir}"
        )


def load_site(config_file: Path) -> NewsletterSite:
    """Read mkdocs.yml, the content folder and the ``newsletter:`` block.

    Raises:
        SiteError: with what went wrong and where.
        StylesheetError: the site's email stylesheet has a problem (file, line and column).
    """
    try:
        data = load_mkdocs_yml(config_file)
        options = plugin_options(data)
    except ConfigError as exc:
        raise SiteError(str(exc)) from None
    try:
        settings = NewsletterSettings.from_options(options.get("newsletter", True))
    except ValueError as exc:
        raise SiteError(f"{config_file}: kehila option 'newsletter': {exc}") from None
    project_dir = config_file.resolve().parent
    docs_dir = str(data.get("docs_dir") or "docs")
    content_dir = project_dir / docs_dir
    stylesheet = ""
    if settings.stylesheet:
        try:
            stylesheet = (project_dir / settings.stylesheet).read_text(encoding="utf-8")
        except OSError as exc:
            raise SiteError(
                f"{config_file}: newsletter.stylesheet {settings.stylesheet!r}: {exc.strerror}"
            ) from None
        # A typo would otherwise become a style no mail client applies: fail, naming the line.
        check_stylesheet(stylesheet, name=settings.stylesheet)
    label = Path(docs_dir).as_posix().strip("/")
    catalog = load_catalog(content_dir, label=label)
    for error in catalog.errors:
        log.warning(str(error))
    # Kehila's words speak the plugin's `language`, else the theme's (as in the build).
    theme = data.get("theme")
    language = options.get("language") or (
        theme.get("language") if isinstance(theme, dict) else None
    )
    hub_options = HubOptions.from_options(
        options,
        use_directory_urls=data.get("use_directory_urls", True) is not False,
        site_language=str(language or "en"),
        content_label=label,
        tag_names=load_tag_names(content_dir)[0],
    )
    site_url = data.get("site_url")
    try:
        email_site = EmailSite(
            Hub(catalog, hub_options),
            site_url=site_url if isinstance(site_url, str) else "",
            site_name=str(data.get("site_name") or ""),
            settings=settings,
            stylesheet=stylesheet,
        )
    except EmailError as exc:
        raise SiteError(f"{config_file}: {exc}") from None
    return NewsletterSite(config_file, content_dir, catalog, email_site)
