"""The ``kehila`` MkDocs plugin: a thin adapter from the hub model to MkDocs' files and pages."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

import nh3
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from .config import KehilaConfig
from .content import build_catalog
from .hub import Hub, HubOptions, PageSpec

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.pages import Page

log = get_plugin_logger(__name__)

#: Markdown extensions the generated pages rely on (HTML blocks with Markdown inside).
REQUIRED_EXTENSIONS = ("md_in_html", "attr_list")

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


class KehilaPlugin(BasePlugin[KehilaConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.is_serve = False
        self.hub: Hub | None = None
        self.pages_by_uri: dict[str, PageSpec] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        return config

    # Run late, so that pages other plugins generate (blog posts, tag pages) are already there:
    # they are ordinary pages to us, but must be seen so that none of them is mistaken for an item.
    @event_priority(-50)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        label = _display_dir(config)
        documents = [
            (f"{label}/{file.src_uri}", file.content_string) for file in files.documentation_pages()
        ]
        catalog = build_catalog(documents)
        for error in catalog.errors:
            # A warning, so that `mkdocs build --strict` fails and a plain build skips the item.
            log.warning(str(error))

        for file in list(files):
            if f"{label}/{file.src_uri}" in catalog.item_paths:
                files.remove(file)

        self.hub = Hub(catalog, self._hub_options(config))
        self.pages_by_uri = {}
        for spec in self.hub.pages(preview_pending=self.is_serve):
            existing = files.get_file_from_path(spec.src_uri)
            if existing is not None:
                if spec.item is not None:
                    raise PluginError(
                        f"Item '{spec.item.path}' would be published at '{spec.src_uri}', "
                        f"which is already taken by '{existing.src_uri}'. Set a different 'slug'."
                    )
                # An author-written page (e.g. content/index.md) replaces the generated one.
                continue
            inclusion = InclusionLevel.DRAFT if spec.draft else InclusionLevel.NOT_IN_NAV
            if spec.item is None:
                inclusion = InclusionLevel.UNDEFINED
            files.append(File.generated(config, spec.src_uri, content=spec.markdown, inclusion=inclusion))
            self.pages_by_uri[spec.src_uri] = spec
        return files

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        spec = self.pages_by_uri.get(page.file.src_uri)
        if spec is None or not spec.harvested:
            return None
        # Harvested text was sanitised before it reached content/, but Markdown can still turn
        # text into markup (entities, links). Cleaning the rendered HTML makes that impossible.
        return sanitize_page_html(html)

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        spec = self.pages_by_uri.get(page.file.src_uri)
        if spec is None or spec.item is None:
            return None
        language, direction = spec.item.language, spec.item.direction
        return _HTML_TAG.sub(
            f'<html lang="{language}" dir="{direction}" class="no-js">', output, count=1
        )

    def _hub_options(self, config: MkDocsConfig) -> HubOptions:
        names = HubOptions.__dataclass_fields__.keys()
        values: dict[str, Any] = {k: self.config[k] for k in names if k in self.config}
        values["use_directory_urls"] = config.use_directory_urls
        language = (config.theme.get("language") or "en") if config.theme else "en"
        values["site_language"] = language
        return HubOptions(**values)


#: Markup that generated pages use; everything else in harvested pages is removed.
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "dir", "title"},
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "time": {"datetime"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "code": {"data-lang"},
}
_ALLOWED_TAGS = nh3.ALLOWED_TAGS | {
    "section", "article", "figure", "figcaption", "time", "span", "div", "details", "summary",
    "mark",
}  # fmt: skip


def sanitize_page_html(html: str) -> str:
    """Remove anything that could run script from a page's rendered content."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


def _display_dir(config: MkDocsConfig) -> str:
    """The docs folder as users see it in messages: relative to mkdocs.yml, e.g. 'content'."""
    base = os.path.dirname(config.config_file_path or "") or os.getcwd()
    rel = os.path.relpath(config.docs_dir, base)
    return rel.replace(os.sep, "/") if not rel.startswith("..") else config.docs_dir
