"""The desk's view of a content folder: every item file, its flags, and how to find it by name."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..content import build_catalog, iter_markdown
from ..itemfile import EditRefused, parse_front_matter
from ..model import UPSTREAM_CHANGED, Item, ItemError, content_digest
from .duplicates import DEFAULT_THRESHOLD, DuplicatePair, find_duplicates

#: A desk command cannot do what was asked (an unknown item, a refused edit); the message says
#: why and what to do. Refused edits of the item file are the same error.
DeskError = EditRefused

#: Flag names, in the order they are shown, with what they mean.
FLAGS = {
    "consent": "consent missing (a story needs it before it is published)",
    "disclosure": "disclosure unknown (a story needs it before it is published)",
    "upstream": "changed upstream since the last edit (harvest kept the editor's version)",
    "duplicate": "possible duplicate of another item (same author, near-identical text)",
    "undated": "no date of its own upstream: dated from the feed, the server or the harvest",
    "wall": "a story without a pull quote: it never appears on the wall",
}

#: Flags that concern published items most: with one of them, `kehila review` lists every status.
ANY_STATUS_FLAGS = frozenset({"upstream", "wall"})


@dataclass
class Entry:
    """One item file as the desk sees it: valid (``item``) or not (``error``), with raw fields."""

    path: str
    meta: dict[str, Any]
    item: Item | None = None
    error: ItemError | None = None

    @property
    def id(self) -> str | None:
        value = self.item.id if self.item else self.meta.get("id")
        return value if isinstance(value, str) else None


@dataclass
class Desk:
    """All items under one content folder, loaded once per command."""

    content_dir: Path
    threshold: float = DEFAULT_THRESHOLD
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def load(cls, content_dir: Path, *, threshold: float = DEFAULT_THRESHOLD) -> Desk:
        """Read every item under ``content_dir``; paths in messages start with that folder."""
        if not content_dir.is_dir():
            raise DeskError(f"content folder not found: {content_dir}")
        # Each file is read once: the catalog and the raw front matter come from the same text.
        documents = list(iter_markdown(content_dir, label=content_dir.as_posix()))
        catalog = build_catalog(documents)
        valid = {item.path: item for item in catalog.items}
        errors = {error.path: error for error in catalog.errors}
        entries = []
        for path, text in documents:
            if path not in catalog.item_paths:
                continue
            entries.append(Entry(path, _raw_meta(text), valid.get(path), errors.get(path)))
        return cls(content_dir, threshold, entries)

    @property
    def items(self) -> list[Item]:
        return [e.item for e in self.entries if e.item is not None]

    # -- finding items ---------------------------------------------------------------------------

    def resolve(self, ident: str) -> Entry:
        """Find one item by id, file path, file name (without .md) or slug."""
        exact = [e for e in self.entries if e.id == ident]
        if len(exact) == 1:
            return exact[0]
        wanted = ident.removesuffix(".md")
        candidates = [
            e
            for e in self.entries
            if e.path.removesuffix(".md") == wanted
            or e.path.removesuffix(".md").endswith("/" + wanted)
            or (e.item is not None and e.item.slug == ident)
        ]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates and not exact:
            close = self.suggest(ident)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise DeskError(
                f"no item {ident!r} in {self.content_dir.as_posix()}{hint} "
                "(give an id, a file path, a file name or a slug; `kehila review` lists the queue)"
            )
        found = ", ".join(f"{e.id} ({e.path})" for e in (exact or candidates))
        raise DeskError(f"{ident!r} matches more than one item: {found}; give the full id")

    def suggest(self, ident: str) -> list[str]:
        """Up to three names of items close to a mistyped ``ident`` (ids, file names, slugs)."""
        names: set[str] = set()
        for entry in self.entries:
            names.add(PurePosixPath(entry.path).stem)
            if entry.id:
                names.add(entry.id)
            if entry.item is not None and entry.item.slug:
                names.add(entry.item.slug)
        wanted = PurePosixPath(ident.removesuffix(".md")).name if "/" in ident else ident
        return difflib.get_close_matches(wanted, sorted(names), n=3, cutoff=0.6)

    # -- flags -----------------------------------------------------------------------------------

    @cached_property
    def duplicate_pairs(self) -> list[DuplicatePair]:
        return find_duplicates(
            [i for i in self.items if i.status != "rejected"], threshold=self.threshold
        )

    @cached_property
    def duplicates(self) -> dict[str, list[tuple[str, float]]]:
        """For each item id, the ids of the items it may duplicate, with the similarity."""
        result: dict[str, list[tuple[str, float]]] = {}
        for pair in self.duplicate_pairs:
            result.setdefault(pair.first.id, []).append((pair.second.id, pair.score))
            result.setdefault(pair.second.id, []).append((pair.first.id, pair.score))
        return result

    def flags(self, item: Item) -> list[str]:
        """The flag names (keys of :data:`FLAGS`) that apply to ``item``."""
        # What it lacks before publishing: flags named like the fields (consent, disclosure).
        flags = item.missing_for_publish()
        if item.source is not None and item.source.extra.get(UPSTREAM_CHANGED):
            flags.append("upstream")
        if item.id in self.duplicates:
            flags.append("duplicate")
        if item.source is not None and item.source.extra.get("undated"):
            flags.append("undated")
        if item.kind == "story" and not (item.quote or "").strip():
            flags.append("wall")
        return flags

    def queue(self) -> list[Item]:
        """Pending items, newest first."""
        return self.newest_first(i for i in self.items if i.status == "pending")

    @staticmethod
    def newest_first(items: Iterable[Item]) -> list[Item]:
        return sorted(items, key=lambda i: (i.date, i.id), reverse=True)


def source_name(item: Item) -> str:
    """The harvest source an item came from, or ``manual`` for items written by hand."""
    return item.source.name if item.source else "manual"


def is_edited(item: Item) -> bool | None:
    """Whether an editor changed the item since harvest wrote it (``None`` if unknown)."""
    if item.source is None or not item.source.digest:
        return None
    return content_digest(item.to_metadata(), item.body) != item.source.digest


def waiting_since(item: Item) -> dt.datetime:
    """When an item entered the queue: when it was harvested, else its own date."""
    return item.source.harvested if item.source else item.date


def _raw_meta(text: str) -> dict[str, Any]:
    """The front matter as the model reads it, or nothing when it cannot be read at all."""
    try:
        return parse_front_matter(text)[0]
    except (yaml.YAMLError, ValueError, TypeError):
        return {}
