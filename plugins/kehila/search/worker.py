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
from typing import Any

from .index import SearchIndex
from .text import html_to_text


class SearchIndexError(RuntimeError):
    """The index could not be written; the message says why (and where, for file errors)."""


class LocalIndex:
    """The index in this process: pages are analysed as they are added."""

    def __init__(self) -> None:
        self.index = SearchIndex()

    def add(self, *, html: str, **fields: Any) -> None:
        self.index.add(text=html_to_text(html), **fields)

    def retain(self, keys: set[str]) -> None:
        self.index.retain(keys)

    def reset(self) -> None:
        self.index = SearchIndex()

    def write(
        self, folder: Path, *, kinds: dict[str, str], wait: bool = True
    ) -> dict[str, int] | None:
        try:
            return self.index.write(folder, kinds=kinds)
        except OSError as exc:
            raise SearchIndexError(f"could not write the index into {folder}: {exc}") from exc

    def finish(self) -> dict[str, int] | None:
        """Writes here are never under way in the background: nothing to wait for."""
        return None

    def abandon(self) -> None:
        """Drop every page: the index is not written (it was taken from elsewhere)."""
        self.reset()

    def close(self) -> None:
        pass


class WorkerIndex:
    """The index in a child process, fed through a pipe.

    The worker runs at a lower priority than the build: the machine's cores go to MkDocs
    first, and the indexer takes what is left; it writes the index from ``on_env`` on. A
    thread sends the pages, so the build never waits for the indexer to take one (pages wait
    in memory instead).
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child,), name="kehila-search", daemon=True
        )
        self._process.start()
        child.close()
        self._pending = False
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
        self._outbox.put((command, value))

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def add(self, **fields: Any) -> None:
        self._send("add", fields)

    def retain(self, keys: set[str]) -> None:
        self._send("retain", keys)

    def reset(self) -> None:
        self._send("reset", None)

    def write(
        self, folder: Path, *, kinds: dict[str, str], wait: bool = True
    ) -> dict[str, int] | None:
        """Write the index; with ``wait=False`` return at once (the outcome comes with the next
        call: ``serve`` shows an edited page without waiting for the index)."""
        self.finish()
        self._send("write", (folder, kinds))
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
        return value

    def abandon(self) -> None:
        """Stop the worker at once, with the pages it has not analysed yet: the index is not
        written (it was taken from elsewhere). :meth:`close` still ends the sending thread."""
        if self._process.is_alive():
            self._process.terminate()
        self._pending = False

    def close(self) -> None:
        with contextlib.suppress(SearchIndexError):
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


def _serve(conn: Connection) -> None:
    with contextlib.suppress(AttributeError, OSError):  # os.nice: not on every system
        os.nice(10)
    local = LocalIndex()
    while True:
        try:
            command, value = conn.recv()
        except EOFError:
            return
        if command == "add":
            local.add(**value)
        elif command == "retain":
            local.retain(value)
        elif command == "reset":
            local.reset()
        elif command == "write":
            folder, kinds = value
            try:
                conn.send(("ok", local.write(folder, kinds=kinds)))
            except Exception as exc:  # noqa: BLE001 - reported to the build, which fails
                detail = "".join(traceback.format_exception_only(exc)).strip()
                conn.send(("error", detail))
        elif command == "stop":
            return


def start_index(*, background: bool) -> LocalIndex | WorkerIndex:
    """A worker process when asked for, else an in-process index."""
    return WorkerIndex() if background else LocalIndex()
