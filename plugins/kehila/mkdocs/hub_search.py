"""Kehila's site search in a build (the index itself is engine-neutral, in ``kehila.search``).

The MkDocs plugin calls one method of :class:`HubSearch` per hook. Page text is taken from the
HTML MkDocs has just rendered (``on_page_content``), so nothing is parsed twice, and only the
pages of public items are indexed: a draft preview or an ordinary page never enters the index.
The client (``assets/search.js``) puts a search box into Material's header, where Material's own
search would be, and fetches only the term chunks and documents a query needs.
"""

from __future__ import annotations

import hashlib
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files

from ..cache import KeptFolder
from ..search.client import client_script
from ..search.text import language_key
from ..search.worker import LocalIndex, SearchIndexError, WorkerIndex, start_index

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


class HubSearch:
    """State of the search feature across the hooks of one build (and rebuilds under serve)."""

    def __init__(self) -> None:
        self.enabled = False
        self.index: LocalIndex | WorkerIndex | None = None
        self.kinds: dict[str, str] = {}
        self.language = "en"
        self.incremental = False
        """``mkdocs serve --dirty``: pages that did not change are not rendered again, so the
        documents of the previous build are kept (and the indexer process with them)."""
        self._started: float | None = None
        self._counts: dict[str, int] | None = None
        self.kept: KeptFolder | None = None
        """The index of an earlier build in the build cache (``None``: no cache)."""
        self._hash: Any = None
        """A hash of everything given to the index in this build (with the kept index's)."""
        self._reused = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.incremental = command == "serve" and dirty

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
                (and ``seed``: the configuration, Kehila's code...) is taken from there.
        """
        if not self.enabled:
            return
        self.kept = None if self.incremental else kept
        self._hash = hashlib.blake2b(seed.encode("utf-8"), digest_size=20)
        self._reused = False
        if self.index is not None and not getattr(self.index, "alive", True):
            self.index = None
        if self.index is None:
            self.index = start_index(background=True)
        elif not self.incremental:
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

    def on_page_content(self, html: str, page: Page, item: Item | None) -> None:
        """Index the rendered page of a public item (any other page is ignored)."""
        self.add(page.file.src_uri, page.url, html, item)

    def add(self, src_uri: str, url: str, html: str, item: Item | None) -> None:
        """Index a public item's page from its HTML content (any other page is ignored)."""
        if not self.enabled or self.index is None or item is None or not item.is_public:
            return
        fields = {
            "key": src_uri,
            "url": url,
            "title": item.title,
            "kind": item.kind,
            "tags": item.tags,
            "language": language_key(item.language),
            "date": item.date.date().isoformat(),
            "html": html,
        }
        if self.kept is not None:
            for value in fields.values():
                data = str(value).encode("utf-8")
                self._hash.update(len(data).to_bytes(8, "little") + data)
        self.index.add(**fields)

    def on_env(self, config: MkDocsConfig) -> None:
        """Start writing the index: every page has been rendered to HTML by now.

        The worker writes while MkDocs puts the pages into the theme's templates (a third of the
        build); :meth:`on_post_build` collects the outcome.
        """
        if not self.enabled or self.index is None:
            return
        self._started = time.monotonic()
        if self.kept is not None:
            self._hash.update(repr(sorted(self.kinds.items())).encode("utf-8"))
            counts = self.kept.restore(self._hash.hexdigest(), Path(config.site_dir) / INDEX_URL)
            if counts is not None:
                # The same pages as when it was written: the index is the one kept.
                self.index.abandon()
                self._counts, self._reused = counts, True
                return
        try:
            self._counts = self.index.write(
                Path(config.site_dir) / INDEX_URL, kinds=self.kinds, wait=False
            )
        except SearchIndexError as exc:
            raise PluginError(f"Kehila's search: {exc}") from None

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Wait for the index (except under ``serve --dirty``: the edited page is shown at once,
        the index follows a moment later)."""
        if not self.enabled or self.index is None:
            return
        if self._started is None:
            self.on_env(config)
        counts, self._counts = self._counts, None
        try:
            if not self.incremental and not self._reused:
                counts = self.index.finish() or counts
        except SearchIndexError as exc:
            raise PluginError(f"Kehila's search: {exc}") from None
        finally:
            if not self.incremental:
                self.index.close()
                self.index = None
        if self.kept is not None and not self._reused:
            self.kept.keep(self._hash.hexdigest(), Path(config.site_dir) / INDEX_URL, counts)
        start, self._started = self._started, None
        if counts is None or start is None:
            return
        summary = ", ".join(f"{n} {language}" for language, n in counts.items()) or "no items"
        done = "taken from Kehila's cache" if self._reused else "written"
        log.info(
            f"Search index {done} {time.monotonic() - start:.2f} s after the last page ({summary})"
        )
