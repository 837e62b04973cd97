"""Reading a content folder into a catalog of items (engine-neutral: no MkDocs here).

A Markdown file is an *item* when its front matter has any of the keys ``id``, ``kind`` or
``status``; every other Markdown file is an ordinary page that the site generator handles itself.
A file whose front matter block cannot be parsed is reported as an error and is never treated as
an ordinary page: its text could be an unpublished item, and publishing it would leak it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import frontmatter
import yaml

from .itemfile import parse_front_matter
from .model import Item, ItemError, read_front_matter

#: Front matter keys that make a Markdown file an item of the content model.
ITEM_MARKERS = frozenset({"id", "kind", "status"})


@dataclass
class Catalog:
    """All items of a hub, with the problems found while reading them."""

    items: list[Item] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    item_paths: set[str] = field(default_factory=set)
    """Every path that holds an item or a broken item, valid or not: never an ordinary page."""

    def public(self, kind: str | None = None) -> list[Item]:
        """Published, non-private items (of one kind), newest first."""
        chosen = [i for i in self.items if i.is_public and (kind is None or i.kind == kind)]
        return sorted(chosen, key=lambda i: (i.date, i.id), reverse=True)

    def pending(self, kind: str | None = None) -> list[Item]:
        chosen = [
            i for i in self.items if i.status == "pending" and (kind is None or i.kind == kind)
        ]
        return sorted(chosen, key=lambda i: (i.date, i.id), reverse=True)

    def get(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


#: Reads a file's front matter and body (``text``, ``path``), as :func:`read_front_matter` does.
FrontMatterReader = Callable[[str, str], tuple[dict[str, Any], str]]


def classify(text: str, *, path: str, read: FrontMatterReader | None = None) -> Item | None:
    """Parse one Markdown file: an :class:`Item`, ``None`` for an ordinary page, or raise.

    ``read`` stands for :func:`read_front_matter` (a build cache keeps what it read before).

    Raises:
        ItemError: the file is an item that does not follow the model, or its front matter
            block is broken (so nobody can tell whether it is an item).
    """
    if not frontmatter.checks(text):
        return None
    meta, body = read_front_matter(text, path=path) if read is None else read(text, path)
    if not ITEM_MARKERS & meta.keys():
        return None
    try:
        return Item.from_metadata(meta, body, path=path)
    except ItemError as exc:
        raise exc.located(text) from None


#: Statuses of items that are plainly not on the hub (a broken file with one only warns).
UNPUBLISHED = ("pending", "rejected")


_STATUS_LINE = re.compile(r"^status:[ \t]*['\"]?([a-z]+)['\"]?[ \t]*$", re.MULTILINE)


def declared_status(text: str) -> str | None:
    """The ``status`` a file's front matter declares, even when its YAML is broken elsewhere.

    ``None`` when there is no such line to be read.
    """
    try:
        meta = parse_front_matter(text)[0]
    except (yaml.YAMLError, ValueError, TypeError):
        # The block does not parse: a top-level `status:` line still says it plainly.
        block = text.split("\n---", 1)[0]
        found = _STATUS_LINE.findall(block)
        return found[0] if len(found) == 1 else None
    status = meta.get("status")
    return status if isinstance(status, str) else None


def build_catalog(
    documents: Iterable[tuple[str, str]],
    *,
    cache: dict[str, tuple[str, Item | ItemError | None]] | None = None,
    read: FrontMatterReader | None = None,
) -> Catalog:
    """Build a catalog from ``(path, text)`` pairs; ``path`` is what errors will show.

    Invalid items are collected in :attr:`Catalog.errors` rather than raised, so that a caller can
    report all of them at once. Two items with the same ``id`` are an error on the second file.
    ``cache`` (path -> last text and its result) lets a rebuild parse only the files that changed;
    ``read`` stands for :func:`read_front_matter` (see :func:`classify`).
    """
    catalog = Catalog()
    seen: dict[str, str] = {}
    for path, text in documents:
        try:
            item = _classify_cached(text, path, cache, read)
        except ItemError as exc:
            catalog.errors.append(exc)
            catalog.item_paths.add(path)
            continue
        if item is None:
            continue
        catalog.item_paths.add(path)
        if item.id in seen:
            catalog.errors.append(
                ItemError(
                    path, f"duplicate id {item.id!r}, already used by {seen[item.id]}", field="id"
                )
            )
            continue
        seen[item.id] = path
        catalog.items.append(item)
    return catalog


def _classify_cached(
    text: str,
    path: str,
    cache: dict[str, tuple[str, Item | ItemError | None]] | None,
    read: FrontMatterReader | None,
) -> Item | None:
    if cache is None:
        return classify(text, path=path, read=read)
    hit = cache.get(path)
    if hit is None or hit[0] != text:
        try:
            result: Item | ItemError | None = classify(text, path=path, read=read)
        except ItemError as exc:
            result = exc
        cache[path] = hit = (text, result)
    if isinstance(hit[1], ItemError):
        raise hit[1]
    return hit[1]


def iter_markdown(content_dir: Path, *, label: str | None = None) -> Iterator[tuple[str, str]]:
    """Yield ``(display path, text)`` for every Markdown file under ``content_dir``, sorted.

    Hidden folders (such as ``.kehila/`` with harvest state) are skipped. The display path starts
    with ``label`` (default: the folder's own name), e.g. ``content/stories/acme.md``.
    """
    label = content_dir.name if label is None else label
    for root, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".md") or name.startswith("."):
                continue
            full = Path(root, name)
            rel = full.relative_to(content_dir).as_posix()
            yield f"{label}/{rel}" if label else rel, full.read_text(encoding="utf-8")


def resolve_file_link(from_path: str, url: str) -> tuple[str, str] | None:
    """Where a relative link to a Markdown file in the file ``from_path`` leads.

    Returns the linked file's path (in the same form as ``from_path``, ``%``-escapes decoded) and
    the ``#fragment`` part (``""`` when there is none), or ``None`` for every other link: absolute
    URLs, site-absolute paths, anchors and links to anything but a ``.md`` file.
    """
    found = resolve_relative_link(from_path, url)
    if found is None or not found[0].endswith(".md"):
        return None
    fragment = urlsplit(url).fragment
    return found[0], f"#{fragment}" if fragment else ""


def resolve_relative_link(from_path: str, url: str) -> tuple[str, str] | None:
    """Where a relative link (to any file: a page, an image) in the file ``from_path`` leads.

    Returns the linked file's path (in the same form as ``from_path``, ``%``-escapes decoded) and
    what followed the path (``?query#fragment``, ``""`` when nothing did), or ``None`` for
    absolute URLs, site-absolute paths and links within the page (``#top``, ``?a=b``).
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), unquote(parts.path)))
    query = f"?{parts.query}" if parts.query else ""
    return resolved, query + (f"#{parts.fragment}" if parts.fragment else "")


