"""Generated pages taken from Kehila's build cache, through MkDocs' public events only.

A generated page outside the nav (an item, a tag, a further page of a list) is rendered once;
its output is kept in ``.cache/kehila/`` (see :mod:`kehila.cache`) under a key of everything it
depends on:

- its own Markdown and HTML blocks as the hub made them (with them the item's content, the
  titles and URLs of the items it links or sits between, its tags' names and links), its
  ``<head>`` extras (JSON-LD, feed links), its URL and its sitemap date;
- the site: the set of published items and their URLs, ``tags.yml`` (and any catalog) in the
  content folder's ``.kehila/``, the pages that shape the nav, the configuration, the theme and
  its templates, the versions of MkDocs, Material and Markdown, and a digest of Kehila's own
  files, its translation catalogs (``locale/``) included (its version does not change between
  commits).

While nothing of that changed, the page is taken out of ``files`` in ``on_nav`` (MkDocs neither
converts nor writes it) and Kehila writes its output, its sitemap entry and its search document
itself. A page that is rendered links only to pages MkDocs knows: pages it links to stay in
``files`` and are rendered too. Only when Kehila is the one plugin taking part in writing pages
(:data:`PAGE_EVENTS`): another plugin would miss the pages it never sees.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import logging
import os
import posixpath
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from ..cache import Entry, PageCache, Store, digest, folder_digest, open_folder

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files, InclusionLevel
    from mkdocs.structure.pages import Page

    from ..pages import PageSpec
    from .old_site import OldSite

log = logging.getLogger("mkdocs.plugins.kehila")

#: The cache's folder, beside mkdocs.yml.
FOLDER = Path(".cache") / "kehila"

#: MkDocs' events in which a plugin takes part in writing pages. The cache is used only when
#: Kehila is the one plugin in them: another would not see the pages taken from the cache.
PAGE_EVENTS = (
    "nav",
    "env",
    "pre_page",
    "page_read_source",
    "page_markdown",
    "page_content",
    "page_context",
    "post_page",
)

#: Packages whose versions change what a page looks like.
_PACKAGES = (
    "mkdocs",
    "mkdocs-material",
    "Markdown",
    "pymdown-extensions",
    "Pygments",
    "feedgen",
    "nh3",
)

#: Links to Markdown files in a page's source: inline, reference definitions, raw HTML.
_MD_LINKS = re.compile(
    r"""\]\(\s*<?([^)\s>]+?\.md)(?:#[^)\s>]*)?>?[\s)]"""
    r"""|^\s{0,3}\[[^\]\n]+\]:\s*<?([^\s>]+?\.md)(?:#\S*)?"""
    r"""|href=["']([^"'#]+?\.md)(?:#[^"']*)?["']""",
    re.MULTILINE,
)
_URL_BLOCK = re.compile(r"\s*<url>.*?</url>", re.DOTALL)
_LOC = re.compile(r"<loc>(.*?)</loc>", re.DOTALL)


def others_in_page_events(config: MkDocsConfig, owner: object) -> list[str]:
    """Plugins and hooks besides ``owner`` that take part in writing pages (see PAGE_EVENTS)."""
    others = []
    for event in PAGE_EVENTS:
        others += [
            str(getattr(h, "__qualname__", h))
            for h in config.plugins.events[event]
            if getattr(h, "__self__", None) is not owner
        ]
    return others


