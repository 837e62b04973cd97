"""Safe writes for every part of Kehila that changes files in content/ (harvest store, editor desk).

A write either happens completely or not at all: the text goes to a temporary file in the same
folder, is flushed to disk, and is renamed over the target. A killed process leaves at worst a
stray temporary file (named ``.<name>.<random>.tmp``, which the content loader ignores) and never
a half-written item. :func:`locked` serialises read-modify-write cycles on one file across
processes, so two commands editing the same item never lose an edit.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def atomic_write(path: Path, text: str, *, sync: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically, creating parent folders as needed.

    ``sync=False`` skips flushing to disk (files that can be made again, such as exports): the
    file is still whole or absent, but a power cut may leave the old one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync:
        _fsync_dir(path.parent)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock for ``path`` (on a sibling ``.<name>.lock`` file).

    Use it around read-modify-write: read the file inside the block, not before it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    # The rename itself must reach the disk too, or a crash could bring the old file back.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
