"""Indexing beside the build: a :class:`~kehila.search.index.SearchIndex` in a child process.

MkDocs renders pages on one core. The plugin hands each rendered page to this worker through a
pipe (a few microseconds) and the worker extracts text, stems words and finally writes the index
on the machine's other core, while MkDocs goes on rendering. The worker is *spawned* (a fresh
interpreter), so it inherits none of the build's open files or sockets (``serve``'s port), and it
ends as soon as the build's end of the pipe closes, however the build ended. The same work can run
in-process (:class:`LocalIndex`, same interface).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import analyses
from .index import Analysis, SearchIndex
from .text import html_to_text

if TYPE_CHECKING:
    from ..cache import KeptFolder


#: Pages sent to the worker process in one message.
BATCH = 200


class SearchIndexError(RuntimeError):
    """The index could not be written; the message says why (and where, for file errors)."""


class MissingAnalyses(Exception):  # noqa: N818 - a request for pages, not a failure
    """Pages were added by fingerprint alone, and no analysis of them is kept: their HTML is
    needed (:attr:`keys`: the pages)."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"{len(keys)} pages need their HTML")
        self.keys = keys


class LocalIndex:
    """The index in this process: pages are analysed as they are added.

    A page comes with a *fingerprint* (a digest of everything its analysis depends on) and,
    unless its analysis is known, its HTML. Analyses are kept by fingerprint in ``store``
    between builds (see :mod:`.analyses`) and in memory between the builds of one process.
    """

    def __init__(self, store: Path | None = None) -> None:
        self.index = SearchIndex()
        self.store = store
        self.analyses: dict[str, Analysis] = {}
        """Known analyses, by fingerprint."""
        self._fingerprints: dict[str, str] = {}
        """The fingerprint of each page added since :meth:`reset`, by key."""
        self._loaded = False
        self._broken = False
        """The store did not hold what it promised: it is written anew."""
        self._changed = False
        """The analyses differ from those of ``store``."""

    def add(
        self, *, html: str | None = None, fingerprint: str | None = None, **fields: Any
    ) -> None:
        analysis = self.analyses.get(fingerprint) if fingerprint is not None else None
        if analysis is None and html is not None:
            text = html_to_text(html)
            analysis = self.index.analyse(fields["language"], fields["title"], text)
            if fingerprint is not None:
                self.analyses[fingerprint] = analysis
                self._changed = True
        elif analysis is None and fingerprint is None:
            raise TypeError("a page needs its HTML or a fingerprint")
        if fingerprint is not None:
            self._fingerprints[fields["key"]] = fingerprint
        self.index.add(analysis=analysis, **fields)

    def retain(self, keys: set[str]) -> None:
        self.index.retain(keys)

    def reset(self) -> None:
        self.index = SearchIndex()
        self._fingerprints = {}

    def write(
        self,
        folder: Path,
        *,
        kinds: dict[str, str],
        kept: KeptFolder | None = None,
        key: str = "",
        wait: bool = True,
    ) -> dict[str, int] | None:
        """Write the index into ``folder``, taking each file whose text ``kept`` holds from
        there, and keep it there (under ``key``) and the analyses in the store.

        Raises:
            MissingAnalyses: pages were added without HTML, and no analysis of them is kept.
        """
        self._complete()
        try:
            counts = self.index.write(
                folder, kinds=kinds, reuse=None if kept is None else kept.reuse
            )
        except OSError as exc:
            raise SearchIndexError(f"could not write the index into {folder}: {exc}") from exc
        if kept is not None:
            kept.keep(key, folder, counts, digests=self.index.digests, fresh=self.index.fresh)
        self._keep_analyses()
        return counts

    def _complete(self) -> None:
        """Give the pages added by fingerprint alone their kept analyses."""
        documents = self.index.documents
        missing = self.index.missing()
        if missing and not self._loaded and self.store is not None:
            self._loaded = True
            found = analyses.load(self.store)
            for key in missing:
                fingerprint = self._fingerprints.get(key)
                analysis = found.get(fingerprint) if fingerprint is not None else None
                if fingerprint is not None and analysis is not None:
                    self.analyses[fingerprint] = documents[key].analysis = analysis
            missing = self.index.missing()
            self._broken = bool(missing)
        if missing:
            raise MissingAnalyses(missing)

    def _keep_analyses(self) -> None:
        """Forget the analyses of pages no longer indexed; keep the others in the store."""
        current = {self._fingerprints[k] for k in self.index.documents if k in self._fingerprints}
        if current != self.analyses.keys():
            self.analyses = {f: a for f, a in self.analyses.items() if f in current}
            self._changed = True
        if self.store is not None and self._changed:
            try:
                analyses.save(self.store, self.analyses, anew=self._broken)
                self._changed = self._broken = False
            except OSError:
                pass  # the next build analyses these pages again

    def finish(self) -> dict[str, int] | None:
        """Writes here are never under way in the background: nothing to wait for."""
        return None

    def close(self) -> None:
        pass