class _Warnings(logging.Handler):
    """Counts MkDocs' warnings, by the page being written (``None``: outside any page). A page
    that warned is not kept, so that a later build warns again (``--strict`` fails again)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.page: str | None = None
        self.pages: set[str] = set()
        self.outside = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.page is None:
            self.outside += 1
        else:
            self.pages.add(self.page)


class CachedPages:
    """The cache's part in one build (and in the rebuilds of one ``serve``)."""

    def __init__(self) -> None:
        self.cache: PageCache | None = None
        self.keys: dict[str, str] = {}
        """Cacheable pages of this build: source path -> key."""
        self.order: list[str] = []
        """The site's pages in MkDocs' order (the sitemap's)."""
        self.taken: dict[str, tuple[str, str]] = {}
        """Pages taken from the cache: source path -> (sitemap entry, sitemap date)."""
        self.stored: list[str] = []
        self.written: dict[str, tuple[str, str]] = {}
        """Cacheable pages of this build that go into the site as kept: path in the site -> key."""
        self.search_html: dict[str, str] = {}
        self._sitemap: dict[str, str] | None = None
        self._warnings = _Warnings()
        self.extras: dict[str, tuple[str, str]] = {}
        self.missing: set[str] = set()
        """Cacheable pages of this build that the cache lacks (see :meth:`plan`)."""

    # -- on_files / on_nav -------------------------------------------------------------------

    def usable(self, config: MkDocsConfig, *, owner: object) -> bool:
        """Whether the cache can serve this site: Kehila is the one plugin writing pages."""
        return not others_in_page_events(config, owner)

    def missing_estimate(self, config: MkDocsConfig, cacheable: set[str]) -> int:
        """How many of the ``cacheable`` pages the cache lacks at least (before their keys are
        known: by the count of its entries)."""
        try:
            with os.scandir(cache_folder(config) / "pages") as entries:
                kept = sum(1 for _ in entries)
        except OSError:
            kept = 0
        return max(0, len(cacheable) - kept)

    def start(self, config: MkDocsConfig, *, enabled: bool, owner: object) -> bool:
        """Open the cache for this build; ``False``: it is not used (and nothing is kept)."""
        self.close()
        if not enabled:
            return False
        if others := others_in_page_events(config, owner):
            log.debug(f"Kehila's cache is not used, as these take part in writing pages: {others}")
            return False
        self.cache = PageCache(cache_folder(config))
        try:
            self.cache.open()
        except OSError as exc:
            log.info(f"Kehila's cache is not used: {exc}")
            self.cache = None
            return False
        return True

    def plan(
        self,
        files: Files,
        specs: dict[str, PageSpec],
        *,
        cacheable: set[str],
        site: str,
        extras: dict[str, tuple[str, str]],
    ) -> int:
        """Give every cacheable page its key (``on_nav``); how many are not in the cache.

        Args:
            cacheable: generated pages that may come from the cache.
            site: the site's part of every key (see :func:`site_digest`).
            extras: a page's ``<head>`` extras and sitemap date, by source path.
        """
        cache = self.cache
        if cache is None:
            return 0
        # Warnings from here on are MkDocs' about the pages (those before, about the content
        # folder, are given again by every build).
        logging.getLogger("mkdocs").addHandler(self._warnings)
        # Every page, drafts included (``serve`` previews pending items as drafts, and takes
        # them from the cache too).
        self.order = [f.src_uri for f in files.documentation_pages(inclusion=any_inclusion)]
        self.extras = extras
        for src_uri in cacheable:
            spec, file = specs[src_uri], files.get_file_from_path(src_uri)
            if file is None:
                continue
            head, lastmod = extras[src_uri]
            self.keys[src_uri] = digest(
                site,
                src_uri,
                file.dest_uri,
                file.url,
                spec.markdown,
                *spec.fragments,
                str(spec.harvested),
                head,
                lastmod,
            )
        self.missing = {src_uri for src_uri, key in self.keys.items() if not cache.has(key)}
        return len(self.missing)

    def take(
        self,
        files: Files,
        config: MkDocsConfig,
        specs: dict[str, PageSpec],
        *,
        index: Any,
        old_site: OldSite | None = None,
    ) -> int:
        """Take the pages whose entries are valid out of ``files``, and write them (``on_nav``,
        after :meth:`plan`).

        Args:
            index: ``index(src_uri, file, key)`` indexes a page taken from the cache.
            old_site: the last build's site, whose copy of a page goes back when it is the
                page's key's (see :class:`.old_site.OldSite`); else the page is written.
        """
        cache = self.cache
        if cache is None:
            return 0
        # A page the last site holds as it is now needs no entry read (only its sitemap entry,
        # noted with it); the others' entries are read, and checked, before any page goes.
        found: dict[str, Entry | str] = {}
        for src_uri, key in self.keys.items():
            file = files.get_file_from_path(src_uri)
            if file is None:
                continue
            sitemap = old_site.kept(file.dest_uri, key) if old_site is not None else None
            if sitemap is not None and cache.has(key):
                found[src_uri] = sitemap
            elif (entry := cache.get(key)) is not None and entry.dest_uri == file.dest_uri:
                found[src_uri] = entry
        _keep_linked(found, files, specs)
        site_dir = Path(config.site_dir)
        taken = 0
        for src_uri in self.order:
            kept = found.get(src_uri)
            if kept is None:
                continue
            file = files.get_file_from_path(src_uri)
            assert file is not None
            key = self.keys[src_uri]
            # (The old copy was found to be the page's above: it only needs moving back.)
            if isinstance(kept, str) and not old_site.move_back(file.dest_uri):
                kept = cache.get(key)  # the old copy went meanwhile: the entry, after all
                if kept is None or kept.dest_uri != file.dest_uri:
                    continue  # MkDocs renders the page
            if isinstance(kept, Entry):
                path = site_dir / kept.dest_uri
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(kept.output)
            sitemap = kept if isinstance(kept, str) else kept.sitemap
            self.written[file.dest_uri] = (key, sitemap)
            index(src_uri, file, key)
            # A draft's date is not the site's: MkDocs dates the sitemap by its pages only.
            lastmod = self.extras[src_uri][1] if file.inclusion.is_included() else ""
            self.taken[src_uri] = (sitemap, lastmod)
            files.remove(file)
            taken += 1
        return taken

    def leave_to_others(self, files: Files, specs: dict[str, PageSpec], cacheable: set[str]) -> int:
        """A page worker's ``on_nav`` (see :mod:`.page_workers`), after :meth:`plan` of its own
        pages: take out of ``files`` the ``cacheable`` pages that are not its own or that the
        cache holds; how many are left to it."""
        if self.cache is None:
            return 0
        # Its own pages were planned: those the cache lacks are its to render.
        others = dict.fromkeys(cacheable - self.missing)
        _keep_linked(others, files, specs)
        for src_uri in others:
            file = files.get_file_from_path(src_uri)
            if file is not None:
                files.remove(file)
        return len(cacheable) - len(others)

    def search_reader(self, key: str) -> Callable[[], str | None]:
        """Reads the HTML the search index reads of the page of ``key`` (``None``: the
        entry is gone), for the search indexer when it asks for a page (after this build)."""
        cache = self.cache

        def read() -> str | None:
            entry = cache.get(key) if cache is not None else None
            return None if entry is None else entry.search

        return read

    # -- pages MkDocs renders ------------------------------------------------------------------

    def on_pre_page(self, page: Page) -> None:
        self._warnings.page = page.file.src_uri

    def on_env(self) -> None:
        self._warnings.page = None  # every page is converted; MkDocs now fills in templates

    def on_page_content(self, page: Page, search_html: str | None) -> None:
        if search_html is not None and page.file.src_uri in self.keys:
            self.search_html[page.file.src_uri] = search_html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> None:
        """Keep the page's output, unless it warned (MkDocs writes it after this event)."""
        src_uri = page.file.src_uri
        self._warnings.page = None
        key = self.keys.get(src_uri)
        search = self.search_html.pop(src_uri, None)
        if self.cache is None or key is None or src_uri in self._warnings.pages:
            return
        # Not in the sitemap (a page that asks not to be indexed): not in it when reused either.
        sitemap = self._sitemap_entries(config).get(str(escape(_loc(page))), "")
        entry = Entry(page.file.dest_uri, output.encode("utf-8"), sitemap, search)
        self.cache.put(key, entry)
        self.stored.append(key)
        self.written[page.file.dest_uri] = (key, sitemap)

    def _sitemap_entries(self, config: MkDocsConfig) -> dict[str, str]:
        """The sitemap's entries by their ``<loc>`` (MkDocs writes it before the pages)."""
        if self._sitemap is None:
            path = Path(config.site_dir) / "sitemap.xml"
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            self._sitemap = {}
            for block in _URL_BLOCK.findall(text):
                loc = _LOC.search(block)
                if loc is not None:
                    self._sitemap[loc[1]] = block
        return self._sitemap

    # -- on_post_build -------------------------------------------------------------------------

    def finish(
        self, config: MkDocsConfig, files: Files, *, worker: bool = False
    ) -> dict[str, tuple[str, str]]:
        """Complete the sitemap with the pages taken from the cache, forget old entries (a page
        worker only keeps its pages: the build it works for does the rest); the cached pages
        the site holds as kept (path in the site -> key and sitemap entry)."""
        cache = self.cache
        if cache is None:
            return {}
        written = self.written
        if self._warnings.outside:
            # A warning no page owns (an anchor checked after every page was written): keep
            # nothing of this build, so that the next one warns again.
            cache.discard(self.stored)
            written = {}
        if worker:
            self.close()
            return {}
        if self.taken:
            self._complete_sitemap(config, files)
        removed = cache.keep_only(set(self.keys.values()), variant=digest(_config_text(config)))
        log.debug(
            f"Kehila's cache: {len(self.taken)} pages reused, {cache.stored} stored, "
            f"{removed} old entries removed"
        )
        self.close()
        return written

    def _complete_sitemap(self, config: MkDocsConfig, files: Files) -> None:
        path = Path(config.site_dir) / "sitemap.xml"
        if not path.is_file():
            return
        text = path.read_text(encoding="utf-8")
        blocks = list(_URL_BLOCK.finditer(text))
        if blocks:
            head, tail = text[: blocks[0].start()], text[blocks[-1].end() :]
        else:
            end = text.rfind("\n</urlset>")
            head, tail = text[:end], text[end:]
        # MkDocs' entries by address, put in MkDocs' order with those of the reused pages.
        rendered = {}
        for match in blocks:
            loc = _LOC.search(match[0])
            rendered[loc[1] if loc else match[0]] = match[0]
        entries = []
        for src_uri in self.order:
            taken = self.taken.get(src_uri)
            file = files.get_file_from_path(src_uri)
            if taken is not None:
                entries.append(taken[0])
            elif file is not None and file.page is not None:
                entries.append(rendered.pop(str(escape(_loc(file.page))), ""))
        entries += rendered.values()  # none: MkDocs lists only pages it has
        output = head + "".join(entries) + tail
        path.write_text(output, encoding="utf-8")
        # As MkDocs gzips it: dated by the newest page (see mkdocs.utils.get_build_timestamp).
        dates = [f.page.update_date for f in files.documentation_pages() if f.page is not None]
        dates += [lastmod for _, lastmod in self.taken.values() if lastmod]
        mtime = int(datetime.fromisoformat(max(dates)).replace(tzinfo=UTC).timestamp())
        gz_path = f"{path}.gz"
        with (
            open(gz_path, "wb") as raw,
            gzip.GzipFile(fileobj=raw, filename=gz_path, mode="wb", mtime=mtime) as gz,
        ):
            gz.write(output.encode("utf-8"))

    def close(self) -> None:
        logging.getLogger("mkdocs").removeHandler(self._warnings)
        self._warnings = _Warnings()
        self.cache = None
        self.keys, self.order, self.taken, self.stored, self.written = {}, [], {}, [], {}
        self.search_html = {}
        self._sitemap = None
        self.extras = {}
        self.missing = set()


