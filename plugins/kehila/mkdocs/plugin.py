"""The ``kehila`` MkDocs plugin: a thin adapter from the hub model to MkDocs' files and pages."""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils.meta import get_data

from .. import jsonld
from ..cache import FrontMatterCache, KeptFolder, Memo, digest
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
from ..hub import Hub
from ..hub_options import DEFAULT_TITLES, HubOptions
from ..i18n import N_, gettext
from ..ledger import Ledger, LedgerError, redirect_html, redirect_path, src_uri_for_url
from ..model import Item
from ..pages import HubError, PageSpec
from ..sanitize import sanitize_page_html
from ..urls import KIND_SECTIONS, relative_url
from .config import KehilaConfig
from .hub_search import HubSearch
from .old_site import MANIFEST, OldSite, static_keys
from .page_cache import (
    CachedPages,
    Stores,
    any_inclusion,
    cache_folder,
    environment_date,
    lastmod,
    site_digest,
)
from .page_workers import PageWorkers, Share, worker_count, worker_share
from .rebuild import Rebuilds

if TYPE_CHECKING:
    from jinja2 import Environment
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
        self.cacheable: set[str] = set()
        """Generated pages that may come from the build cache (never in the nav; a draft, the
        preview of a pending item under ``serve``, may)."""
        self.extras: dict[str, tuple[str, str]] = {}
        """A generated page's ``<head>`` extras and sitemap date, by source path."""
        self.ledger: Ledger | None = None
        self.search = HubSearch()
        self.rebuilds = Rebuilds()
        self.cached = CachedPages()
        self.stores = Stores()
        """Values kept between builds in the build cache (parsed front matter, feed HTML...)."""
        self.dirty = False
        self._world: str | None = None
        """What every value of the build cache's stores depends on (see :meth:`_world_digest`)."""
        self._item_keys: dict[str, str] = {}
        """The digest of each item file of this build (path and text), by path."""
        self._texts: dict[str, str] = {}
        """The text of every page and item file of this build, by path (``content/...``)."""
        self._parsed: dict[str, tuple[str, Any]] | None = None
        """Files parsed in on_pre_build (path -> text and result), reused by on_files."""
        self._checked: dict[str, str] = {}
        """The item files checked in on_pre_build (path -> text)."""
        self._last_good: dict[str, Item] = {}
        """Under ``mkdocs serve``: every item of the last build, by path."""
        self.files: Files | None = None
        self.newest: dt.datetime | None = None
        """The newest date of the published items of this build."""
        self.workers = PageWorkers()
        self.old_site = OldSite()
        self.static: dict[str, str] = {}
        """The files MkDocs copies or writes as they are, and their keys (see
        :func:`.old_site.static_keys`): a later build puts them back."""
        self.static_back: list[File] = []
        """Those of them this build put back from the last site (MkDocs must not copy them)."""
        self.share: Share | None = None
        """This process is a page worker of a cold build: the share of pages it renders (see
        :mod:`.page_workers`); it writes no feeds, search index, ledger or stores."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"
        self.dirty = dirty
        self.search.on_startup(command=command, dirty=dirty)
        self.rebuilds.on_startup(command=command, dirty=dirty)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.share = worker_share()
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
        self.search.wait()  # under serve, the last index may still be being written
        if not self.config.enabled:
            return
        self.stores.open(config, enabled=self.config.cache)
        cache = self.rebuilds.catalog_cache()
        self._parsed = cache if cache is not None else {}
        documents = dict(iter_markdown(Path(config.docs_dir), label=_display_dir(config)))
        catalog = build_catalog(documents.items(), cache=self._parsed, read=self._reader())
        self._report_broken_items(catalog, documents, keep_last_good=self.is_serve)
        self._checked = documents
        if not self.dirty:
            # MkDocs empties the site folder next: the old site goes aside instead (its cached
            # pages come back in on_nav, the rest is deleted in the background).
            self.old_site.move_aside(Path(config.site_dir), manifest=self._manifest(config))

    # Run late, so that pages other plugins generate (blog posts, tag pages) are already there:
    # they are ordinary pages to us, but must be seen so that none of them is mistaken for an item.
    @event_priority(-50)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        label = _display_dir(config)
        documents = [
            (f"{label}/{file.src_uri}", self._text(file, label))
            for file in files.documentation_pages()
        ]
        preview = self.is_serve and self.config.preview_pending
        options = self._hub_options(config) if self.config.enabled else None
        self._texts, self._item_keys = dict(documents), {}
        catalog = build_catalog(documents, cache=self._parsed, read=self._reader())
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
        cached = self.stores.get("pages-markdown") is not None
        self.hub = hub = self.rebuilds.hub(catalog, options, cached=cached)
        self._world = self._world_digest(config, preview) if cached else None
        if (memo := self._memo("pages-markdown")) is not None:
            self.rebuilds.use_cache(hub, memo)
        self.pages_by_uri, self.cacheable, self.extras = {}, set(), {}
        self.newest = max((item.date for item in hub.public_items()), default=None)
        in_nav = _nav_paths(config.nav)
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
            files.append(
                File.generated(config, spec.src_uri, content=spec.source, inclusion=inclusion)
            )
            self.pages_by_uri[spec.src_uri] = spec
            # Drafts too: ``serve`` previews pending items as drafts (never in a build's site).
            outside = inclusion in (InclusionLevel.NOT_IN_NAV, InclusionLevel.DRAFT)
            if outside and spec.src_uri not in in_nav:
                self.cacheable.add(spec.src_uri)
        self._add_ledger_pages(files, config)
        self._start_workers(config, missing=self.cached.missing_estimate(config, self.cacheable))
        self._add_feeds_and_assets(files, config)
        published = {u for u, s in self.pages_by_uri.items() if s.item is not None and not s.draft}
        kept = KeptFolder(cache_folder(config) / "search-index") if self._world else None
        if self.share is None:
            self.search.on_files(
                files, config, published=published, kept=kept, seed=self._world or ""
            )
        self.rebuilds.skip_unchanged(files, self.pages_by_uri, config)
        # What the build holds to its end (items, stores, pages, files) is set aside from
        # Python's full garbage collections, which walked it again and again for nothing
        # (1 s of CPU of a warm 10,000-item build); on_post_build puts it back.
        gc.freeze()
        return files

    # Run last, when the files are final (and other plugins have seen them): the pages taken
    # from the cache leave them now, and the pages MkDocs renders link only to pages it knows.
    @event_priority(-100)
    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> None:
        try:
            self._take_cached_pages(nav, config, files)
        finally:
            self.old_site.discard()  # what did not come back from the old site

    def _take_cached_pages(self, nav: Navigation, config: MkDocsConfig, files: Files) -> None:
        self.files = files
        if self.hub is not None and config.nav is None:
            # Without a nav in mkdocs.yml, MkDocs names each section after its folder
            # ("Stories", in English on any site): Kehila's sections take their titles.
            _title_sections(nav.items, self._section_titles())
        use = self.config.enabled and self.config.cache and not self.dirty
        if not self.cached.start(config, enabled=use, owner=self) or self.hub is None:
            return
        share = self.share
        # A page worker works out the keys of its own share of the pages only.
        keyed = self.cacheable if share is None else {u for u in self.cacheable if u in share}
        self.extras = {uri: self._extras(self.pages_by_uri[uri], config) for uri in keyed}
        site = site_digest(config, parts=self._site_parts(files), docs_dir=Path(config.docs_dir))
        missing = self.cached.plan(
            files, self.pages_by_uri, cacheable=keyed, site=site, extras=self.extras
        )
        if share is not None:
            mine = self.cached.leave_to_others(files, self.pages_by_uri, self.cacheable)
            log.debug(f"Kehila's page worker {share}: {mine} pages to render")
            return
        if not self.workers.running:
            self._start_workers(config, missing=missing)
        self.workers.wait()
        taken = self.cached.take(
            files,
            config,
            self.pages_by_uri,
            index=self._index_cached,
            old_site=self.old_site,
        )
        # The files the last build copied or wrote as they are (the theme's, feeds...) come
        # back too; they leave ``files`` in on_env, once MkDocs has checked the pages' links.
        self.static, self.static_back = {}, []
        for file, key in static_keys(files):
            self.static[file.dest_uri] = key
            if self.old_site.put_back(file.dest_uri, key):
                self.static_back.append(file)
        log.debug(
            f"{taken} pages taken from Kehila's cache ({missing} were missing); "
            f"{self.old_site.put_back_count} pages and files put back from the last site"
        )

    def _manifest(self, config: MkDocsConfig) -> Path | None:
        """The list of the last build's cached pages (see :mod:`.old_site`; ``None``: no
        cache, so no page goes back)."""
        if not (self.config.enabled and self.config.cache):
            return None
        return cache_folder(config) / MANIFEST

    def _start_workers(self, config: MkDocsConfig, *, missing: int) -> None:
        """Start page workers for a cold build cache (see :mod:`.page_workers`): as soon as the
        pages are known, so that they work while this build makes its feeds."""
        if self.workers.running or self.share is not None or self.is_serve:
            return
        if not (self.config.cache and not self.dirty and self.cached.usable(config, owner=self)):
            return
        count = worker_count(config, option=self.config.workers, missing=missing)
        if count:
            self.stores.flush()  # the workers read the items parsed and the pages made
            self.workers.start(config, count, missing=missing)

    def _text(self, file: File, label: str) -> str:
        """A page's text: a file of the docs folder as on_pre_build read it a moment ago (as
        MkDocs reads it: without a byte order mark), any other as MkDocs gives it."""
        read = self._checked.get(f"{label}/{file.src_uri}")
        if read is None or file.generated_by is not None or file.abs_src_path is None:
            return file.content_string
        return read.removeprefix("\ufeff")

    def _reader(self) -> FrontMatterCache | None:
        """Reads front matter through the build cache (``None``: no cache, read every file)."""
        store = self.stores.get("front-matter") if self.config.enabled else None
        return None if store is None else FrontMatterCache(store)

    def _memo(self, name: str) -> Memo | None:
        """Values made from items, kept in the build cache's store ``name`` (``None``: no
        cache). Every key holds :meth:`_world_digest`, then the files of the items it shows."""
        store = self.stores.get(name)
        if store is None or self._world is None:
            return None
        texts, keys = self._texts, self._item_keys

        def item_key(item: Item) -> str:
            path = str(item.path)
            key = keys.get(path)
            if key is None:
                text = texts.get(path)
                # (an item of no file of this build: all of it, in its repr)
                key = keys[path] = digest(path, repr(item) if text is None else text)
            return key

        return Memo(store, self._world, item_key)

    def _world_digest(self, config: MkDocsConfig, preview: bool) -> str:
        """What every page and feed depends on: the site's configuration, theme and Kehila's
        code (see :func:`site_digest`), and every item's page, URL and status."""
        hub = self.hub
        assert hub is not None
        parts = [f"preview {preview}"]
        for item in sorted(hub.catalog.items, key=lambda i: str(i.path)):
            uri = hub.src_uri_for(item)
            parts.append(f"{item.path} {item.status} {item.is_public} {uri} {hub.url_of(uri)}")
        return site_digest(config, parts=parts, docs_dir=Path(config.docs_dir))

    def _section_titles(self) -> dict[str, str]:
        """The index page of each of Kehila's sections, and the section's title (set in
        mkdocs.yml, else the catalog's in the site's language)."""
        hub = self.hub
        assert hub is not None
        kinds = [kind for kind in KIND_SECTIONS if hub.enabled(kind)]
        titles = {hub.index_uri(kind): hub.section_title(kind) for kind in kinds}
        if hub.options.tags:
            titles[hub.tags_index_uri()] = hub.options.tags_title
        return titles

    def _site_parts(self, files: Files) -> list[str]:
        """What every generated page shows of the rest of the site: the published items and
        their URLs, and the pages that shape the nav (their paths, URLs and titles)."""
        assert self.hub is not None
        parts = []
        for uri, spec in sorted(self.pages_by_uri.items()):
            if spec.item is not None and not spec.draft:
                parts.append(f"item {uri} {self.hub.url_of(uri)}")
        for file in files.documentation_pages(inclusion=any_inclusion):
            if file.src_uri in self.cacheable:
                continue
            spec = self.pages_by_uri.get(file.src_uri)
            text = spec.title if spec is not None else file.content_string
            parts.append(f"page {file.src_uri} {file.url} {file.inclusion.name}\n{text}")
        return parts

    def _index_cached(self, src_uri: str, file: File, key: str) -> None:
        """A page taken from the cache goes into the search index as if MkDocs rendered it
        (its key stands for its HTML, read from its entry only if the indexer asks for it: it
        may keep its analysis from an earlier build)."""
        spec = self.pages_by_uri[src_uri]
        if spec.item is not None and not spec.draft:
            read_html = self.cached.search_reader(key)
            self.search.add(src_uri, file.url, spec.item, None, page_key=key, read_html=read_html)

    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> None:
        if self.share is not None and self.share.orphaned():
            raise PluginError("Kehila's page worker stops: the build it worked for has stopped")
        self.cached.on_pre_page(page)

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> None:
        # The sitemap dates a page by its content, not by the day of the build.
        if page.file.src_uri in self.pages_by_uri:
            when = self._extras(self.pages_by_uri[page.file.src_uri], config)[1]
            if when:
                page.update_date = when

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        spec = self.pages_by_uri.get(page.file.src_uri)
        if spec is not None and spec.fragments:
            html = self._finish(html, spec, page, config, files)
        indexed = spec.item if spec is not None and not spec.draft else None
        key = self.cached.keys.get(page.file.src_uri)
        self.search.on_page_content(html, page, indexed, page_key=key)
        searched = indexed is not None and indexed.is_public and self.search.enabled
        self.cached.on_page_content(page, html if searched else None)
        if spec is None or not spec.harvested:
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
    ) -> None:
        self.cached.on_pre_page(page)

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        spec = self.pages_by_uri.get(page.file.src_uri)
        if spec is not None:
            head, _ = self._extras(spec, config)
            output = finish_output(output, _language(spec), head)
        self.cached.on_post_page(output, page, config)
        if self.share is not None:
            # A page worker's site is thrown away: the page is in the cache, MkDocs skips it.
            return ""
        return output if spec is not None else None

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
        for file in self.static_back:
            if files.get_file_from_path(file.src_uri) is file:
                files.remove(file)
        self.static_back = []
        self.cached.on_env()
        self.search.on_env(config)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        gc.unfreeze()
        self.old_site.wait()
        if self.files is not None:
            written = self.cached.finish(config, self.files, worker=self.share is not None)
            written.update((dest_uri, (key, "")) for dest_uri, key in self.static.items())
            if self.share is None:
                manifest = None if self.is_serve else self._manifest(config)
                self.old_site.record(Path(config.site_dir), written, manifest=manifest)
        self.files, self.extras, self.static, self.static_back = None, {}, {}, []
        if self.share is not None:
            return  # a page worker: the build it works for keeps the rest
        if not self.is_serve:
            # Under serve the values stay in memory; they are written once, when it stops.
            self.stores.save()
        self.search.on_post_build(config)
        # The ledger only ever records what a real build published (never a serve preview).
        if not self.config.enabled or self.is_serve or self.ledger is None:
            return
        path = Path(config.docs_dir) / self.config.ledger_file
        text = self.ledger.dumps()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)

    def on_build_error(self, *, error: Exception) -> None:
        gc.unfreeze()
        self.workers.stop()
        self.old_site.wait()
        self.cached.close()
        self.files, self.extras, self.static, self.static_back = None, {}, {}, []

    def on_shutdown(self) -> None:
        self.workers.stop()
        self.cached.close()
        self.search.close()
        if self.is_serve:
            self.stores.save()

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
            self.cacheable.add(spec.src_uri)
        self.ledger = plan.ledger

    def _add_feeds_and_assets(self, files: Files, config: MkDocsConfig) -> None:
        for kind, uri in ASSETS.items():
            source = str(ASSETS_DIR / f"kehila.{kind}")
            files.append(File.generated(config, uri, abs_src_path=source))
        if self.hub is None or self.share is not None:
            return
        site_url, undated = config.site_url or "/", environment_date()
        generated = []
        if self.config.feeds:
            memo = self._memo("feeds")
            generated += build_feeds(
                self.hub, site_url, config.site_name, undated=undated, memo=memo
            )
        if self.hub.has_embed():
            generated += Embed(self.hub, site_url).files()
        for file in generated:
            files.append(File.generated(config, file.path, content=file.text))

    def _extras(self, spec: PageSpec, config: MkDocsConfig) -> tuple[str, str]:
        """A generated page's ``<head>`` extras and its sitemap date (made once per build)."""
        known = self.extras.get(spec.src_uri)
        if known is None:
            known = self.extras[spec.src_uri] = (
                self._head_extras(spec, config),
                self._lastmod(spec) or "",
            )
        return known

    def _lastmod(self, spec: PageSpec) -> str | None:
        """The date of what a page shows: an item's newest date; for the hub's other pages,
        the newest published item's (``None``: no item; MkDocs dates it)."""
        assert self.hub is not None
        if spec.item is not None:
            dates = [spec.item.date] + [a.date for a in spec.item.answers if a.date]
            return lastmod(max(dates))
        return lastmod(self.newest)

    def _head_extras(self, spec: PageSpec, config: MkDocsConfig) -> str:
        """JSON-LD, feed links and robots hints for a generated page's <head> (an item's kept
        in the build cache: they are made of the item, its page and the site)."""
        memo = self._memo("head-extras") if spec.item is not None else None
        if memo is None:
            return self._make_head_extras(spec, config)
        parts = [spec.src_uri, spec.view, repr((spec.crumbs, spec.noindex, spec.draft)), spec.item]
        return memo.text(parts, lambda: self._make_head_extras(spec, config))

    def _make_head_extras(self, spec: PageSpec, config: MkDocsConfig) -> str:
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


