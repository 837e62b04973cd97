"""The ``kehila`` MkDocs plugin: a thin adapter from the hub model to MkDocs' files and pages."""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, DictLoader, Environment
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils.meta import get_data

from .. import jsonld
from ..content import (
    TAG_NAMES_FILE,
    UNPUBLISHED,
    Catalog,
    TagNames,
    build_catalog,
    declared_status,
    iter_markdown,
    load_tag_names,
)
from ..embed import Embed
from ..feeds import alternate_links, build_feeds
from ..fileio import atomic_write
from ..hub import DEFAULT_TITLES, KIND_SECTIONS, Hub, HubError, HubOptions, PageSpec, relative_url
from ..i18n import N_, gettext
from ..ledger import Ledger, LedgerError, redirect_html, redirect_path, src_uri_for_url
from ..model import Item
from ..sanitize import sanitize_page_html
from .config import KehilaConfig
from .hub_search import HubSearch
from .page_worker import Output, finish_output
from .rebuild import Rebuilds
from .workers import TEMPLATES, HubPage, PageRenderer, others_in_page_events

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

log = get_plugin_logger(__name__)

#: Markdown extensions the generated pages rely on (HTML blocks with Markdown inside).
REQUIRED_EXTENSIONS = ("md_in_html", "attr_list")

#: Generated pages that a site's nav may list (all others stay out of it, as items do).
NAV_VIEWS = frozenset({"home", "index", "wall", "tags"})

#: The plugin's stylesheet and script (the wall's tag filter), shipped in kehila/assets/.
ASSETS_DIR = Path(__file__).parent.parent / "assets"
ASSETS = {"css": "assets/kehila/kehila.css", "js": "assets/kehila/kehila.js"}