class Stores:
    """The build cache's :class:`~kehila.cache.Store` files (parsed items, feed HTML...), kept
    by the plugin for the whole process: under ``mkdocs serve`` their values stay in memory."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.stores: dict[str, Store] = {}

    def open(self, config: MkDocsConfig, *, enabled: bool) -> None:
        """Use the cache folder beside ``config``'s ``mkdocs.yml`` (or none: not ``enabled``)."""
        folder = cache_folder(config) if enabled else None
        if folder != self.folder:
            self.folder, self.stores = folder, {}
        for store in self.stores.values():
            store.used, store.changed = set(), False

    def get(self, name: str) -> Store | None:
        if self.folder is None:
            return None
        store = self.stores.get(name)
        if store is None:
            store = self.stores[name] = Store(self.folder / f"{name}.pickle")
        return store

    def flush(self) -> None:
        """Write what this build used so far (for page workers), the build going on."""
        if self._writable():
            for store in self.stores.values():
                store.flush()

    def save(self) -> None:
        """Write what this build used (a failed build writes nothing: see :meth:`open`)."""
        if self._writable():
            for store in self.stores.values():
                store.save()

    def _writable(self) -> bool:
        if self.folder is None or not self.stores:
            return False
        try:
            open_folder(self.folder)
        except OSError as exc:
            log.debug(f"Kehila's cache is not kept: {exc}")
            return False
        return True


