"""The last build's site, deleted while this build works.

MkDocs empties the site folder at the start of every build (not ``--dirty``), after the plugins'
``on_pre_build``: for a hub of 10,000 pages that is 20,000 files and folders to delete, one
system call each, before any page is made. In ``on_pre_build`` Kehila moves them aside instead
(one rename per entry at the top of the folder) into a hidden folder, which MkDocs leaves alone
as it leaves every hidden file, and deletes that folder in a background thread: the deleting is
done by the kernel, beside the build, and ``on_post_build`` waits for it. A build that was
killed leaves the hidden folder behind; the next build deletes it too.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.kehila")

#: The hidden folders of old sites, inside the site folder.
PREFIX = ".kehila-old-site-"


class OldSite:
    """The last build's site folder, emptied in the background (see the module's doc)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def move_aside(self, site_dir: Path) -> None:
        """Move what MkDocs would delete out of the way, and delete it in the background."""
        self.wait()
        try:
            listed = os.listdir(site_dir)
        except OSError:
            return  # no site yet (or none we may read): MkDocs does as it always does
        names = [n for n in listed if not n.startswith(".")]
        old = [site_dir / n for n in listed if n.startswith(PREFIX)]
        if names:
            trash = site_dir / f"{PREFIX}{os.getpid()}"
            try:
                trash.mkdir(exist_ok=True)
                for name in names:
                    os.rename(site_dir / name, trash / name)
            except OSError as exc:
                log.debug(f"Kehila leaves the old site to MkDocs: {exc}")
            if trash not in old:
                old.append(trash)
        if old:
            self._thread = threading.Thread(
                target=_delete, args=(old,), name="kehila-old-site", daemon=True
            )
            self._thread.start()

    def wait(self) -> None:
        """Wait until the old site is gone."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _delete(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