class KehilaPlugin(BasePlugin[KehilaConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.is_serve = False
        self.hub: Hub | None = None
        self.pages_by_uri: dict[str, PageSpec] = {}
        self.ledger: Ledger | None = None
        self.search = HubSearch()
        self.rebuilds = Rebuilds()
        self.renderer = PageRenderer()
        self.dirty = False
        self.nav: Navigation | None = None
        self.templates: dict[str, str | None] = {}
        """Item pages that workers may write: the template each names in its front matter."""
        self.written = _Written()
        self._parsed: dict[str, tuple[str, Any]] | None = None
        """Files parsed in on_pre_build (path -> text and result), reused by on_files."""
        self._checked: dict[str, str] = {}
        """The item files checked in on_pre_build (path -> text)."""
        self._last_good: dict[str, Item] = {}
        """Under ``mkdocs serve``: every item of the last build, by path."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"
        self.dirty = dirty
        self.search.on_startup(command=command, dirty=dirty)
        self.rebuilds.on_startup(command=command, dirty=dirty)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        if self.config.feeds and not config.site_url:
            raise PluginError(
                "The kehila plugin's feeds need absolute URLs: set 'site_url' in mkdocs.yml, "
                "or switch feeds off with 'feeds: false'."
            )
        if ASSETS["css"] not in config.extra_css:
            config.extra_css.append(ASSETS["css"])
            config.extra_javascript.append(ASSETS["js"])
        options = HubOptions(**self._titles(), site_language=self._site_language(config))
        _name_palette_toggles(config, options.site_language)
        titles = {kind: getattr(options, f"{s}_title") for kind, s in KIND_SECTIONS.items()}
        self.search.on_config(
            config, enabled=self.config.search, kinds=titles, language=options.site_language
        )
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Refuse to build when an item file is broken, before MkDocs empties the site folder.

        Run this early, so that under ``mkdocs serve`` the last good site stays served while the
        error shows. The files are parsed once: :meth:`on_files` reuses what is read here.
        """
        self._checked, self._parsed = {}, None
        if not self.config.enabled:
            return
        cache = self.rebuilds.catalog_cache()
        self._parsed = cache if cache is not None else {}
        documents = dict(iter_markdown(Path(config.docs_dir), label=_display_dir(config)))
        catalog = build_catalog(documents.items(), cache=self._parsed)
        self._report_broken_items(catalog, documents, keep_last_good=self.is_serve)
        self._checked = documents

    # Run late, so that pages other plugins generate (blog posts, tag pages) are already there:
    # they are ordinary pages to us, but must be seen so that none of them is mistaken for an item.
    @event_priority(-50)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        label = _display_dir(config)
        documents = [
            (f"{label}/{file.src_uri}", file.content_string) for file in files.documentation_pages()
        ]
        preview = self.is_serve and self.config.preview_pending
        options = self._hub_options(config) if self.config.enabled else None
        if options is not None:
            # Started now, the workers are ready when the pages are (on_nav).
            self.renderer.start(config, workers=self.config.workers, documents=len(documents))
        catalog = build_catalog(documents, cache=self._parsed)
        # Item files are never pages of their own, even with the plugin switched off: MkDocs
        # would otherwise publish every pending, rejected and private item as it stands.
        for file in list(files):
            if f"{label}/{file.src_uri}" in catalog.item_paths:
                files.remove(file)
        if not self.config.enabled:
            return files
        # Files on disk were checked in on_pre_build; pages other plugins generate are seen here.
        unchecked = {path: text for path, text in documents if self._checked.get(path) != text}
        catalog_unchecked = Catalog(errors=[e for e in catalog.errors if e.path in unchecked])
        self._report_broken_items(catalog_unchecked, unchecked)
        if self.is_serve:
            self._last_good = {str(item.path): item for item in catalog.items}

        assert options is not None
        self.hub = hub = self.rebuilds.hub(catalog, options)
        self.pages_by_uri = {}
        try:
            specs = hub.pages(preview_pending=preview)
        except HubError as exc:
            raise PluginError(str(exc)) from None
        for spec in specs:
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
            if spec.item is None and spec.view in NAV_VIEWS and not spec.noindex:
                # Section pages may be listed in mkdocs.yml's nav; items never are.
                inclusion = InclusionLevel.UNDEFINED
            file = File.generated(config, spec.src_uri, content=spec.source, inclusion=inclusion)
            files.append(file)
            if inclusion is not InclusionLevel.UNDEFINED:
                # Never in the nav, so MkDocs would give it a plain Page; this one may arrive
                # converted by a worker (see render.py).
                HubPage(file, config, self.renderer)
            self.pages_by_uri[spec.src_uri] = spec
        self._add_ledger_pages(files, config)
        self._add_feeds_and_assets(files, config)
        published = {u for u, s in self.pages_by_uri.items() if s.item is not None and not s.draft}
        self.search.on_files(files, config, published=published)
        self.rebuilds.skip_unchanged(files, self.pages_by_uri, config)
        return files

    # Run last, when the files are final: the workers resolve links against them.
    @event_priority(-100)
    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> None:
        self.nav = nav
        if not self.config.enabled:
            return
        pages = [
            (file, spec.fragments, spec.harvested)
            for file in files.documentation_pages()
            if isinstance(file.page, HubPage)
            and (spec := self.pages_by_uri.get(file.src_uri)) is not None
            # Under --dirty, MkDocs only converts the pages that changed.
            and (not self.dirty or file.is_modified())
        ]
        self.renderer.convert_ahead(pages, files, config)

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        spec = self.pages_by_uri.get(page.file.src_uri)
        prepared = page.prepared_html if isinstance(page, HubPage) else None
        if spec is not None and spec.fragments and prepared is None:
            html = self._finish(html, spec, page, config, files)
        self.search.on_page_content(html, page, spec.item if spec and not spec.draft else None)
        if spec is None or not spec.harvested or html is prepared:
            # A worker finished (and sanitised) the page, and no other plugin changed it since.
            return html
        # Harvested text was sanitised before it reached content/, but Markdown can still turn
        # text into markup (entities, links). Cleaning the rendered HTML makes that impossible.
        return sanitize_page_html(html)

    def _finish(
        self, html: str, spec: PageSpec, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        """The generated page's HTML blocks put in place (see ``PageSpec.fast_markdown``)."""
        finished = spec.finish(html)
        if finished is not None:
            return finished
        # An item's Markdown swallowed a marker (an unclosed code fence, say): convert the page
        # the slow way, its HTML blocks inside the Markdown, as md_in_html wants them.
        log.debug(f"{spec.src_uri}: converted with md_in_html (a marker went missing)")
        page.markdown = get_data(spec.markdown)[0]
        page.render(config, files)
        return page.content or ""

    def on_page_context(
        self, context: dict[str, Any], /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> dict[str, Any] | None:
        if page.file.src_uri not in self.templates:
            return None
        template = self.templates[page.file.src_uri] or "main.html"
        # A page that a worker wrote renders to nothing here, and MkDocs writes no file for it.
        if self.renderer.written(page.file.src_uri):
            self.written.add(page.file.src_uri)
            template = "kehila/written.html"
        context["kehila_template"] = template
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        spec = self.pages_by_uri.get(page.file.src_uri)
        if spec is None or page.file.src_uri in self.written:
            return None
        return finish_output(output, _language(spec), self._head_extras(spec, config))

    def on_template_context(
        self, context: dict[str, Any], /, *, template_name: str, config: MkDocsConfig
    ) -> dict[str, Any] | None:
        if template_name != "sitemap.xml" or not self.config.enabled:
            return None
        # Pages that ask search engines not to index them (removed items, pages 2 and up of an
        # index) are not offered to them in the sitemap either.
        context["pages"] = [
            file
            for file in context["pages"]
            if not ((spec := self.pages_by_uri.get(file.src_uri)) and spec.noindex)
        ]
        return context

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> None:
        self.search.on_env(config)
        self._write_ahead(env, config, files)

    def _write_ahead(self, env: Environment, config: MkDocsConfig, files: Files) -> None:
        """Hand the item pages to the workers to write (see ``PageRenderer.write_ahead``)."""
        self.written.remove()
        self.templates, self.written = {}, _Written()
        if not self.config.enabled or self.dirty or self.nav is None:
            return
        if others := others_in_page_events(config, self):
            log.debug(f"MkDocs writes the item pages itself, as these take part: {others}")
            return
        # Drafts shown by `serve` are left to MkDocs, which marks them as drafts, and so is a
        # page that mkdocs.yml lists in the nav after all (the nav shows where it is).
        in_nav = {page.file.src_uri for page in self.nav.pages}
        pages = [
            file.page
            for file in files.documentation_pages(inclusion=InclusionLevel.is_included)
            if isinstance(file.page, HubPage)
            and file.page.content is not None
            and file.src_uri in self.pages_by_uri
            and file.src_uri not in in_nav
        ]
        self.templates = {page.file.src_uri: page.meta.get("template") for page in pages}
        output = functools.partial(self._output, config=config)
        if not self.renderer.write_ahead(
            pages, output, self.nav, config, files, serve=self.is_serve
        ):
            self.templates = {}
            return
        # MkDocs picks a page's template before on_page_context, where the plugin learns
        # whether a worker wrote the page: the template it picks now decides then.
        for page in pages:
            page.meta["template"] = "kehila/page.html"
        assert env.loader is not None
        env.loader = ChoiceLoader([DictLoader(TEMPLATES), env.loader])
        self.written.install()

    def _original_meta(self, page: Page) -> dict[str, Any]:
        """The page's front matter as it was before the plugin named its own template."""
        meta = dict(page.meta)
        template = self.templates[page.file.src_uri]
        if template is None:
            meta.pop("template", None)
        else:
            meta["template"] = template
        return meta

    def _output(self, page: Page, *, config: MkDocsConfig) -> Output:
        """What a worker needs to write ``page`` (see ``PageRenderer.write_ahead``)."""
        spec = self.pages_by_uri[page.file.src_uri]
        return Output(
            src_uri=page.file.src_uri,
            markdown=page.markdown,
            meta=self._original_meta(page),
            content=page.content,
            toc=page.toc,
            title=page._title_from_render,
            update_date=page.update_date,
            language=_language(spec),
            head=self._head_extras(spec, config),
        )

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self.written.remove()
        self.renderer.close(wait=True)
        self.search.on_post_build(config)
        # The ledger only ever records what a real build published (never a serve preview).
        if not self.config.enabled or self.is_serve or self.ledger is None:
            return
        path = Path(config.docs_dir) / self.config.ledger_file
        text = self.ledger.dumps()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)

    def on_build_error(self, *, error: Exception) -> None:
        self.written.remove()
        self.renderer.close()

    def on_shutdown(self) -> None:
        self.written.remove()
        self.renderer.close()

    def _report_broken_items(
        self, catalog: Catalog, texts: dict[str, str], *, keep_last_good: bool = False
    ) -> None:
        """Fail the build for an item file the model rejects, unless it is plainly unpublished.

        A broken file is left out of the site, so a typo in a published story (``status:
        publised``, a YAML slip) would take its page down, and the ledger would show "This item
        was removed": that must stop the build, strict or not (under ``mkdocs serve`` the last
        good site stays up, and the error is shown). A file that plainly says ``status: pending``
        or ``status: rejected`` was not going to be published: a warning, so ``--strict`` fails.

        With ``keep_last_good`` (``mkdocs serve``, whose server would stall every request after a
        failed rebuild), items that were fine in the previous build keep that version: the error
        is shown and the site served stays the last good one for them.
        """
        broken = []
        for error in catalog.errors:
            status = declared_status(texts.get(error.path, ""))
            if status in UNPUBLISHED:
                log.warning(f"{error} (left out: the file says status: {status})")
            else:
                broken.append(error)
        if not broken:
            return
        files = "1 item file" if len(broken) == 1 else f"{len(broken)} item files"
        message = (
            f"{files} cannot be read, so their pages would disappear from the hub; fix them "
            "(or set 'status: pending' to take one down on purpose):\n"
            + "\n".join(f"  {error}" for error in broken)
        )
        cache = self._parsed
        if keep_last_good and cache is not None and all(e.path in self._last_good for e in broken):
            log.error(f"{message}\nServing the last good version until they are fixed.")
            for error in broken:
                # The catalog reads this file's text as its last good item.
                cache[error.path] = (texts[error.path], self._last_good[error.path])
            return
        raise PluginError(message)

    def _add_ledger_pages(self, files: Files, config: MkDocsConfig) -> None:
        """Old URLs of items: a redirect to the new URL, or a "removed" page (never a 404)."""
        self.ledger = None
        if not self.config.ledger or self.hub is None:
            return
        ledger_file = files.get_file_from_path(self.config.ledger_file)
        if ledger_file is not None:
            files.remove(ledger_file)
        path = Path(config.docs_dir) / self.config.ledger_file
        try:
            ledger = Ledger.load(path, label=f"{_display_dir(config)}/{self.config.ledger_file}")
        except LedgerError as exc:
            raise PluginError(str(exc)) from None
        current = {
            self.hub.url_of(uri): spec.item.id
            for uri, spec in self.pages_by_uri.items()
            if spec.item is not None and not spec.draft
        }
        taken = {file.url for file in files.documentation_pages()} | {f.dest_uri for f in files}
        plan = ledger.plan(current, taken)
        site_url = config.site_url or "/"
        for old, new in plan.redirects.items():
            target = relative_url(new, old)
            html = redirect_html(target, site_url.rstrip("/") + "/" + new)
            files.append(File.generated(config, redirect_path(old), content=html))
        for old in plan.removed:
            spec = self.hub.removed_page(src_uri_for_url(old), self.config.ledger_removed_title)
            files.append(
                File.generated(
                    config,
                    spec.src_uri,
                    content=spec.source,
                    inclusion=InclusionLevel.NOT_IN_NAV,
                )
            )
            self.pages_by_uri[spec.src_uri] = spec
        self.ledger = plan.ledger

    def _add_feeds_and_assets(self, files: Files, config: MkDocsConfig) -> None:
        for kind, uri in ASSETS.items():
            source = str(ASSETS_DIR / f"kehila.{kind}")
            files.append(File.generated(config, uri, abs_src_path=source))
        if self.hub is None:
            return
        site_url = config.site_url or "/"
        generated = []
        if self.config.feeds:
            generated += build_feeds(self.hub, site_url, config.site_name)
        if self.hub.has_embed():
            generated += Embed(self.hub, site_url).files()
        for file in generated:
            files.append(File.generated(config, file.path, content=file.text))

    def _head_extras(self, spec: PageSpec, config: MkDocsConfig) -> str:
        """JSON-LD, feed links and robots hints for a generated page's <head>."""
        assert self.hub is not None
        parts = []
        if spec.noindex:
            parts.append('<meta name="robots" content="noindex">')
        if self.config.feeds:
            parts.append(alternate_links(self.hub, spec))
        if self.config.jsonld:
            data = jsonld.page_data(
                self.hub, spec, site_url=config.site_url or "/", site_name=config.site_name
            )
            parts.append(jsonld.script_tags(data))
        return "\n".join(p for p in parts if p)

    def _hub_options(self, config: MkDocsConfig) -> HubOptions:
        return HubOptions.from_options(
            {**self.config, **self._titles()},
            use_directory_urls=config.use_directory_urls,
            site_language=self._site_language(config),
            content_label=_display_dir(config),
            site_url=config.site_url or "/",
            tag_names=self._tag_names(config),
        )

    def _titles(self) -> dict[str, str]:
        """Titles set in mkdocs.yml; the others are left to the catalog (empty)."""
        return {name: self.config[name] or "" for name in DEFAULT_TITLES}

    def _site_language(self, config: MkDocsConfig) -> str:
        """The language of Kehila's words: the plugin's ``language``, else the theme's."""
        theme = (config.theme.get("language") if config.theme else None) or "en"
        return self.config.language or str(theme)

    def _tag_names(self, config: MkDocsConfig) -> TagNames:
        names, problems = load_tag_names(Path(config.docs_dir))
        shown = f"{_display_dir(config)}/{TAG_NAMES_FILE}"
        for problem in problems:
            # Without the file, tags show as written; a broken file is worth a (strict) warning.
            if not problem.startswith("file not found"):
                log.warning(f"{shown}: {problem}")
        return names


class _Written:
    """The item pages that workers wrote. MkDocs writes no file for them and logs that each
    "Generated empty output": not so, so while they are being written, that message is
    dropped from MkDocs' log for these pages (and only these)."""

    LOGGER = "mkdocs.commands.build"

    def __init__(self) -> None:
        self._uris: set[str] = set()
        self._messages: set[str] = set()

    def add(self, src_uri: str) -> None:
        self._uris.add(src_uri)
        self._messages.add(f"Page skipped: '{src_uri}'. Generated empty output.")

    def __contains__(self, src_uri: object) -> bool:
        return src_uri in self._uris

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self._messages

    def install(self) -> None:
        logging.getLogger(self.LOGGER).addFilter(self)

    def remove(self) -> None:
        logging.getLogger(self.LOGGER).removeFilter(self)


def _language(spec: PageSpec) -> tuple[str, str] | None:
    """An item page's language and direction (for ``<html>``); other pages keep the site's."""
    return None if spec.item is None else (spec.item.language, spec.item.direction)


#: What Material's light/dark toggle says, by the scheme it is shown on (each palette's toggle
#: switches to the next one; Kehila's demo has two).
PALETTE_TOGGLE_NAMES = {"default": N_("Switch to dark mode"), "slate": N_("Switch to light mode")}


def _name_palette_toggles(config: MkDocsConfig, language: str) -> None:
    """A palette toggle of Material's left without a ``name`` is named in the site's language:
    the name is the button's tooltip and what a screen reader says of it (Material's own default
    is no name at all)."""
    palette = config.theme.get("palette") if config.theme else None
    for option in palette if isinstance(palette, list) else [palette]:
        toggle = option.get("toggle") if isinstance(option, dict) else None
        if isinstance(toggle, dict) and not toggle.get("name"):
            words = PALETTE_TOGGLE_NAMES["slate" if option.get("scheme") == "slate" else "default"]
            toggle["name"] = gettext(language, words)


def _display_dir(config: MkDocsConfig) -> str:
    """The docs folder as users see it in messages: relative to mkdocs.yml, e.g. 'content'."""
    base = os.path.dirname(config.config_file_path or "") or os.getcwd()
    rel = os.path.relpath(config.docs_dir, base)
    return rel.replace(os.sep, "/") if not rel.startswith("..") else config.docs_dir