def cache_folder(config: MkDocsConfig) -> Path:
    """The build cache's folder: ``.cache/kehila/`` beside ``mkdocs.yml``."""
    base = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return base / FOLDER


def any_inclusion(level: InclusionLevel) -> bool:
    """Every page, drafts and excluded ones too (for ``Files.documentation_pages``)."""
    return True


def _loc(page: Page) -> str:
    """A page's address in the sitemap, as MkDocs' ``sitemap.xml`` template writes it."""
    return page.canonical_url or page.abs_url or ""


def _source(file: File, specs: dict[str, PageSpec]) -> str:
    spec = specs.get(file.src_uri)
    if spec is not None:
        return spec.source
    try:
        return file.content_string
    except (OSError, UnicodeDecodeError, TypeError):
        return ""


def _keep_linked(found: dict[str, Any], files: Files, specs: dict[str, PageSpec]) -> None:
    """Leave in ``files`` the pages of ``found`` that a page staying there links to: pages that
    MkDocs renders link only to pages it knows (those are rendered too)."""
    rendered = [
        f for f in files.documentation_pages(inclusion=any_inclusion) if f.src_uri not in found
    ]
    queue = [(f.src_uri, _source(f, specs)) for f in rendered]
    while queue:
        src_uri, source = queue.pop()
        for target in _linked(src_uri, source):
            if target in found:
                del found[target]
                queue.append((target, specs[target].source))


