"""Analysed pages kept between builds, so that a build analyses only the pages that changed.

One file holds the :class:`~kehila.search.index.Analysis` of every page of an index, by the
page's *fingerprint* (a digest of all its analysis depends on, made by the caller: for a page of
the build cache, its key). Its second line lists the fingerprints alone, so that a build can tell
which pages need their text without reading the rest. A build that analysed a few pages appends
them to a journal beside it (one line each, with its own checksum) instead of writing the file
again; the file is written anew, and the journal emptied, once the journal or the analyses no
longer used reach a quarter of it. A file that cannot be read, fails its checksum or was made by
another version of the analysis (Kehila's text code, the stemmers) is ignored, and so is a
journal line: the pages are analysed again. Analyses are found by fingerprint, so a journal line
is right beside any file of the same version.
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
#: The first line of the journal, followed by the version of the analysis.
JOURNAL_MAGIC = "kehila-search-analyses-journal 1"


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
    """The fingerprints the file and its journal say they hold (empty: no usable file). Only a
    promise: what :func:`load` finds is what counts."""
    found = _header(path)
    held = set() if found is None else {str(f) for f in found[0]["fingerprints"]}
    return held | set(_journal(path) or {})


def _journal_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.journal")


def _journal(path: Path) -> dict[str, Analysis] | None:
    """The valid lines of the journal of ``path`` (a line cut short or changed is left out;
    ``None``: there is a journal, of another version or not ours)."""
    try:
        lines = _journal_path(path).read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    if lines[0] != f"{JOURNAL_MAGIC} {version()}":
        return None
    found = {}
    for line in lines[1:]:
        crc, _, data = line.partition(" ")
        try:
            if int(crc, 16) != zlib.crc32(data.encode("utf-8")):
                continue
            value = json.loads(data)
        except ValueError:
            continue
        if isinstance(value, list) and len(value) == 5 and isinstance(value[0], str):
            analysis = Analysis.from_plain(value[1:])
            if analysis is not None:
                found[value[0]] = analysis
    return found


def load(path: Path) -> dict[str, Analysis]:
    """Every analysis the file and its journal hold, by fingerprint (those of a file that
    cannot be trusted are left out)."""
    return {**_load_file(path), **(_journal(path) or {})}


def _load_file(path: Path) -> dict[str, Analysis]:
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


def save(path: Path, analyses: dict[str, Analysis], *, anew: bool = False) -> None:
    """Keep ``analyses``: those the file and its journal lack go into the journal, unless it is
    time to write the file anew (with ``analyses`` only), or ``anew`` says so (the file did not
    hold what it promised)."""
    found = _header(path)
    held = set() if found is None else set(found[0]["fingerprints"])
    journaled = _journal(path)
    new = [f for f in analyses if f not in held and (journaled is None or f not in journaled)]
    if journaled is not None:
        held |= journaled.keys()
    unused = len(held - analyses.keys())
    journal = _journal_path(path)
    if (
        anew
        or found is None
        or journaled is None
        or (len(journaled) + len(new) + unused) * 4 > len(analyses)
    ):
        _write(path, analyses)
        journal.unlink(missing_ok=True)
        return
    if new:
        # Each line after a line break: a line an interrupted build cut short stays alone.
        lines = [] if journal.exists() else [f"{JOURNAL_MAGIC} {version()}"]
        for fingerprint in new:
            data = json.dumps([fingerprint, *analyses[fingerprint].to_plain()], ensure_ascii=False)
            lines.append(f"\n{zlib.crc32(data.encode('utf-8')):08x} {data}")
        with open(journal, "a", encoding="utf-8") as file:
            file.write("".join(lines))


def _write(path: Path, analyses: dict[str, Analysis]) -> None:
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
