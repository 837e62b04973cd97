"""Kehila's site search in a build (the index itself is engine-neutral, in ``kehila.search``).

The MkDocs plugin calls one method of :class:`HubSearch` per hook. Page text is taken from the
HTML MkDocs has just rendered (``on_page_content``), so nothing is parsed twice, and only the
pages of public items are indexed: a draft preview or an ordinary page never enters the index.
The client (``assets/search.js``) puts a search box into Material's header, where Material's own
search would be, and fetches only the term chunks and documents a query needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files

from ..cache import KeptFolder, digest
from ..search import analyses
from ..search.client import client_script
from ..search.text import language_key
from ..search.worker import (
    LocalIndex,
    MissingAnalyses,
    SearchIndexError,
    WorkerIndex,
    start_index,
)

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.pages import Page

    from ..model import Item

log = get_plugin_logger(__name__)

#: Where the client assets and the index are published inside the site.
ASSETS = ("search.js", "search.css")
ASSETS_URL = "assets/kehila"
INDEX_URL = "kehila-search"

#: Names under which Material's (or MkDocs') own search plugin may be configured.
MATERIAL_SEARCH = ("search", "material/search")

#: Where the analyses of the pages are kept, in the kept index's folder of the build cache.
ANALYSES = "analyses"


class HubSearch:
    """State of the search feature across the hooks of one build (and rebuilds under serve).

    A page is given to the indexer with a *fingerprint* of everything its analysis depends on
    (for a page of the build cache: its key). The indexer keeps analyses between builds (see
    :mod:`kehila.search.analyses`), so a page whose analysis is kept goes without its HTML;
    should the kept analysis be gone after all, the indexer asks, and the HTML follows.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.index: LocalIndex | WorkerIndex | None = None
        self.kinds: dict[str, str] = {}
        self.language = "en"
        self.serve = False
        self.incremental = False
        """``mkdocs serve --dirty``: pages that did not change are not rendered again, so the
        documents of the previous build are kept (and the indexer process with them)."""
        self._started: float | None = None
        self._counts: dict[str, int] | None = None
        self.kept: KeptFolder | None = None
        """The index of an earlier build in the build cache (``None``: no cache)."""
        self._seed = ""
        self._store: Path | None = None
        self._known: set[str] = set()
        """Fingerprints of the pages whose analyses the indexer has (or the store promises)."""
        self._fingerprints: dict[str, str] = {}
        """The fingerprint of every page indexed in this build, by source path."""
        self._pages: dict[str, tuple[dict[str, Any], Callable[[], str | None]]] = {}
        """Pages given without their HTML: their fields, and how to get their HTML."""
        self._write: tuple[Path, str] | None = None
        self._reused = False
        self._collector: threading.Thread | None = None
        self._active = False
        """This build indexes pages (see :meth:`on_files`)."""
        self._waiting: list[dict[str, Any]] = []
        """Pages for an indexer not started yet (all of them have kept analyses)."""
        self.counts: dict[str, int] | None = None
        """Documents per language of the last index written (or taken from the cache)."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serve = command == "serve"
        self.incremental = self.serve and dirty

    def on_config(
        self, config: MkDocsConfig, *, enabled: bool, kinds: dict[str, str], language: str
    ) -> None:
        """Switch the feature on and add the client to every page.

        Material's own search wins when the site lists it under ``plugins``: that is the switch
        for small hubs, and two search boxes in one header would confuse visitors.
        """
        material = next((name for name in MATERIAL_SEARCH if name in config.plugins), None)
        self.enabled = enabled and material is None
        self.kinds = kinds
        self.language = language
        if enabled and material is not None:
            log.info(
                f"Material's '{material}' plugin is enabled, so Kehila's search is off "
                "(remove 'search' from 'plugins' to use Kehila's search instead)"
            )
        if not self.enabled:
            return
        css = f"{ASSETS_URL}/search.css"
        if css not in config.extra_css:
            config.extra_css.append(css)
        js = f"{ASSETS_URL}/search.js"
        if js not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(ExtraScriptValue(js))

    def on_files(
        self,
        files: Files,
        config: MkDocsConfig,
        *,
        published: set[str],
        kept: KeptFolder | None = None,
        seed: str = "",
    ) -> None:
        """Add the client assets and forget documents that are no longer published.

        Args:
            published: source paths of the pages of public items in this build.
            kept: where the build cache keeps the index: an index made of the very same pages
                (and ``seed``: the configuration, Kehila's code...) is taken from there, and
                the analyses of the pages are kept beside it.
        """
        self._active = False
        if not self.enabled:
            return
        self.wait()
        self.kept = None if self.incremental else kept
        store = None if self.kept is None else self.kept.folder / ANALYSES
        self._seed, self._fingerprints, self._pages = seed, {}, {}
        self._reused, self._write, self._counts = False, None, None
        self._active, self._waiting = True, []
        if self.index is not None and (
            not getattr(self.index, "alive", True) or store != self._store
        ):
            self.index.close()
            self.index = None
        if self.index is None:
            # The indexer starts when a page needs analysing or the index writing (see
            # _indexer): a build whose index is kept as it is starts none.
            self._store = store
            self._known = set() if store is None else analyses.fingerprints(store)
        else:
            if not self.incremental:
                self.index.reset()
            self.index.retain(published)
        folder = resources.files("kehila.search") / "assets"
        for name in ASSETS:
            uri = f"{ASSETS_URL}/{name}"
            if files.get_file_from_path(uri) is None:
                if name == "search.js":
                    # The site's language and the box's words go into the script.
                    content = client_script(self.language)
                else:
                    content = (folder / name).read_text(encoding="utf-8")
                files.append(File.generated(config, uri, content=content))

    def on_page_content(
        self, html: str, page: Page, item: Item | None, *, page_key: str | None = None
    ) -> None:
        """Index the rendered page of a public item (any other page is ignored)."""
        self.add(page.file.src_uri, page.url, item, html, page_key=page_key)

    def add(
        self,
        src_uri: str,
        url: str,
        item: Item | None,
        html: str | None,
        *,
        page_key: str | None = None,
        read_html: Callable[[], str | None] | None = None,
    ) -> None:
        """Index a public item's page from its HTML content (any other page is ignored).

        Args:
            html: the page's HTML content (``None``: ``read_html`` gives it).
            page_key: the page's key in the build cache, which stands for its HTML in the
                page's fingerprint (``None``: the HTML does).
            read_html: gives the page's HTML again, should the indexer ask for it.
        """
        if not self._active or item is None or not item.is_public:
            return
        fields = {
            "key": src_uri,
            "url": url,
            "title": item.title,
            "kind": item.kind,
            "tags": item.tags,
            "language": language_key(item.language),
            "date": item.date.date().isoformat(),
        }
        if page_key is None and html is None and read_html is not None:
            html = read_html()
        fingerprint = digest(*(str(v) for v in fields.values()), page_key or html or "")
        self._fingerprints[src_uri] = fingerprint
        if fingerprint in self._known:
            self._pages[src_uri] = (fields, read_html or (lambda: html))
            if self.index is None:
                self._waiting.append({"fingerprint": fingerprint, **fields})
            else:
                self.index.add(fingerprint=fingerprint, **fields)
            return
        if html is None and read_html is not None:
            html = read_html()
        if html is None:
            raise PluginError(f"Kehila's search: the page '{src_uri}' has no HTML to index")
        self._indexer().add(fingerprint=fingerprint, html=html, **fields)

    def _indexer(self) -> LocalIndex | WorkerIndex:
        """The indexer, started now if need be (with the pages waiting for it)."""
        if self.index is None:
            self.index = start_index(background=True, store=self._store)
        waiting, self._waiting = self._waiting, []
        for fields in waiting:
            self.index.add(**fields)
        return self.index

    def wait(self) -> dict[str, int] | None:
        """Wait for an index still being written (``serve`` does not wait for it: see
        :meth:`on_post_build`); the documents per language of the last index."""
        collector, self._collector = self._collector, None
        if collector is not None:
            collector.join()
        return self.counts

    def on_env(self, config: MkDocsConfig) -> None:
        """Start writing the index: every page has been rendered to HTML by now.

        The worker writes while MkDocs puts the pages into the theme's templates (a third of the
        build); :meth:`on_post_build` collects the outcome.
        """
        if not self._active:
            return
        self._started = time.monotonic()
        folder = Path(config.site_dir) / INDEX_URL
        key = ""
        if self.kept is not None:
            pages = [f"{uri} {f}" for uri, f in sorted(self._fingerprints.items())]
            key = digest(self._seed, repr(sorted(self.kinds.items())), *pages)
            counts = self.kept.restore(key, folder)
            if counts is not None:
                # The same pages as when it was written: the index is the one kept.
                self._counts, self._reused = counts, True
                return
        self._write = (folder, key)
        self._indexer()
        self._start_write()

    def _start_write(self) -> None:
        assert self.index is not None and self._write is not None
        folder, key = self._write
        try:
            self.index.write(folder, kinds=self.kinds, kept=self.kept, key=key, wait=False)
        except SearchIndexError as exc:
            raise PluginError(f"Kehila's search: {exc}") from None

    def _collect(self) -> dict[str, int] | None:
        """The outcome of the write under way; the HTML of pages the indexer asks for is given
        (their kept analyses were not found), and it writes again."""
        assert self.index is not None
        while True:
            try:
                counts = self.index.finish()
            except MissingAnalyses as exc:
                for src_uri in exc.keys:
                    fields, read_html = self._pages[src_uri]
                    html = read_html()
                    if html is None:
                        message = f"the page '{src_uri}' has no HTML to index"
                        raise SearchIndexError(message) from None
                    fingerprint = self._fingerprints[src_uri]
                    self.index.add(fingerprint=fingerprint, html=html, **fields)
                self._start_write()
                continue
            current = set(self._fingerprints.values())
            self._known = self._known | current if self.incremental else current
            return counts

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Wait for the index, except under ``serve``: the edited page is shown at once, the
        index follows a moment later (and the next rebuild waits for it)."""
        if not self._active:
            return
        if self._started is None:
            self.on_env(config)
        start, self._started = self._started, None
        self._active = False
        if self._reused:
            self.counts = self._counts
            self._report(start, "taken from Kehila's cache")
            if not self.serve:
                self.close()
            return
        if self.serve:
            self._collector = threading.Thread(
                target=self._collect_in_background, args=(start,), name="kehila-search-wait"
            )
            self._collector.daemon = True
            self._collector.start()
            return
        try:
            self.counts = self._collect()
        except SearchIndexError as exc:
            raise PluginError(f"Kehila's search: {exc}") from None
        finally:
            self.close()
        self._report(start, "written")

    def _collect_in_background(self, start: float | None) -> None:
        try:
            self.counts = self._collect()
        except (SearchIndexError, PluginError) as exc:
            log.error(f"Kehila's search: {exc}")
            return
        self._report(start, "written")

    def _report(self, start: float | None, done: str) -> None:
        counts = self.counts
        if counts is None or start is None:
            return
        summary = ", ".join(f"{n} {language}" for language, n in counts.items()) or "no items"
        log.info(
            f"Search index {done} {time.monotonic() - start:.2f} s after the last page ({summary})"
        )

    def close(self) -> None:
        """Wait for the index and stop the indexer (the end of a build, or of ``serve``)."""
        self.wait()
        self._active = False
        if self.index is not None:
            self.index.close()
            self.index = None
