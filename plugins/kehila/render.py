"""Item pages converted beside the build: Markdown to HTML in worker processes.

MkDocs converts pages one after another on one core, and at thousands of items that is most of
a build. Item pages do not depend on each other, so the plugin hands them to worker processes
on the machine's other cores, last page first. A worker converts a page exactly as MkDocs
would (``Page.render`` with the site's Markdown extensions and a copy of the site's file list,
so links are resolved and checked the same way, with the same warnings) and finishes it as the
plugin would (HTML blocks put in place, harvested pages sanitised).

When MkDocs reaches an item page (:class:`HubPage`), it takes the worker's result if the page
is done or under way; a page that no worker has started yet is converted in MkDocs' own
process instead. MkDocs goes forward and the workers go backward, so MkDocs' process never
waits for queued work, and the two meet somewhere in the middle, wherever the work divides.
Whatever MkDocs would do differently falls back to its ordinary path: a page whose Markdown
another plugin changed, a plugin that supplies page sources, an error in a worker, a worker
that died. Messages logged while a worker converts a page are logged again, in order, when
MkDocs reaches the page, so ``--strict`` counts them as if the page had been converted here.

Once every page is converted (``on_env``), the workers also write item pages, again last page
first: with a copy of the site's configuration and nav, a worker puts the page into the theme's
template as MkDocs' ``_build_page`` would, adds what the plugin adds and writes the file. The
page's template, picked by MkDocs before the plugin learns whether a worker wrote the page,
then renders to nothing (MkDocs writes no file) or to the page's own template. Only when
Kehila is the one plugin taking part in writing pages (:data:`PAGE_EVENTS`): another plugin's
``on_page_context`` or ``on_post_page`` would see only the pages MkDocs writes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import re
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markdown
from mkdocs.commands.build import get_context
from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import write_file
from mkdocs.utils.meta import get_data

from .content import build_catalog
from .hub import (
    Hub,
    HubOptions,
    ItemPage,
    Rendered,
    finish_html,
    marker_nonce,
    use_marker_nonce,
)
from .sanitize import sanitize_page_html

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from jinja2 import Environment
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.toc import TableOfContents

log = logging.getLogger(__name__)

#: Pages per task: a few tens of milliseconds of work, so that MkDocs never waits long for one.
CHUNK = 16
#: Item pages per task of rendering templates (a page's template is quicker than converting it).
ITEM_CHUNK = 32
#: Pages per task of writing pages (the theme's template filled in, the file written).
WRITE_CHUNK = 16
#: Tasks of writing pages handed out at first (about a second's work for a worker, while MkDocs
#: copies the theme's files and writes the sitemap), and then kept in hand per worker: the rest
#: are handed out as MkDocs goes, so that pages MkDocs writes itself are never prepared twice.
WRITE_AHEAD_FIRST = 64
WRITE_AHEAD = 4
#: With ``workers`` left to its default, smaller hubs are converted in MkDocs' own process:
#: starting a worker costs more than it saves.
AUTO_MIN_PAGES = 200
#: The most workers the default asks for: each holds a copy of the hub.
AUTO_MAX_WORKERS = 4
#: ``False``: MkDocs' process waits for the workers' results instead of doing the work no
#: worker has started (for tests that must see the workers' output on every page).
SHARE = True


def default_workers() -> int:
    """One fewer than the CPUs this process may use (MkDocs' own process takes one)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(0, min(cpus - 1, AUTO_MAX_WORKERS))


#: MkDocs' events in which a plugin takes part in writing pages. Workers write item pages only
#: when Kehila is the one plugin in them (and the last one to see the nav).
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

#: While workers write item pages, MkDocs renders these instead of the theme's ``main.html``:
#: the page's own template (``kehila_template`` in the context), or nothing at all when a worker
#: wrote the page (MkDocs writes no file for an empty page).
TEMPLATES = {"kehila/page.html": "{% extends kehila_template %}", "kehila/written.html": ""}

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


def finish_output(output: str, language: tuple[str, str] | None, head: str) -> str:
    """A generated page as the theme wrote it, finished: an item's language and direction on
    ``<html>``, and ``head`` (JSON-LD, feed links, robots hints) at the end of ``<head>``."""
    if language is not None:
        lang, direction = language
        tag = f'<html lang="{lang}" dir="{direction}" class="no-js">'
        output = _HTML_TAG.sub(tag, output, count=1)
    return output.replace("</head>", head + "\n</head>", 1)


def others_in_page_events(config: MkDocsConfig, owner: object) -> list[str]:
    """Plugins and hooks besides ``owner`` that take part in writing pages (see PAGE_EVENTS)."""
    others = []
    for event in PAGE_EVENTS:
        handlers = config.plugins.events[event]
        if event == "nav":  # only those that see the nav after Kehila's on_nav
            mine = [i for i, h in enumerate(handlers) if getattr(h, "__self__", None) is owner]
            handlers = handlers[mine[-1] + 1 :] if mine else handlers
        others += [
            f"{getattr(h, '__qualname__', h)}"
            for h in handlers
            if getattr(h, "__self__", None) is not owner
        ]
    return others


@dataclass(frozen=True)
class Output:
    """An item page for a worker to write: what MkDocs' page holds once converted, and what
    the plugin adds to the theme's output (see :func:`finish_output`)."""

    src_uri: str
    markdown: str | None
    meta: dict[str, Any]
    content: str | None
    toc: TableOfContents
    title: str | None
    update_date: str
    language: tuple[str, str] | None
    head: str


#: What a worker needs to build the same hub as the build: the ``(path, text)`` of every
#: Markdown file, the hub's options and whether drafts are previewed.
HubSetup = tuple[list[tuple[str, str]], HubOptions, bool]


@dataclass(frozen=True)
class Job:
    """One page for a worker: the generated file's text and how to finish its HTML."""

    src_uri: str
    content: str
    fragments: tuple[str, ...]
    harvested: bool


@dataclass
class Prepared:
    """A page as a worker converted it: what ``Page.read_source`` and ``Page.render`` set."""

    markdown: str
    meta: dict[str, Any]
    html: str | None
    """The finished HTML, or ``None``: a marker went missing (see ``PageSpec.finish``), so the
    page takes the ordinary path, where the plugin converts it the slow way."""
    toc: TableOfContents
    title: str | None
    anchors: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None
    records: list[logging.LogRecord]


class Converter:
    """Converts pages exactly as ``Page.render`` does, with one Markdown instance for all.

    MkDocs creates a new ``Markdown`` for every page, and with it every extension and its
    configuration again: a sixth of the time an item page takes. Python-Markdown converts any
    number of documents with one instance (``reset()`` between them); MkDocs' own per-page
    processors (links made relative and checked, anchors, the title) are registered anew for
    each page. With a MkDocs that lacks those processors, every page goes to ``Page.render``.
    """

    def __init__(self, config: Any) -> None:
        self.config = config
        self._md: markdown.Markdown | None = None

    def render(self, page: Page, files: Files) -> None:
        config = self.config
        if not _MKDOCS_PROCESSORS:
            Page.render(page, config, files)
            return
        md = self._md
        if md is None:
            md = markdown.Markdown(
                extensions=config["markdown_extensions"],
                extension_configs=config["mdx_configs"] or {},
            )
        else:
            md.reset()
        self._md = None  # if converting fails half-way, the next page starts afresh
        raw_html = mkdocs_pages._RawHTMLPreprocessor()
        anchors = mkdocs_pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        links = mkdocs_pages._RelativePathTreeprocessor(page.file, files, config)
        title = mkdocs_pages._ExtractTitleTreeprocessor()
        for processor in (raw_html, anchors, links, title):
            processor._register(md)
        page.content = md.convert(page.markdown or "")
        self._md = md
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if mkdocs_pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = links.links_to_anchors


_MKDOCS_PROCESSORS = all(
    hasattr(mkdocs_pages, name)
    for name in (
        "_RawHTMLPreprocessor",
        "_ExtractAnchorsTreeprocessor",
        "_RelativePathTreeprocessor",
        "_ExtractTitleTreeprocessor",
    )
)


class HubPage(Page):
    """An item's page, which a worker may already have converted (see :class:`PageRenderer`)."""

    def __init__(self, file: File, config: MkDocsConfig, renderer: PageRenderer) -> None:
        super().__init__(None, file, config)
        self._renderer = renderer
        self._prepared: Prepared | None = None
        self.prepared_html: str | None = None
        """The HTML the worker finished (markers replaced, sanitised), if the page used it."""

    def read_source(self, config: MkDocsConfig) -> None:
        self._prepared = self.prepared_html = None
        prepared = self._renderer.take(self.file.src_uri)
        if prepared is None:
            super().read_source(config)
            return
        self.markdown, self.meta = prepared.markdown, prepared.meta
        self._prepared = prepared

    def render(self, config: MkDocsConfig, files: Files) -> None:
        prepared, self._prepared = self._prepared, None
        # Another plugin's on_page_markdown may have changed the Markdown: convert it here.
        if prepared is None or prepared.html is None or self.markdown != prepared.markdown:
            self._renderer.convert(self, config, files)
            return
        for record in prepared.records:
            logging.getLogger(record.name).handle(record)
        self.content = self.prepared_html = prepared.html
        self.toc = prepared.toc
        self._title_from_render = prepared.title
        self.present_anchor_ids = prepared.anchors
        if prepared.links_to_anchors is not None:
            self.links_to_anchors = {
                target: links
                for uri, links in prepared.links_to_anchors.items()
                if (target := files.get_file_from_path(uri)) is not None
            }


@dataclass
class _Slot:
    future: Future[Any]
    position: int


@dataclass
class _Writing:
    """Item pages that the workers may write, in chunks: handed out from the last one, while
    MkDocs goes from the first (it writes the pages of every chunk it reaches first)."""

    paths: tuple[str, str] = ("", "")
    """The file list and the site's configuration and nav, as the workers read them."""
    output: Callable[[Page], Output] | None = None
    chunks: list[list[Page]] = field(default_factory=list)
    chunk_of: dict[str, int] = field(default_factory=dict)
    next: int = -1
    """The next chunk to hand out (they go from the last to the first)."""
    reached: int = -1
    """The last chunk that MkDocs has reached."""
    under_way: list[Future[Any]] = field(default_factory=list)


#: What :attr:`PageRenderer.stats` counts: worker processes; item pages handed out to convert,
#: taken from a worker, converted here; item templates a worker rendered; item pages that
#: workers may write, handed out to write, written by a worker.
STATS = (
    "workers",
    "submitted",
    "taken",
    "here",
    "rendered",
    "to write",
    "handed out",
    "written",
)


class PageRenderer:
    """Worker processes working ahead of MkDocs on item pages (see the module's doc).

    :meth:`start` (``on_files``) starts them; each parses the items for itself, while MkDocs'
    process does the same, and then :meth:`render_items` shares the item pages' templates
    between both. :meth:`convert_ahead` (``on_nav``) hands them the pages to convert.
    """

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._hub_setup = False
        self._slots: dict[str, _Slot] = {}
        self._writes: dict[str, _Slot] = {}
        self._writing = _Writing()
        self._converter: Converter | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._table: Path | None = None
        self._failed = False
        self.stats = dict.fromkeys(STATS, 0)

    def start(
        self,
        config: MkDocsConfig,
        *,
        workers: int | None,
        documents: int,
        hub: HubSetup | None = None,
    ) -> None:
        """Start the workers for a build of a content folder of ``documents`` Markdown files.

        ``workers=None`` picks :func:`default_workers` for hubs of :data:`AUTO_MIN_PAGES` files
        or more; ``0`` does everything in this process. With ``hub`` (the documents, options
        and preview flag of this build's :class:`~kehila.hub.Hub`), the workers build the same
        hub, so that :meth:`render_items` can share the templates' work.
        """
        self.close()
        self.stats = dict.fromkeys(self.stats, 0)
        self._failed = False
        count = default_workers() if workers is None else workers
        if workers is None and documents < AUTO_MIN_PAGES:
            count = 0
        if count <= 0:
            return
        settings = _settings(config)
        try:
            pickle.dumps((settings, hub[1] if hub else None))  # the documents are plain text
        except Exception as exc:  # e.g. an extension configured with an object that cannot travel
            log.debug(f"Item pages are rendered and converted in this process: {exc}")
            return
        level = logging.getLogger("mkdocs").getEffectiveLevel()
        self._executor = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(settings, level, hub),
        )
        # Processes start on demand: start them now, so that they parse while this one does.
        for _ in range(count):
            self._executor.submit(int)
        self._hub_setup = hub is not None
        self.stats["workers"] = count

    def render_items(self, hub: Hub, requests: list[ItemPage]) -> list[Rendered]:
        """``hub.render_items(requests)``, shared with the workers: they take the last pages
        first, this process the first ones, and each chunk is done once, by whoever gets it."""
        if self._executor is None or not self._hub_setup:
            return hub.render_items(requests)
        chunks = [requests[i : i + ITEM_CHUNK] for i in range(0, len(requests), ITEM_CHUNK)]
        starts = range(0, len(requests), ITEM_CHUNK)
        submitted = {
            first: self._executor.submit(_render_items, first, [r.item.id for r in chunk])
            for first, chunk in reversed(list(zip(starts, chunks, strict=True)))
        }
        out: list[Rendered] = []
        for first, chunk in zip(starts, chunks, strict=True):
            future = submitted[first]
            result = None if SHARE and future.cancel() else self._result(future)
            if result is None:
                out += hub.render_items(chunk)
            else:
                out += result
                self.stats["rendered"] += len(chunk)
        return out

    def convert_ahead(
        self,
        pages: Iterable[tuple[File, tuple[str, ...], bool]],
        files: Files,
        config: MkDocsConfig,
    ) -> None:
        """Hand ``pages`` (file, HTML fragments, harvested) to the workers, in this order."""
        self._slots.clear()
        if self._executor is None or config.plugins.events["page_read_source"]:
            return
        jobs = [
            Job(file.src_uri, file.content_string, fragments, harvested)
            for file, fragments, harvested in pages
        ]
        if not jobs:
            return
        table = self._file_table(files, config)
        # Workers start from the last page and MkDocs from the first: MkDocs converts the
        # pages no worker has started, and never waits until both meet.
        for first in reversed(range(0, len(jobs), CHUNK)):
            chunk = jobs[first : first + CHUNK]
            future = self._executor.submit(_convert, str(table), chunk)
            for position, job in enumerate(chunk):
                self._slots[job.src_uri] = _Slot(future, position)
        self.stats["submitted"] = len(jobs)
        log.debug(f"Converting {len(jobs)} item pages in {self.stats['workers']} workers")

    def write_ahead(
        self,
        pages: list[Page],
        output: Callable[[Page], Output],
        nav: Navigation,
        config: MkDocsConfig,
        files: Files,
        *,
        serve: bool,
    ) -> bool:
        """Let the workers write converted item pages (``on_env``), last page first.

        A worker puts a page into the theme's template as MkDocs would, with a copy of the
        site's configuration and nav, finishes it as the plugin would (``output(page)`` says
        how, made when the page is handed out) and writes the file. ``False``: the workers
        cannot (none started, or the configuration cannot travel).
        """
        self._writes.clear()
        self._writing = _Writing()
        if self._executor is None or not pages:
            return False
        site = self._temp() / "site.pickle"
        try:
            with site.open("wb") as out:
                _SitePickler(out, pickle.HIGHEST_PROTOCOL).dump(_site_view(config, nav, serve))
        except Exception as exc:  # e.g. an object in `extra` that cannot be pickled
            log.debug(f"MkDocs writes the item pages itself: {exc}")
            return False
        chunks = [pages[i : i + WRITE_CHUNK] for i in range(0, len(pages), WRITE_CHUNK)]
        self._writing = _Writing(
            paths=(str(self._file_table(files, config)), str(site)),
            output=output,
            chunks=chunks,
            chunk_of={p.file.src_uri: n for n, chunk in enumerate(chunks) for p in chunk},
            next=len(chunks) - 1,
        )
        self.stats["to write"] = len(pages)
        self._hand_out(WRITE_AHEAD_FIRST if SHARE else len(chunks))
        return True

    def _hand_out(self, limit: int) -> None:
        """Hand out chunks from the last one backwards until ``limit`` are under way, never
        one that MkDocs has reached."""
        writing, executor = self._writing, self._executor
        writing.under_way = [f for f in writing.under_way if not f.done()]
        while executor is not None and len(writing.under_way) < limit:
            if writing.next <= writing.reached:
                return
            chunk = writing.chunks[writing.next]
            writing.next -= 1
            outputs = [writing.output(page) for page in chunk]
            try:
                future = executor.submit(_write, *writing.paths, outputs)
            except RuntimeError:  # the workers died (BrokenProcessPool): MkDocs writes the rest
                writing.next = -1
                return
            writing.under_way.append(future)
            self.stats["handed out"] += len(chunk)
            for position, page in enumerate(chunk):
                self._writes[page.file.src_uri] = _Slot(future, position)

    def written(self, src_uri: str) -> bool:
        """Whether a worker wrote the page (its messages are logged now); ``False``: MkDocs
        writes it, as no worker had started it, or the worker failed."""
        writing = self._writing
        chunk = writing.chunk_of.get(src_uri)
        if chunk is None:
            return False
        writing.reached = max(writing.reached, chunk)
        records = self._claim(self._writes, src_uri)
        self._hand_out(WRITE_AHEAD * self.stats["workers"])
        if records is None:
            return False
        for record in records:
            logging.getLogger(record.name).handle(record)
        self.stats["written"] += 1
        return True

    def convert(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        """Convert ``page`` here (see :class:`Converter`)."""
        if self._converter is None or self._converter.config is not config:
            self._converter = Converter(config)
        self._converter.render(page, files)

    def take(self, src_uri: str) -> Prepared | None:
        """The page as a worker converted it, or ``None``: MkDocs converts it here."""
        if src_uri not in self._slots:
            return None
        prepared = self._claim(self._slots, src_uri)
        self.stats["here" if prepared is None else "taken"] += 1
        return prepared

    def _claim(self, slots: dict[str, _Slot], src_uri: str) -> Any:
        """A page's result from its worker, or ``None``: the page is done here."""
        slot = slots.pop(src_uri, None)
        if slot is None:
            return None
        # A chunk that no worker has started yet is done here: nobody waits for it.
        results = None if SHARE and slot.future.cancel() else self._result(slot.future)
        if results is None:
            return None
        result, results[slot.position] = results[slot.position], None
        return result

    def _result(self, future: Future[Any]) -> Any:
        """A worker's result; ``None`` if the worker failed or died (the work is done here)."""
        try:
            return future.result()
        except Exception as exc:  # a worker killed or out of memory: carry on in this process
            if not self._failed:  # said once, not for every page it had
                self._failed = True
                log.info(f"A Kehila worker stopped ({exc!r}); MkDocs' process does its pages")
            return None

    def _temp(self) -> Path:
        """This build's folder for what every worker reads once (a task holds a file's name)."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="kehila-")
        return Path(self._folder.name)

    def _file_table(self, files: Files, config: MkDocsConfig) -> Path:
        """The site's file list, written once for the workers rather than sent with each task."""
        if self._table is None:
            self._table = self._temp() / "files.pickle"
            rows = [(f.src_uri, f.dest_uri, f.url, f.inclusion) for f in files]
            data = pickle.dumps((config.site_dir, rows), protocol=pickle.HIGHEST_PROTOCOL)
            self._table.write_bytes(data)
        return self._table

    def close(self, *, wait: bool = False) -> None:
        """Stop the workers (pages not yet taken are dropped). ``wait``: let a worker finish
        the page it is writing first."""
        self._slots.clear()
        self._writes.clear()
        self._writing = _Writing()
        self._converter = None
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self._table = None


class _Settings(dict[str, Any]):
    """The part of MkDocs' configuration that converting a page reads; it can be pickled."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _settings(config: MkDocsConfig) -> _Settings:
    links = config.validation.links
    return _Settings(
        markdown_extensions=list(config.markdown_extensions),
        mdx_configs=dict(config.mdx_configs or {}),
        use_directory_urls=config.use_directory_urls,
        validation=_Settings(
            links=_Settings(
                absolute_links=links.absolute_links,
                unrecognized_links=links.unrecognized_links,
                not_found=links.not_found,
                anchors=links.anchors,
            )
        ),
        # What Page() reads on creation; the worker's pages are never shown, so none is needed.
        site_url=None,
        repo_url=None,
        edit_uri=None,
        edit_uri_template=None,
        # The build's markers (see PageSpec.fast_markdown): the workers make and read the same.
        marker_nonce=marker_nonce(),
    )


@dataclass(frozen=True)
class _PluginView:
    """A plugin as the theme's templates see it (``"name" in config.plugins``, its config)."""

    config: Any


def _site_view(config: MkDocsConfig, nav: Navigation, serve: bool) -> tuple[Any, ...]:
    """What the theme's templates read: the configuration (plugins as :class:`_PluginView`,
    without hooks), the nav and whether MkDocs serves the build (drafts are pages then)."""
    settings = _Settings({k: v for k, v in config.items() if k not in ("plugins", "hooks")})
    plugins = {}
    for name, plugin in config.plugins.items():
        plugin_config = getattr(plugin, "config", None)
        try:
            pickle.dumps(plugin_config)
        except Exception:
            plugin_config = None
        plugins[name] = _PluginView(plugin_config)
    settings["plugins"] = plugins
    return settings, nav, serve


#: What a page in the nav keeps when it travels: the theme shows other pages' titles and links.
_DROPPED = ("links_to_anchors", "present_anchor_ids", "_renderer", "_prepared", "prepared_html")


class _SitePickler(pickle.Pickler):
    """Pickles the nav's pages as plain pages without their text (content, Markdown, links),
    and files without their generated content."""

    def reducer_override(self, obj: Any) -> Any:
        # (a function making an empty object, no arguments, its state): pickle remembers the
        # object before its state, so pages, sections and files may refer to each other.
        if isinstance(obj, Page):
            state = {k: v for k, v in vars(obj).items() if k not in _DROPPED}
            for name in ("content", "markdown"):
                if state.get(name) is not None:
                    state[name] = ""  # not None: MkDocs reads the title as it would
            return _empty_page, (), state
        if isinstance(obj, File):
            state = {k: v for k, v in vars(obj).items() if k != "_content"}
            return _empty_file, (), state
        return NotImplemented


def _empty_page() -> Page:
    return Page.__new__(Page)


def _empty_file() -> File:
    return File.__new__(File)


# -- in the worker process ---------------------------------------------------------------------


class _Worker:
    settings: _Settings
    converter: Converter
    records: list[logging.LogRecord] = []
    files: tuple[str, Files] | None = None
    theme: tuple[str, _Theme] | None = None
    hub: Hub | None = None
    item_pages: list[ItemPage] = []


@dataclass
class _Theme:
    """The site as the theme's templates see it, in a worker."""

    config: Any
    nav: Navigation
    env: Environment
    pages: list[File]


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # Sent back as text: arguments and tracebacks may not survive pickling.
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _Worker.records.append(record)


def _start_worker(settings: _Settings, level: int, hub: HubSetup | None) -> None:
    _Worker.settings = settings
    use_marker_nonce(settings["marker_nonce"])
    _Worker.converter = Converter(settings)
    root = logging.getLogger()
    root.handlers[:] = [_Capture()]
    root.setLevel(level)
    logging.getLogger("mkdocs").setLevel(level)
    if hub is not None:
        # The same hub as the build's: same documents and options.
        documents, options, preview_pending = hub
        _Worker.hub = Hub(build_catalog(documents), options)
        _Worker.item_pages = _Worker.hub.item_pages(preview_pending=preview_pending)


def _files(table: str) -> Files:
    """The build's file list, read once from the file the build wrote."""
    if _Worker.files is None or _Worker.files[0] != table:
        udu = _Worker.settings["use_directory_urls"]
        files = []
        site_dir, rows = pickle.loads(Path(table).read_bytes())
        for src_uri, dest_uri, url, inclusion in rows:
            file = File(src_uri, None, site_dir, udu, dest_uri=dest_uri, inclusion=inclusion)
            file.url = url
            files.append(file)
        _Worker.files = (table, Files(files))
    return _Worker.files[1]


def _render_items(first: int, ids: list[str]) -> list[Rendered] | None:
    """Templates of item pages ``first`` to ``first + len(ids)`` rendered; ``None`` if this
    worker's hub does not have those very items there (the build renders them itself)."""
    requests = _Worker.item_pages[first : first + len(ids)]
    if _Worker.hub is None or [r.item.id for r in requests] != ids:
        return None
    try:
        return _Worker.hub.render_items(requests)
    except Exception:
        return None


def _convert(table: str, jobs: list[Job]) -> list[Prepared | None]:
    # Pages are handed out once every template is rendered: the hub is no longer needed.
    _Worker.hub, _Worker.item_pages = None, []
    files = _files(table)
    return [_convert_one(job, files) for job in jobs]


def _convert_one(job: Job, files: Files) -> Prepared | None:
    """``job``'s page converted as MkDocs would; ``None`` if that failed (MkDocs will try again
    in its own process, and report the error as it always does)."""
    settings = _Worker.settings
    file = files.get_file_from_path(job.src_uri)
    if file is None:
        return None
    _Worker.records = []
    page = Page(None, file, settings)  # type: ignore[arg-type]
    try:
        page.markdown, page.meta = get_data(job.content)
        markdown = page.markdown
        _Worker.converter.render(page, files)
        html = finish_html(page.content or "", job.fragments)
        if html is not None and job.harvested:
            html = sanitize_page_html(html)
    except Exception:
        return None
    finally:
        file.page = None  # the worker keeps no page once it is sent
    links = getattr(page, "links_to_anchors", None)
    return Prepared(
        markdown=markdown,
        meta=page.meta,
        html=html,
        toc=page.toc,
        title=page._title_from_render,
        anchors=page.present_anchor_ids or set(),
        links_to_anchors=None if links is None else {f.src_uri: v for f, v in links.items()},
        records=_Worker.records,
    )


def _theme(table: str, site: str) -> _Theme:
    """The site's configuration, nav and theme, read once from the file the build wrote."""
    if _Worker.theme is None or _Worker.theme[0] != site:
        config, nav, serve = pickle.loads(Path(site).read_bytes())
        inclusion = InclusionLevel.is_in_serve if serve else InclusionLevel.is_included
        pages = _files(table).documentation_pages(inclusion=inclusion)
        _Worker.theme = (site, _Theme(config, nav, config.theme.get_env(), pages))
    return _Worker.theme[1]


def _write(table: str, site: str, outputs: list[Output]) -> list[list[logging.LogRecord] | None]:
    try:
        files, theme = _files(table), _theme(table, site)
    except Exception:  # e.g. a value in the configuration that only MkDocs' process can load
        return [None] * len(outputs)
    return [_write_one(output, files, theme) for output in outputs]


def _write_one(output: Output, files: Files, theme: _Theme) -> list[logging.LogRecord] | None:
    """``output``'s page written as MkDocs' ``_build_page`` would write it; the messages logged
    meanwhile, or ``None`` if that failed (MkDocs then writes it, and reports any error)."""
    file = files.get_file_from_path(output.src_uri)
    if file is None:
        return None
    _Worker.records = []
    page = Page(None, file, theme.config)
    try:
        page.markdown, page.meta, page.content = output.markdown, output.meta, output.content
        page.toc, page._title_from_render = output.toc, output.title
        page.update_date = output.update_date
        page.active = True
        context = get_context(theme.nav, theme.pages, theme.config, page)
        template = theme.env.get_template(output.meta.get("template", "main.html"))
        html = finish_output(template.render(context), output.language, output.head)
        if not html.strip():
            return None
        write_file(html.encode("utf-8", errors="xmlcharrefreplace"), file.abs_dest_path)
    except Exception:
        return None
    finally:
        file.page = None
    return _Worker.records
