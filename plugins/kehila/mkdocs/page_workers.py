"""Cold builds on every core: the build cache filled by page workers, through MkDocs' own command.

A build renders its pages in one process. When many of the pages the build cache could hold are
missing (a first build, a CI run that does not keep ``.cache/kehila/``, a new theme), Kehila runs
``mkdocs build`` again in ``workers`` processes, on the same ``mkdocs.yml`` and into folders of
their own that are thrown away. The environment (:data:`ENVIRONMENT`, ``i/n``) tells a worker which
share of the pages is its own: it takes every other cacheable page, and those of its own that
the cache holds, out of ``files`` (public ``on_nav`` event); MkDocs renders the rest as always,
and the pages go into the cache.
The build waits for its workers, then takes the pages from the cache as a warm build does, and
renders what is still missing itself: a worker that fails costs time, never a page.

Nothing of MkDocs is used but its command line and its plugin events. A worker runs every plugin
of the site, so workers run only when Kehila is the site's one plugin (another plugin's
``on_post_build`` might deploy, or write files, once per worker).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.plugins.kehila")

#: Set (``i/n``) in a page worker's environment: it renders share ``i`` of ``n``.
ENVIRONMENT = "KEHILA_PAGE_WORKER"

#: A worker: MkDocs' own command line, on the build's ``mkdocs.yml``.
COMMAND = (sys.executable, "-m", "mkdocs", "build", "--quiet")

#: With ``workers`` unset, fewer missing pages than this are rendered by the build alone: a
#: worker reads the whole hub before it renders a page, which costs more than a few pages.
MIN_MISSING = 1000


@dataclass(frozen=True)
class Share:
    """The pages one worker renders: those whose source path falls in share ``index`` of
    ``count`` (by path, not by key: a worker works out the keys of its own pages only)."""

    index: int
    count: int
    parent: int = 0
    """The process of the build it works for (a worker whose build is gone stops)."""

    def orphaned(self) -> bool:
        return os.getppid() != self.parent

    def __contains__(self, src_uri: str) -> bool:
        number = hashlib.blake2b(src_uri.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(number, "little") % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index + 1} of {self.count}"


def worker_share() -> Share | None:
    """This process's share, when it is a page worker (``None``: an ordinary build)."""
    value = os.environ.get(ENVIRONMENT, "")
    index, _, count = value.partition("/")
    try:
        share = Share(int(index), int(count), os.getppid())
    except ValueError:
        return None
    return share if 0 <= share.index < share.count else None


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(config: MkDocsConfig, *, option: int | None, missing: int) -> int:
    """How many workers to run for ``missing`` pages (0: the build renders them alone).

    Args:
        option: the plugin's ``workers`` (``None``: one per core, for enough missing pages).
    """
    count = usable_cores() if option is None else option
    if count < 2 or missing == 0 or (option is None and missing < MIN_MISSING):
        return 0
    if not config.config_file_path or not os.path.isfile(config.config_file_path):
        log.debug("Kehila's page workers need a mkdocs.yml file: none is used")
        return 0
    others = [name for name in config.plugins if name != "kehila"]
    if others or config.hooks:
        log.debug(f"Kehila's page workers are not used: they would run {others} as well")
        return 0
    return min(count, missing)


class PageWorkers:
    """The page workers of one build: started, then waited for (see the module's doc)."""

    def __init__(self) -> None:
        self._folder: str | None = None
        self._processes: list[tuple[Share, subprocess.Popen[bytes], BinaryIO]] = []
        self._started = 0.0

    @property
    def running(self) -> bool:
        return bool(self._processes)

    def start(self, config: MkDocsConfig, count: int, *, missing: int) -> None:
        """Start ``count`` workers on ``config``'s ``mkdocs.yml`` (each renders its share of the
        ``missing`` pages, into a folder of its own)."""
        self.stop()
        log.info(f"Kehila's build cache is cold: {count} page workers render {missing} pages")
        self._started = time.monotonic()
        self._folder = folder = tempfile.mkdtemp(prefix="kehila-workers-")
        for index in range(count):
            log_file = open(os.path.join(folder, f"{index}.log"), "w+b")  # noqa: SIM115
            site_dir = os.path.join(folder, f"site-{index}")
            command = [*COMMAND, "--config-file", str(config.config_file_path)]
            command += ["--site-dir", site_dir]
            process = subprocess.Popen(
                command,
                env={**os.environ, ENVIRONMENT: f"{index}/{count}"},
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            self._processes.append((Share(index, count), process, log_file))

    def wait(self) -> None:
        """Wait for every worker (one that failed is said; the build renders its pages)."""
        count = len(self._processes)
        for share, process, log_file in self._processes:
            code = process.wait()
            if code != 0:
                log_file.seek(0)
                tail = log_file.read().decode("utf-8", "replace").strip().splitlines()[-20:]
                log.info(
                    f"Kehila's page worker {share} stopped (exit status {code}); the build "
                    "renders its pages itself"
                )
                log.debug("\n".join(tail))
        if count:
            log.info(f"Kehila's page workers are done ({time.monotonic() - self._started:.1f} s)")
        self.stop()

    def stop(self) -> None:
        """Stop the workers still running (a build that failed), forget them."""
        for _, process, log_file in self._processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            log_file.close()
        self._processes = []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
