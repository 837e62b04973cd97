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
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import re
from concurrent import futures
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from .hub import MARKER_PATTERN, finish_html
from .sanitize import sanitize_page_html

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.toc import TableOfContents

log = logging.getLogger(__name__)

#: Pages per task: a few tens of milliseconds of work, so that MkDocs never waits long for one.
CHUNK = 16
#: With ``workers`` left to its default, smaller hubs are converted in MkDocs' own process:
#: starting a worker costs more than it saves.
AUTO_MIN_PAGES = 200
#: The most workers the default asks for: each holds a copy of the site's file list.
AUTO_MAX_WORKERS = 4


def default_workers() -> int:
    """One fewer than the CPUs this process may use (MkDocs' own process takes one)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(0, min(cpus - 1, AUTO_MAX_WORKERS))


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
            super().render(config, files)
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
    future: Future[list[Prepared | None]]
    position: int


class PageRenderer:
    """Worker processes converting :class:`HubPage` pages ahead of MkDocs (see module doc)."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._slots: dict[str, _Slot] = {}
        self.stats = {"workers": 0, "submitted": 0, "taken": 0, "here": 0}

    @property
    def active(self) -> bool:
        return self._executor is not None

    def start(
        self,
        pages: Iterable[tuple[File, tuple[str, ...], bool]],
        files: Files,
        config: MkDocsConfig,
        *,
        workers: int | None,
    ) -> None:
        """Hand ``pages`` (file, HTML fragments, harvested) to workers, in this order.

        ``workers=None`` picks :func:`default_workers` for hubs of :data:`AUTO_MIN_PAGES` pages
        or more; ``0`` converts every page in this process.
        """
        self.close()
        self.stats = {"workers": 0, "submitted": 0, "taken": 0, "here": 0}
        jobs = [
            Job(file.src_uri, file.content_string, fragments, harvested)
            for file, fragments, harvested in pages
        ]
        count = default_workers() if workers is None else workers
        if workers is None and len(jobs) < AUTO_MIN_PAGES:
            count = 0
        if not jobs or count <= 0 or config.plugins.events["page_read_source"]:
            return
        settings = _settings(config)
        table = [(f.src_uri, f.dest_uri, f.url, f.inclusion) for f in files]
        try:
            pickle.dumps(settings)
        except Exception as exc:  # an extension configured with an object that cannot travel
            log.debug(f"Item pages are converted in this process: {exc}")
            return
        level = logging.getLogger("mkdocs").getEffectiveLevel()
        count = min(count, -(-len(jobs) // CHUNK))
        self._executor = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(settings, table, level),
        )
        # Workers start from the last page and MkDocs from the first: MkDocs converts the
        # pages no worker has started, and never waits until both meet.
        for first in reversed(range(0, len(jobs), CHUNK)):
            chunk = jobs[first : first + CHUNK]
            future = self._executor.submit(_convert, chunk)
            for position, job in enumerate(chunk):
                self._slots[job.src_uri] = _Slot(future, position)
        self.stats.update(workers=count, submitted=len(jobs))
        log.debug(f"Converting {len(jobs)} item pages in {count} worker processes")

    def take(self, src_uri: str) -> Prepared | None:
        """The page as a worker converted it, or ``None``: MkDocs converts it here."""
        slot = self._slots.pop(src_uri, None)
        if slot is None:
            return None
        # A chunk that no worker has started yet is converted here: nobody waits for it.
        if slot.future.cancel():
            self.stats["here"] += 1
            return None
        try:
            results = slot.future.result()
        except Exception as exc:  # the worker died (killed, out of memory): carry on here
            self.stats["here"] += 1
            if not getattr(self, "_warned", False):
                self._warned = True
                log.info(f"A page worker stopped ({exc!r}); converting item pages here instead")
            return None
        prepared, results[slot.position] = results[slot.position], None
        self.stats["here" if prepared is None else "taken"] += 1
        return prepared

    def wait(self, timeout: float | None = None) -> None:
        """Wait until the workers have converted every page handed to them (for tests and
        measurements: a build never needs to)."""
        futures.wait({slot.future for slot in self._slots.values()}, timeout=timeout)

    def close(self) -> None:
        """Stop the workers (pages not yet taken are dropped)."""
        self._slots.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


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
        marker=MARKER_PATTERN,
    )


# -- in the worker process ---------------------------------------------------------------------


class _Worker:
    settings: _Settings
    files: Files
    marker: re.Pattern[str]
    records: list[logging.LogRecord] = []


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # Sent back as text: arguments and tracebacks may not survive pickling.
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _Worker.records.append(record)


def _start_worker(settings: _Settings, table: list[tuple[Any, ...]], level: int) -> None:
    _Worker.settings = settings
    _Worker.marker = re.compile(settings["marker"])
    udu = settings["use_directory_urls"]
    files = []
    for src_uri, dest_uri, url, inclusion in table:
        file = File(src_uri, None, "", udu, dest_uri=dest_uri, inclusion=inclusion)
        file.url = url
        files.append(file)
    _Worker.files = Files(files)
    root = logging.getLogger()
    root.handlers[:] = [_Capture()]
    root.setLevel(level)
    logging.getLogger("mkdocs").setLevel(level)


def _convert(jobs: list[Job]) -> list[Prepared | None]:
    return [_convert_one(job) for job in jobs]


def _convert_one(job: Job) -> Prepared | None:
    """``job``'s page converted as MkDocs would; ``None`` if that failed (MkDocs will try again
    in its own process, and report the error as it always does)."""
    settings, files = _Worker.settings, _Worker.files
    file = files.get_file_from_path(job.src_uri)
    if file is None:
        return None
    _Worker.records = []
    page = Page(None, file, settings)  # type: ignore[arg-type]
    try:
        page.markdown, page.meta = get_data(job.content)
        markdown = page.markdown
        page.render(settings, files)  # type: ignore[arg-type]
        html = finish_html(page.content or "", job.fragments, _Worker.marker)
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
