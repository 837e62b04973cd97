"""Analysed pages kept between builds, so that a build analyses only the pages that changed.

One file holds the :class:`~kehila.search.index.Analysis` of every page of the last index, by the
page's *fingerprint* (a digest of all its analysis depends on, made by the caller: for a page of
the build cache, its key). Its second line lists the fingerprints alone, so that a build can tell
which pages need their text without reading the rest. A file that cannot be read, fails its
checksum or was made by another version of the analysis (Kehila's text code, the stemmers) is
ignored: every page is analysed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from functools import cache
from importlib import metadata
from pathlib import Path

from . import index, text
from .index import Analysis

#: The first line of the file: a file without it is not ours (or from an older format).
MAGIC = b"kehila-search-analyses 1\n"


@cache
def version() -> str:
    """What an analysis depends on besides the page: Kehila's analysis code and the stemmers."""
    h = hashlib.blake2b(digest_size=16)
    for module in (text, index):
        h.update(Path(module.__file__ or "").read_bytes())
    for name in ("snowballstemmer", "PyStemmer"):
        try:
            h.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-\n".encode())
    return h.hexdigest()


def _header(path: Path) -> tuple[dict, int] | None:
    try:
        with open(path, "rb") as file:
            if file.readline() != MAGIC:
                return None
            line = file.readline()
        header = json.loads(line)
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("version") != version():
        return None
    if not isinstance(header.get("fingerprints"), list):
        return None
    return header, len(MAGIC) + len(line)


def fingerprints(path: Path) -> set[str]:
    """The fingerprints the file says it holds (empty: no usable file). Only a promise: what
    :func:`load` finds is what counts."""
    found = _header(path)
    return set() if found is None else {str(f) for f in found[0]["fingerprints"]}


def load(path: Path) -> dict[str, Analysis]:
    """Every analysis the file holds, by fingerprint (empty: none can be trusted)."""
    found = _header(path)
    if found is None:
        return {}
    header, start = found
    try:
        with open(path, "rb") as file:
            file.seek(start)
            payload = file.read()
        if len(payload) != header["size"] or zlib.crc32(payload) != header["crc"]:
            return {}
        values = json.loads(payload)
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(values, dict) or set(values) != set(header["fingerprints"]):
        return {}
    analyses = {}
    for fingerprint, value in values.items():
        analysis = Analysis.from_plain(value)
        if analysis is None:
            return {}
        analyses[fingerprint] = analysis
    return analyses


def save(path: Path, analyses: dict[str, Analysis]) -> None:
    """Keep ``analyses`` (and only them) in ``path``, replacing it at once."""
    payload = json.dumps(
        {f: a.to_plain() for f, a in analyses.items()}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    header = {
        "version": version(),
        "fingerprints": list(analyses),
        "size": len(payload),
        "crc": zlib.crc32(payload),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as file:
        file.write(MAGIC + json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n")
        file.write(payload)
    os.replace(tmp, path)