class WorkerIndex:
    """The index in a child process, fed through a pipe.

    The worker runs at a lower priority than the build: the machine's cores go to MkDocs
    first, and the indexer takes what is left; it writes the index from ``on_env`` on. A
    thread sends the pages, so the build never waits for the indexer to take one (pages wait
    in memory instead).
    """

    def __init__(self, store: Path | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, store), name="kehila-search", daemon=True
        )
        self._process.start()
        child.close()
        self._pending = False
        self._pages: list[dict[str, Any]] = []
        self._outbox: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        self._send_error: OSError | None = None
        self._sender = threading.Thread(target=self._send_all, name="kehila-search-send")
        self._sender.daemon = True
        self._sender.start()

    def _send_all(self) -> None:
        while (message := self._outbox.get()) is not None:
            if self._send_error is None:
                try:
                    self._conn.send(message)
                except OSError as exc:
                    self._send_error = exc

    def _send(self, command: str, value: Any) -> None:
        if self._send_error is not None:
            raise SearchIndexError(f"the search indexer stopped unexpectedly: {self._send_error}")
        if self._pages:
            # Pages go in batches: one message (and one write to the pipe) per batch.
            pages, self._pages = self._pages, []
            self._outbox.put(("add", pages))
        if command != "add":
            self._outbox.put((command, value))

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def add(self, **fields: Any) -> None:
        self._pages.append(fields)
        if len(self._pages) >= BATCH:
            self._send("add", None)

    def retain(self, keys: set[str]) -> None:
        self._send("retain", keys)

    def reset(self) -> None:
        self._send("reset", None)

    def write(
        self,
        folder: Path,
        *,
        kinds: dict[str, str],
        kept: KeptFolder | None = None,
        key: str = "",
        wait: bool = True,
    ) -> dict[str, int] | None:
        """Write the index (see :meth:`LocalIndex.write`); with ``wait=False`` return at once
        (:meth:`finish` gives the outcome: ``serve`` shows an edited page without waiting for
        the index)."""
        self.finish()
        self._send("write", (folder, kinds, kept, key))
        self._pending = True
        return self.finish() if wait else None

    def finish(self) -> dict[str, int] | None:
        """Wait for a write still under way; its document counts, or ``None`` if there was none."""
        if not self._pending:
            return None
        self._pending = False
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise SearchIndexError(f"the search indexer stopped unexpectedly: {exc}") from exc
        if status == "error":
            raise SearchIndexError(value)
        if status == "need":
            raise MissingAnalyses(value)
        return value

    def close(self) -> None:
        with contextlib.suppress(SearchIndexError, MissingAnalyses):
            self.finish()
        if self._process.is_alive():
            self._outbox.put(("stop", None))
        self._outbox.put(None)
        self._sender.join(timeout=10)
        if self._process.is_alive():
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
        self._conn.close()


def _serve(conn: Connection, store: Path | None) -> None:
    with contextlib.suppress(AttributeError, OSError):  # os.nice: not on every system
        os.nice(10)
    local = LocalIndex(store)
    while True:
        try:
            command, value = conn.recv()
        except EOFError:
            return
        if command == "add":
            for fields in value:
                local.add(**fields)
        elif command == "retain":
            local.retain(value)
        elif command == "reset":
            local.reset()
        elif command == "write":
            folder, kinds, kept, key = value
            try:
                conn.send(("ok", local.write(folder, kinds=kinds, kept=kept, key=key)))
            except MissingAnalyses as exc:
                conn.send(("need", exc.keys))
            except Exception as exc:  # noqa: BLE001 - reported to the build, which fails
                detail = "".join(traceback.format_exception_only(exc)).strip()
                conn.send(("error", detail))
        elif command == "stop":
            return


def start_index(*, background: bool, store: Path | None = None) -> LocalIndex | WorkerIndex:
    """A worker process when asked for, else an in-process index (``store``: where analyses
    are kept between builds)."""
    return WorkerIndex(store) if background else LocalIndex(store)