def load_catalog(content_dir: Path, *, label: str | None = None) -> Catalog:
    """Read every item under a content folder."""
    return build_catalog(iter_markdown(content_dir, label=label))


#: Where the harvest store keeps the latest upstream version of an item it did not overwrite
#: (an editor changed or reviewed the file), at the item's own path below it. Never published.
UPSTREAM_DIR = ".kehila/upstream"


def upstream_copy(content_dir: Path, item_file: Path) -> Path:
    """Where the latest upstream version of the item file ``item_file`` is kept."""
    return content_dir / UPSTREAM_DIR / item_file.relative_to(content_dir)


#: Where tag names per language live, relative to the content folder (never published).
TAG_NAMES_FILE = ".kehila/tags.yml"


@dataclass
class TagNames:
    """How readers see each tag, per language: ``tag -> language -> name``.

    A regional language (``pt-BR``) falls back to its primary language (``pt``); a tag without a
    name in a language is shown as written.
    """

    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def lookup(self, tag: str, language: str) -> str | None:
        known = self.names.get(tag, {})
        return known.get(language) or known.get(language.split("-")[0])

    def name(self, tag: str, language: str) -> str:
        return self.lookup(tag, language) or tag


class _DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML where a key written twice in one mapping is an error naming both lines.

    (YAML forbids duplicate keys, but PyYAML silently keeps the last one: a second ``mobile:``
    further down ``tags.yml`` would quietly replace the names given first.)
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in first:
                raise _DuplicateKeyError(
                    problem=f"duplicate key {key!r} at line {line}, first at line {first[key]}",
                    problem_mark=key_node.start_mark,
                )
            first[key] = line
        return super().construct_mapping(node, deep=deep)


def load_tag_names(content_dir: Path) -> tuple[TagNames, list[str]]:
    """Read the tag names file; return the names and the problems found (one message each).

    A missing file is the problem ``file not found``; callers decide whether that matters. A key
    written twice is a problem naming both lines. A language without a name yet (``en:`` left
    empty, as ``kehila tags --write`` writes stubs) is a name still missing, not a problem.
    """
    path = content_dir / TAG_NAMES_FILE
    if not path.is_file():
        missing = "file not found: it names each tag per language (tag -> language -> name)"
        return TagNames(), [missing]
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except _DuplicateKeyError as exc:
        return TagNames(), [str(exc.problem)]
    except yaml.YAMLError as exc:
        return TagNames(), [f"not valid YAML: {exc}"]
    if data is None:
        return TagNames(), []
    if not isinstance(data, dict):
        return TagNames(), ["expected a mapping of tag -> language -> name"]
    names: dict[str, dict[str, str]] = {}
    problems = []
    for tag, value in data.items():
        if value is None:
            value = {}  # a tag listed without names yet
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and (v is None or (isinstance(v, str) and v.strip()))
            for k, v in value.items()
        ):
            problems.append(f"tag '{tag}': expected a mapping of language -> name, got {value!r}")
            continue
        # A language left empty is a stub waiting for its name.
        names[str(tag)] = {k: v for k, v in value.items() if v is not None}
    return TagNames(names), problems
