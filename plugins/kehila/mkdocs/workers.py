"""Item pages converted and written beside the build, in worker processes.

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

This module is the build's side; ``page_worker.py`` is what the workers are sent and do, and
``converter.py`` converts pages in both.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.structure.pages import Page

from . import page_worker
from .converter import Converter
from .page_worker import Job, Output, Prepared, SitePickler, site_view

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.nav import Navigation

log = logging.getLogger(__name__)

#: Pages per task of converting pages: a few tens of milliseconds of work, so that MkDocs never
#: waits long for one.
CHUNK = 16
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
#: The most workers the default asks for: MkDocs' process takes every page from them (more
#: would wait for it), and each costs memory.
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


def others_in_page_events(config: MkDocsConfig, owner: object) -> list[str]:
    """Plugins and hooks besides ``owner`` that take part in writing pages (see PAGE_EVENTS)."""
    others = []
    for event in PAGE_EVENTS:
        handlers = config.plugins.events[event]
        if event == "nav":  # only those that see the nav after Kehila's on_nav
            mine = [i for i, h in enumerate(handlers) if getattr(h, "__self__", None) is owner]
            handlers = handlers[mine[-1] + 1 :] if mine else handlers
        others += [
            str(getattr(h, "__qualname__", h))
            for h in handlers
            if getattr(h, "__self__", None) is not owner
        ]
    return others


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
    slots: dict[str, _Slot] = field(default_factory=dict)
    """Where each page handed out is in its task."""


#: What :attr:`PageRenderer.stats` counts: worker processes; item pages handed out to convert,
#: taken from a worker, converted here; item pages that workers may write, handed out to write,
#: written by a worker.
STATS = (
    "workers",
    "submitted",
    "taken",
    "here",
    "to write",
    "handed out",
    "written",
)


class PageRenderer:
    """Worker processes working ahead of MkDocs on item pages (see the module's doc).

    :meth:`start` (``on_files``) starts them, :meth:`convert_ahead` (``on_nav``) hands them the
    pages to convert and :meth:`write_ahead` (``on_env``) the pages to write.
    """

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._slots: dict[str, _Slot] = {}
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
    ) -> None:
        """Start the workers for a build of a content folder of ``documents`` Markdown files.

        ``workers=None`` picks :func:`default_workers` for hubs of :data:`AUTO_MIN_PAGES` files
        or more; ``0`` does everything in this process.
        """
        self.close()
        self.stats = dict.fromkeys(self.stats, 0)
        self._failed = False
        count = default_workers() if workers is None else workers
        if workers is None and documents < AUTO_MIN_PAGES:
            count = 0
        if count <= 0:
            return
        settings = page_worker.settings(config)
        try:
            pickle.dumps(settings)
        except Exception as exc:  # e.g. an extension configured with an object that cannot travel
            log.debug(f"Item pages are converted and written in this process: {exc}")
            return
        level = logging.getLogger("mkdocs").getEffectiveLevel()
        self._executor = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=page_worker.start_worker,
            initargs=(settings, level),
        )
        # Processes start on demand: start them now, so that they are ready when pages are.
        for _ in range(count):
            self._executor.submit(int)
        self.stats["workers"] = count

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
            future = self._executor.submit(page_worker.convert, str(table), chunk)
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
        self._writing = _Writing()
        if self._executor is None or not pages:
            return False
        site = self._temp() / "site.pickle"
        try:
            with site.open("wb") as out:
                SitePickler(out, pickle.HIGHEST_PROTOCOL).dump(site_view(config, nav, serve))
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
                future = executor.submit(page_worker.write, *writing.paths, outputs)
            except RuntimeError:  # the workers died (BrokenProcessPool): MkDocs writes the rest
                writing.next = -1
                return
            writing.under_way.append(future)
            self.stats["handed out"] += len(chunk)
            for position, page in enumerate(chunk):
                writing.slots[page.file.src_uri] = _Slot(future, position)

    def written(self, src_uri: str) -> bool:
        """Whether a worker wrote the page (its messages are logged now); ``False``: MkDocs
        writes it, as no worker had started it, or the worker failed."""
        writing = self._writing
        chunk = writing.chunk_of.get(src_uri)
        if chunk is None:
            return False
        writing.reached = max(writing.reached, chunk)
        records = self._claim(writing.slots, src_uri)
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
        self._writing = _Writing()
        self._converter = None
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self._table = None
