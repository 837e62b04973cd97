"""Kehila's build cache: finished pages kept between builds, by a key of all they depend on.

The cache lives in ``.cache/kehila/`` beside ``mkdocs.yml`` and keeps one file per page, named
by the page's key (a hash the MkDocs adapter computes from everything the page depends on). A
file holds the page's output and what else a build takes from a rendered page (its sitemap entry
and the HTML the search index reads), behind a header that repeats the key and a checksum. An
entry that cannot be read, belongs to another key or fails its checksum is ignored (and removed):
the page is rendered again. Nothing here knows MkDocs.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fileio import atomic_write
from .model import read_front_matter

log = logging.getLogger("mkdocs.plugins.kehila")

#: The first line of every entry: a file without it is not ours (or from an older format).
MAGIC = b"kehila-page-cache 1\n"
GITIGNORE = "# Kehila's build cache (safe to delete): never committed.\n*\n"


@dataclass(frozen=True)
class Entry:
    """A finished page as the build wrote it."""

    dest_uri: str
    """Where the page goes in the site (``stories/a-slug/index.html``)."""
    output: bytes
    """The page as written (the theme's template filled in)."""
    sitemap: str
    """The page's ``<url>`` entry in ``sitemap.xml``, as the theme wrote it."""
    search: str | None = None
    """The page's HTML content as the search index reads it (``None``: not indexed)."""


class PageCache:
    """The entries of one cache folder (see the module's doc)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pages = folder / "pages"
        self.hits = 0
        self.misses = 0
        self.stored = 0

    def open(self) -> None:
        """Create the folder with its own ``.gitignore`` (see :func:`open_folder`)."""
        self.pages.mkdir(parents=True, exist_ok=True)
        open_folder(self.folder)

    def _path(self, key: str) -> Path:
        return self.pages / key

    def get(self, key: str) -> Entry | None:
        """The entry of ``key``, or ``None`` (missing, corrupt or foreign: removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        entry = _decode(data, key)
        if entry is None:
            log.debug(f"Kehila's cache: ignoring the unreadable entry {path.name}")
            with contextlib.suppress(OSError):
                path.unlink()
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def has(self, key: str) -> bool:
        """Whether an entry of ``key`` is there (it may still fail to read: see :meth:`get`)."""
        return os.path.isfile(f"{self.pages}/{key}")  # text: a Path costs more than the stat

    def put(self, key: str, entry: Entry) -> None:
        # Renamed into place, never fsynced (thousands per build): an entry a crash cut short
        # fails its checksum and is rendered again.
        path = self._path(key)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(_encode(key, entry))
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            log.debug(f"Kehila's cache: could not store {key}: {exc}")
            return
        self.stored += 1

    def discard(self, keys: Iterable[str]) -> None:
        for key in keys:
            with contextlib.suppress(OSError):
                self._path(key).unlink()

    def keep_only(self, keys: set[str], *, variant: str = "") -> int:
        """Remove every entry but those of ``keys`` (pages of an older build) and those the
        last build of another ``variant`` of the site used (``mkdocs serve`` gives the site
        another address: a build after it, or a serve after a build, is not a cold one);
        how many went."""
        kept = set(keys)
        for other in self._variants(variant, keys):
            kept.update(other)
        removed = 0
        with os.scandir(self.pages) as entries:
            for found in entries:
                if found.name not in kept:
                    with contextlib.suppress(OSError):
                        os.unlink(found.path)
                    removed += 1
        return removed

    def _variants(self, variant: str, keys: set[str]) -> list[list[str]]:
        """Note ``keys`` as ``variant``'s; the keys of the last other variant (none or one)."""
        path = self.folder / "variants.json"
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
            others = [v for v in known if v[0] != variant and all(isinstance(k, str) for k in v[1])]
        except (OSError, ValueError, TypeError, IndexError, KeyError):
            others = []
        others = others[: VARIANTS - 1]
        with contextlib.suppress(OSError):
            atomic_write(path, json.dumps([[variant, sorted(keys)], *others]), sync=False)
        return [v[1] for v in others]


#: How many variants of a site (``build``, ``serve``...) keep their pages in the cache.
VARIANTS = 2


def open_folder(folder: Path) -> None:
    """Create the cache's folder with its own ``.gitignore`` (users' repositories ignore it)."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.is_file() or ignore.read_text(encoding="utf-8") != GITIGNORE:
        atomic_write(ignore, GITIGNORE)
    # ``.cache/`` itself may be new: the user's repository ignores it through ours.
    parent_ignore = folder.parent / ".gitignore"
    if folder.parent.name == ".cache" and not parent_ignore.exists():
        atomic_write(parent_ignore, GITIGNORE)


def _encode(key: str, entry: Entry) -> bytes:
    parts = [entry.output, entry.sitemap.encode("utf-8")]
    if entry.search is not None:
        parts.append(entry.search.encode("utf-8"))
    payload = b"".join(parts)
    header = {
        "key": key,
        "dest": entry.dest_uri,
        "sizes": [len(p) for p in parts],
        "crc": zlib.crc32(payload),
    }
    return MAGIC + json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n" + payload


def _decode(data: bytes, key: str) -> Entry | None:
    if not data.startswith(MAGIC):
        return None
    end = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC) : end])
        sizes = [int(n) for n in header["sizes"]]
        if header["key"] != key or not isinstance(header["dest"], str) or len(sizes) not in (2, 3):
            return None
        payload = data[end + 1 :]
        if len(payload) != sum(sizes) or zlib.crc32(payload) != header["crc"]:
            return None
        parts, start = [], 0
        for size in sizes:
            parts.append(payload[start : start + size])
            start += size
        search = parts[2].decode("utf-8") if len(parts) == 3 else None
        return Entry(header["dest"], parts[0], parts[1].decode("utf-8"), search)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def digest(*parts: str | bytes) -> str:
    """A key from ``parts`` (each kept apart from the next, so no two lists give one key)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def folder_digest(*folders: Path) -> str:
    """A digest of every file in ``folders`` (names and bytes), e.g. a theme or Kehila's code.

    A file's own digest is kept while its size and time of change stay the same.
    """
    h = hashlib.blake2b(digest_size=20)
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            h.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            h.update(_file_digest(path))
    return h.hexdigest()


_FILE_DIGESTS: dict[Path, tuple[int, int, bytes]] = {}


def _file_digest(path: Path) -> bytes:
    stat = path.stat()
    known = _FILE_DIGESTS.get(path)
    if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    value = hashlib.blake2b(path.read_bytes(), digest_size=20).digest()
    _FILE_DIGESTS[path] = (stat.st_mtime_ns, stat.st_size, value)
    return value


#: The first line of a :class:`Store`'s file.
STORE_MAGIC = b"kehila-store 3\n"
#: The first line of a store's journal (the values put since the file was written).
JOURNAL_MAGIC = b"kehila-store-journal 1\n"


class Store:
    """Values of one kind kept between builds (parsed items, feed HTML...), by a key of all they
    depend on, in one file of the cache folder (plain data only: text, numbers, lists and
    mappings, as JSON holds them; the file is pickled, its journal JSON).

    The file is read once per process (under ``mkdocs serve`` the values stay in memory between
    rebuilds). A build that put a few values appends them to the store's journal (``.log``
    beside the file, each line with its own checksum), so that an edit costs what it changed;
    once the values no build used (or the journal) grow to a quarter of the file, the file is
    written again with only the values the last build used. A file that cannot be read, belongs
    to another store or fails its checksum is ignored: every value is made again; a journal
    line that fails its checksum (a build killed while writing) ends the journal.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.journal = path.with_name(f"{path.name}.log")
        self.values: dict[str, Any] | None = None
        self.used: set[str] = set()
        self.changed = False
        self._new: dict[str, Any] = {}
        """Values put since the file or the journal was last written."""
        self._base: list[int] | None = None
        """The file's checksum and size (the journal names the file it goes with)."""
        self._sizes = (0, 0)
        """The file's size and the journal's, in bytes (-1: a damaged journal)."""

    def _load(self) -> dict[str, Any]:
        if self.values is None:
            found = _read_store(self.path)
            if found is None:
                self.values, self._base, self._sizes = {}, None, (0, 0)
            else:
                self.values, self._base = found
                self._sizes = (self._base[1], _replay(self.journal, self._base, self.values))
        return self.values

    def get(self, key: str) -> Any:
        values = self._load()
        found = values.get(key)
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, value: Any) -> None:
        self._load()[key] = value
        self.used.add(key)
        self.changed = True
        self._new[key] = value

    def flush(self) -> None:
        """Write the values used so far, in the middle of a build (for page workers, which
        read the file), without ending the build."""
        self._write_changes(self._load())

    def save(self) -> None:
        """Keep the values this build used, and start the next build."""
        values = self._load()
        if self._write_changes(values):
            # Written anew: only what this build used is in the file (and in memory).
            self.values = {k: values[k] for k in self.used if k in values}
        self.used, self.changed = set(), False

    def _write_changes(self, values: dict[str, Any]) -> bool:
        """Append the new values to the journal, or write the file anew; whether it was."""
        unused = len(values) - len(self.used)
        if not self._new and unused * 4 <= len(values):
            return False
        try:
            new, self._new = self._new, {}
            base, journal = self._sizes
            # A few new values, and few unused: the journal, while it stays small.
            few = (unused + len(new)) * 4 <= len(values) and self._base is not None
            if few and journal >= 0 and self._append(new) <= base // 4 + 4096:
                return False
            self._write({k: values[k] for k in self.used if k in values})
            return True
        except (OSError, pickle.PicklingError) as exc:
            log.debug(f"Kehila's cache: could not store {self.path.name}: {exc}")
            return False

    def _append(self, new: dict[str, Any]) -> int:
        """Append ``new`` to the journal; how many bytes it holds now (0: written anew)."""
        assert self._base is not None
        encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        with open(self.journal, "ab") as out:
            if out.tell() == 0:
                out.write(JOURNAL_MAGIC + json.dumps({"base": self._base}).encode() + b"\n")
            for key, value in new.items():
                data = encode([key, value]).encode()
                out.write(b"%08x " % zlib.crc32(data) + data + b"\n")
            size = out.tell()
        self._sizes = (self._sizes[0], size)
        return size

    def _write(self, values: dict[str, Any]) -> None:
        """Written as it is pickled (the values of a 100,000-item hub are hundreds of MB: never
        a second copy in memory), the checksum after them; the journal goes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as out:
                out.write(STORE_MAGIC + json.dumps({"name": self.path.name}).encode() + b"\n")
                payload = _Checksummed(out)
                _PlainPickler(payload, protocol=5).dump(values)
                crc, size = payload.crc, payload.size
                out.write(b"\n" + json.dumps({"crc": crc, "size": size}).encode())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self.journal.unlink(missing_ok=True)
        self._base, self._sizes = [crc, size], (size, 0)


class _Checksummed:
    """A file that keeps the checksum and size of what is written to it."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.crc = 0
        self.size = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self.out.write(data)


class _PlainPickler(pickle.Pickler):
    """Pickles plain data only (what :class:`_PlainUnpickler` reads back): text, numbers, lists,
    mappings. Text of a subclass of ``str`` (``Markup``) is kept as ``str``, as JSON would."""

    def reducer_override(self, obj: Any) -> Any:
        # Called for every object but the exact plain types, which pickle handles itself.
        if obj is str:
            return NotImplemented  # the reducer below names it: pickled as usual
        if isinstance(obj, str):
            return str, (str(obj),)
        raise pickle.PicklingError(f"not plain data: {type(obj).__name__}")


class _PlainUnpickler(pickle.Unpickler):
    """Reads plain data only: a pickle that names any class or function (other than ``str``,
    see :class:`_PlainPickler`) is refused, so a store never runs or builds anything else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "str"):
            return str
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")


def _read_store(path: Path) -> tuple[dict[str, Any], list[int]] | None:
    """A store's values and its checksum and size (``None``: missing, damaged or foreign)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(STORE_MAGIC):
        return None
    end, last = data.find(b"\n", len(STORE_MAGIC)), data.rfind(b"\n")
    try:
        header, trailer = json.loads(data[len(STORE_MAGIC) : end]), json.loads(data[last + 1 :])
        payload = memoryview(data)[end + 1 : last]
        if header["name"] != path.name or len(payload) != trailer["size"]:
            return None
        if zlib.crc32(payload) != trailer["crc"]:
            return None
        stream = io.BytesIO(data)  # shares ``data``' bytes (a memoryview's would be copied)
        stream.seek(end + 1)
        values = _PlainUnpickler(stream).load()
    except Exception:  # whatever a damaged pickle raises: the store is not used
        return None
    return (values, [trailer["crc"], trailer["size"]]) if isinstance(values, dict) else None


def _replay(journal: Path, base: list[int], values: dict[str, Any]) -> int:
    """Put the journal's values into ``values`` (those of the file ``base`` names); its size in
    bytes (0: none; -1: another file's, or damaged: the file must be written anew)."""
    try:
        data = journal.read_bytes()
    except OSError:
        return 0
    if not data.startswith(JOURNAL_MAGIC):
        return -1
    lines = data[len(JOURNAL_MAGIC) :].split(b"\n")
    try:
        if json.loads(lines[0]).get("base") != base:
            return -1
    except (ValueError, AttributeError):
        return -1
    for line in lines[1:]:
        crc, _, record = line.partition(b" ")
        if not line:
            continue
        try:
            if int(crc, 16) != zlib.crc32(record):
                return -1
            key, value = json.loads(record)
        except (ValueError, TypeError):
            return -1
        values[key] = value
    return len(data)


class FrontMatterCache:
    """:func:`~kehila.model.read_front_matter` that keeps what it read in a :class:`Store`, by a
    digest of the file's text: an unchanged file's YAML is not parsed again.

    Only front matter that comes back exactly as read is kept (plain YAML: strings, numbers,
    dates, lists and mappings with string keys); anything else is read every time.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, text: str, path: str) -> tuple[dict[str, Any], str]:
        key = digest(text)
        found = self.store.get(key)
        if isinstance(found, list) and len(found) == 2 and isinstance(found[1], str):
            meta = _from_plain(found[0])
            if isinstance(meta, dict):
                return meta, found[1]
        meta, body = read_front_matter(text, path=path)
        plain = _to_plain(meta)
        if plain is not None and repr(_from_plain(plain)) == repr(meta):
            self.store.put(key, [plain, body])
        return meta, body


class _NotPlain(Exception):
    pass


def _to_plain(value: Any) -> Any:
    """``value`` as JSON data, dates tagged (``None``: something JSON cannot hold)."""
    try:
        return _plain(value)
    except _NotPlain:
        return None


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    raise _NotPlain


def _from_plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_plain(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            tag, text = next(iter(value.items()))
            if tag == "$datetime" and isinstance(text, str):
                return datetime.datetime.fromisoformat(text)
            if tag == "$date" and isinstance(text, str):
                return datetime.date.fromisoformat(text)
        return {k: _from_plain(v) for k, v in value.items()}
    return value


class Memo:
    """Text made from items (a feed, an item's feed HTML), kept in a :class:`Store` by a key of
    what it is made of: ``world`` (what every value depends on: the configuration, the published
    items and their URLs, Kehila's code...), then each part, an item standing for its file
    (``item_key``: a digest of its path and text)."""

    def __init__(self, store: Store, world: str, item_key: Callable[[Any], str]) -> None:
        self.store = store
        self.world = world
        self.item_key = item_key

    def text(self, parts: Iterable[Any], make: Callable[[], str]) -> str:
        """The text of ``parts``: kept from an earlier build, or ``make()`` (then kept)."""
        return self.value(parts, make, lambda found: isinstance(found, str))

    def value(
        self, parts: Iterable[Any], make: Callable[[], Any], valid: Callable[[Any], bool]
    ) -> Any:
        """The JSON value of ``parts``: kept from an earlier build (if ``valid``), or ``make()``
        (then kept)."""
        key = digest(self.world, *(p if isinstance(p, str) else self.item_key(p) for p in parts))
        found = self.store.get(key)
        if found is not None and valid(found):
            return found
        made = make()
        self.store.put(key, made)
        return made


class KeptFolder:
    """A folder the build writes (the search index), kept in the cache with the key of what
    made it: while the key is the same, the kept copy goes into the site instead; when it is
    not, each file whose text is the same is still taken from the kept copy (see :meth:`reuse`).

    A manifest, written last, lists every file with its size, time of change and a digest of
    its text: a kept file whose size or time differs from it (an interrupted copy, a file changed
    in place) is never used. The kept files are hard links to the site's where the file system
    allows: the build replaces files in the site, never writes into them.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = folder / "files"
        self.manifest = folder / "manifest.json"
        self._listing: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        """The manifest as written (not checked against the files), or an empty one."""
        try:
            manifest = json.loads(self.manifest.read_text(encoding="utf-8"))
            if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict):
                return manifest
        except (OSError, ValueError):
            pass
        return {"files": {}}

    def _valid(self, name: str, entry: Any) -> bool:
        """Whether the kept file ``name`` is as the manifest's ``entry`` says."""
        try:
            size, mtime, _ = entry
            stat = os.stat(os.path.join(self.files, name))
        except (OSError, TypeError, ValueError):
            return False
        return stat.st_size == size and stat.st_mtime_ns == mtime

    def restore(self, key: str, dest: Path) -> Any:
        """Put the kept copy of ``key`` at ``dest``; what was kept with it (``None``: there is
        no valid copy of ``key``, nothing was done)."""
        manifest = self._load()
        files = manifest["files"]
        if manifest.get("key") != key or not all(self._valid(n, e) for n, e in files.items()):
            return None
        if dest.exists():
            shutil.rmtree(dest)
        for name in files:
            _link_or_copy(self.files / name, dest / name)
        return manifest.get("extra")

    def reuse(self, name: str, digest: str, dest: str) -> bool:
        """Put the kept file ``name`` at the path ``dest`` (its folder exists) if its text has
        ``digest``; ``False``: no such file is kept (or it is not as the manifest says),
        nothing was done."""
        if self._listing is None:
            self._listing = self._load()["files"]
        entry = self._listing.get(name)
        if not (isinstance(entry, list) and len(entry) == 3 and entry[2] == digest):
            return False
        if not self._valid(name, entry):
            return False
        source = os.path.join(self.files, name)
        try:
            os.link(source, dest)
        except OSError:
            try:
                shutil.copyfile(source, dest)
            except OSError:
                return False
        return True

    def keep(
        self,
        key: str,
        source: Path,
        extra: Any = None,
        *,
        digests: dict[str, str],
        fresh: set[str],
    ) -> None:
        """Keep ``source`` under ``key`` (and ``extra``, plain data).

        Args:
            digests: every file of ``source`` (its name in it) and a digest of its text.
            fresh: the files written anew; the others were taken from the kept copy.
        """
        self._listing = None
        try:
            old = self._load()["files"]
            self.manifest.unlink(missing_ok=True)  # while the copy changes, none is trusted
            listing = {}
            for name, digest in digests.items():
                kept, entry = self.files / name, old.get(name)
                same = isinstance(entry, list) and entry[-1] == digest and self._valid(name, entry)
                if name in fresh or not same:
                    _replace_with_link(source / name, kept)
                stat = kept.stat()
                listing[name] = [stat.st_size, stat.st_mtime_ns, digest]
            for name in old.keys() - listing.keys():
                (self.files / name).unlink(missing_ok=True)
            manifest = {"key": key, "files": listing, "extra": extra}
            atomic_write(self.manifest, json.dumps(manifest, separators=(",", ":")))
        except OSError as exc:
            log.debug(f"Kehila's cache: could not keep {source}: {exc}")


def _replace_with_link(source: Path, dest: Path) -> None:
    """``dest`` becomes ``source`` (a link, else a copy) at once."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    _link_or_copy(source, tmp)
    os.replace(tmp, dest)


def _link_or_copy(source: Path, dest: Path) -> None:
    """A hard link when the file system allows one (the build replaces files, never writes into
    them), else a copy."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)