_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
#: Material's article: the page's title and content, without the site's header, nav and footer.
_ARTICLE_TAG = '<article class="md-content__inner md-typeset">'


def finish_output(output: str, language: tuple[str, str] | None, head: str) -> str:
    """A generated page as the theme wrote it, finished: an item's language and direction on
    its article, and ``head`` (JSON-LD, feed links, robots hints) at the end of ``<head>``.

    The item's language is set on Material's article, title included, so that the site's own
    words around it (header, navigation, search) keep the site's language and direction. A
    theme without that article gets them on ``<html>``.
    """
    if language is not None:
        lang, direction = language
        article = f'<article class="md-content__inner md-typeset" lang="{lang}" dir="{direction}">'
        if _ARTICLE_TAG in output:
            output = output.replace(_ARTICLE_TAG, article, 1)
        else:
            tag = f'<html lang="{lang}" dir="{direction}" class="no-js">'
            output = _HTML_TAG.sub(tag, output, count=1)
    return output.replace("</head>", head + "\n</head>", 1)


def _title_sections(items: list[Any], titles: dict[str, str]) -> None:
    """Give a section of the nav the title of the Kehila index page it holds (if it holds one)."""
    for item in items:
        if not item.is_section:
            continue
        for child in item.children:
            if child.is_page and child.file.src_uri in titles:
                item.title = titles[child.file.src_uri]
                break
        _title_sections(item.children, titles)


def _nav_paths(nav: object) -> set[str]:
    """The Markdown files that mkdocs.yml's ``nav`` lists."""
    if isinstance(nav, str):
        return {nav} if nav.endswith(".md") else set()
    if isinstance(nav, dict):
        return set().union(*(_nav_paths(v) for v in nav.values()))
    if isinstance(nav, list):
        return set().union(*(_nav_paths(v) for v in nav))
    return set()


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
