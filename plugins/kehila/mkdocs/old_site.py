"""The last build's site: moved aside, its unchanged pages put back, the rest deleted beside
the build.

MkDocs empties the site folder at the start of every build (not ``--dirty``), after the plugins'
``on_pre_build``: for a hub of 10,000 pages that is 20,000 files and folders to delete, one
system call each, before any page is made, and as many to create again. In ``on_pre_build``
Kehila moves them aside instead (one rename per entry at the top of the folder) into a hidden
folder, which MkDocs leaves alone as it leaves every hidden file.

A page the build cache gives (see :mod:`.page_cache`) that the last build wrote as it is now
goes back into the new site with one rename, of its folder (``stories/a-slug/`` holding only its
``index.html``) or of the file: the build's list of its cached pages (``site.json`` in the
cache's folder: each page's path, key, size, modification time and sitemap entry) says which. A
page whose key, size or time differs is written again. What stays in the hidden folder is
deleted in a background thread, by the kernel beside the build; ``on_post_build`` waits for it.
A build that was killed leaves its hidden folder behind; the next build deletes it too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import posixpath
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import digest
from ..fileio import atomic_write

if TYPE_CHECKING:
    from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.plugins.kehila")

#: The hidden folders of old sites, inside the site folder.
PREFIX = ".kehila-old-site-"

#: The cached pages of the last build, in the build cache's folder.
MANIFEST = "site.json"


class OldSite:
    """The last build's site folder (see the module's doc)."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._trash: Path | None = None
        self._site: Path | None = None
        self._pages: dict[str, list] = {}
        """The last build's cached pages in this site: path -> [key, size, modification time,
        sitemap entry]."""
        self._last: tuple[str, dict[str, list]] | None = None
        """What :meth:`record` wrote last (kept in memory: ``mkdocs serve`` rebuilds)."""
        self._made: set[str] = set()
        self.put_back_count = 0

    def move_aside(self, site_dir: Path, *, manifest: Path | None = None) -> None:
        """Move what MkDocs would delete out of the way (and delete what killed builds left).

        Args:
            manifest: the list of the last build's cached pages (``None``: no page goes back).
        """
        self.wait()
        self._trash, self._site, self._pages, self._made = None, site_dir, {}, set()
        self.put_back_count = 0
        try:
            listed = os.listdir(site_dir)
        except OSError:
            return  # no site yet (or none we may read): MkDocs does as it always does
        names = [n for n in listed if not n.startswith(".")]
        self._delete([site_dir / n for n in listed if n.startswith(PREFIX)])
        if not names:
            return
        trash = site_dir / f"{PREFIX}{os.getpid()}"
        try:
            trash.mkdir()
            for name in names:
                os.rename(site_dir / name, trash / name)
        except OSError as exc:
            log.debug(f"Kehila leaves the old site to MkDocs: {exc}")
        self._trash = trash
        if manifest is not None:
            self._pages = self._read(manifest, site_dir)

    def kept(self, dest_uri: str, key: str) -> str | None:
        """The sitemap entry of the last build's copy of a page, if it is the output of ``key``
        and unchanged since (``None``: the page must be written)."""
        known = self._pages.get(dest_uri)
        if known is None or known[0] != key or self._trash is None:
            return None
        try:
            # Paths as text: tens of thousands of pages, each Path object costs more than a stat.
            found = os.stat(f"{self._trash}/{dest_uri}")
        except OSError:
            return None
        return known[3] if [found.st_size, found.st_mtime_ns] == known[1:3] else None

    def put_back(self, dest_uri: str, key: str) -> bool:
        """Put the last build's copy of a page back into the site, if it is the output of
        ``key`` and unchanged since; ``False``: the page must be written."""
        return self.kept(dest_uri, key) is not None and self.move_back(dest_uri)

    def move_back(self, dest_uri: str) -> bool:
        """Move the last build's copy of a page back into the site, which :meth:`kept` found
        to be the page's; ``False``: it could not be moved, the page must be written."""
        trash, site = self._trash, self._site
        if trash is None or site is None:
            return False
        folder, name = posixpath.split(dest_uri)
        try:
            if folder and os.listdir(f"{trash}/{folder}") == [name]:
                self._make_parent(folder)
                os.rename(f"{trash}/{folder}", f"{site}/{folder}")
            else:
                self._make_parent(dest_uri)
                os.rename(f"{trash}/{dest_uri}", f"{site}/{dest_uri}")
        except OSError:
            return False
        self.put_back_count += 1
        return True

    def _make_parent(self, path: str) -> None:
        parent = posixpath.dirname(path)
        if parent and parent not in self._made:
            os.makedirs(f"{self._site}/{parent}", exist_ok=True)
            self._made.add(parent)

    def discard(self) -> None:
        """Delete what is left of the old site, in the background."""
        trash, self._trash, self._pages = self._trash, None, {}
        if trash is not None:
            self._delete([trash])

    def wait(self) -> None:
        """Delete what is left of the old site and wait until it is gone."""
        self.discard()
        for thread in self._threads:
            thread.join()
        self._threads = []

    def _delete(self, folders: list[Path]) -> None:
        if folders:
            thread = threading.Thread(
                target=_delete, args=(folders,), name="kehila-old-site", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    # -- the list of cached pages --------------------------------------------------------------

    def record(
        self, site_dir: Path, pages: dict[str, tuple[str, str]], *, manifest: Path | None
    ) -> None:
        """Note the cached pages this build wrote (``pages``: path in the site -> key and
        sitemap entry) for the next build (in ``manifest`` too; ``None``: in memory only)."""
        noted = {}
        for dest_uri, (key, sitemap) in pages.items():
            try:
                found = os.stat(f"{site_dir}/{dest_uri}")
            except OSError:
                continue
            noted[dest_uri] = [key, found.st_size, found.st_mtime_ns, sitemap]
        where = str(site_dir.resolve())
        self._last = (where, noted)
        if manifest is None:
            return
        text = json.dumps({"site": where, "pages": noted}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            atomic_write(manifest, text)

    def _read(self, manifest: Path, site_dir: Path) -> dict[str, list]:
        where = str(site_dir.resolve())
        if self._last is not None and self._last[0] == where:
            return self._last[1]
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            pages = data["pages"] if data["site"] == where else {}
            if not all(isinstance(v, list) and len(v) == 4 for v in pages.values()):
                return {}
            return pages
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}


def static_keys(files: Files) -> list[tuple[File, str]]:
    """The files MkDocs copies or writes as they are (the theme's, images, feeds...), each
    with its key: its source's path, size and modification time, or a digest of its content."""
    keys = []
    for file in files:
        if file.is_documentation_page():
            continue
        source = file.abs_src_path
        if source is None:
            keys.append((file, digest("content", file.content_bytes)))
            continue
        try:
            found = os.stat(source)
        except OSError:
            continue
        keys.append((file, f"{source}\n{found.st_size}\n{found.st_mtime_ns}"))
    return keys


def _delete(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