def _linked(src_uri: str, source: str) -> set[str]:
    """The Markdown files ``source`` links to, as paths in the docs folder (a superset)."""
    if ".md" not in source:
        return set()
    folder = posixpath.dirname(src_uri)
    found = set()
    for match in _MD_LINKS.finditer(source):
        url = unescape(next(g for g in match.groups() if g))
        if "://" in url or url.startswith("/"):
            continue
        found.add(posixpath.normpath(posixpath.join(folder, url)))
    return found


def site_digest(config: MkDocsConfig, *, parts: list[str], docs_dir: Path) -> str:
    """The part of every page's key that the whole site shares (see the module's doc).

    Args:
        parts: what the plugin adds (published items and URLs, pages that shape the nav).
    """
    theme = config.theme
    theme_dirs = tuple(str(d) for d in theme.dirs) if theme is not None else ()
    kehila_dir = docs_dir / ".kehila"
    data = (
        [
            f.read_bytes()
            for f in sorted(kehila_dir.rglob("*"))
            if f.is_file() and (f.name == "tags.yml" or f.suffix in (".po", ".mo"))
        ]
        if kehila_dir.is_dir()
        else []
    )
    return digest(
        _config_text(config),
        _folders_digest(theme_dirs),
        _code_digest(),
        *_versions(),
        *data,
        *parts,
    )


#: Options that change no page: where the site goes, what `serve` watches, strictness (and the
#: plugin's ``workers``: how many processes render the pages).
_NOT_IN_PAGES = frozenset({"plugins", "hooks", "site_dir", "watch", "strict", "dev_addr"})


def _config_text(config: MkDocsConfig) -> str:
    """The configuration as text: every option, and each plugin's options."""
    values = {k: v for k, v in config.items() if k not in _NOT_IN_PAGES}
    plugins = {
        name: {k: v for k, v in dict(getattr(p, "config", {}) or {}).items() if k != "workers"}
        for name, p in config.plugins.items()
    }
    text = json.dumps([values, plugins], sort_keys=True, default=_plain)
    # An object without a text of its own shows its address: not a part of what it is.
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(map(str, value))
    if hasattr(value, "items") and callable(value.items):
        return dict(value.items())
    return str(value)


def _folders_digest(folders: tuple[str, ...]) -> str:
    """The theme's folders: those of MkDocs and Material stand for their versions (in every key,
    see :func:`_versions`; Material's thousands of icons are not read for every build), the
    others (a ``custom_dir``) are read again for every build: under ``serve`` they may change."""
    packaged = _package_folders()
    own = [Path(f) for f in folders if not any(Path(f).is_relative_to(p) for p in packaged)]
    return digest(*(f for f in folders if Path(f) not in own), folder_digest(*own))


@functools.cache
def _package_folders() -> tuple[Path, ...]:
    folders = []
    for name in ("mkdocs", "material"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            folders.append(Path(spec.origin).parent)
    return tuple(folders)


def _code_digest() -> str:
    """Kehila's own files: its code, templates, assets and translation catalogs (``locale/``,
    see :mod:`kehila.i18n`), read again for every build (a file's digest is kept while it does
    not change)."""
    import kehila

    return folder_digest(Path(kehila.__file__).parent)


@functools.cache
def _versions() -> tuple[str, ...]:
    versions = []
    for name in _PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return tuple(versions)


def lastmod(when: datetime | None) -> str | None:
    """A sitemap date (MkDocs' ``update_date`` format) from a date of the content."""
    return None if when is None else when.astimezone(UTC).date().isoformat()


def environment_date() -> datetime:
    """``SOURCE_DATE_EPOCH`` when set, else now (as MkDocs dates pages with no date)."""
    from mkdocs.utils import get_build_datetime

    return get_build_datetime()
