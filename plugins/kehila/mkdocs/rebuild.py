"""Fast rebuilds for editors: under ``mkdocs serve`` only what changed is done again.

A hub of 10,000 items takes minutes to build; an editor who fixes a typo should see it in seconds.
Between rebuilds of one ``serve`` session this keeps:

- the parsed items, by path and text (a file is parsed again only when its text changed);
- the Markdown of every generated page, by the items and data it was made from (a page whose
  items did not change is not rendered from its template again);
- the Markdown of every generated page of the last build: a page whose Markdown is unchanged and
  whose HTML is already in the site is marked unmodified, so MkDocs' ``--dirty`` mode neither
  converts nor writes it again. Pages that list a changed item (indexes, tags, home) do change,
  and are rebuilt.

The first two serve every ``serve``; the last only ``serve --dirty``. A plain ``mkdocs build``
never uses any of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cache import Memo
from ..hub import Hub
from ..hub_options import HubOptions
from ..model import Item, ItemError
from ..pages import PageSpec, Rendered, expand_markers, marker, split_markers

if TYPE_CHECKING:
    from jinja2 import Environment
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

    from ..content import Catalog


class Rebuilds:
    """What one ``serve --dirty`` session remembers between rebuilds."""

    def __init__(self) -> None:
        self.serve = False
        """Any ``serve``: items are parsed and pages made from templates only when they changed
        (the build cache then skips MkDocs' work for unchanged pages)."""
        self.active = False
        """``serve --dirty``: unchanged pages are also marked unmodified for MkDocs."""
        self.parsed: dict[str, tuple[str, Item | ItemError | None]] = {}
        self.rendered: dict[tuple, tuple[object, Rendered]] = {}
        self.env: Environment | None = None
        self.markdown: dict[str, str] = {}
        self.options: HubOptions | None = None
        self.stamp: float | None = None
        self._hub: _MemoHub | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serve = command == "serve"
        self.active = self.serve and dirty

    def catalog_cache(self) -> dict[str, tuple[str, Item | ItemError | None]] | None:
        """The cache for :func:`~kehila.content.build_catalog` (``None``: parse everything)."""
        return self.parsed if self.serve else None

    def hub(self, catalog: Catalog, options: HubOptions, *, cached: bool = False) -> Hub:
        """A hub that reuses item pages of the previous rebuild while the options are the same.

        ``cached``: the build cache is on, pages made from templates may come from it (see
        :meth:`use_cache`).
        """
        if not self.serve:
            return _MemoHub(catalog, options) if cached else Hub(catalog, options)
        if options != self.options:
            self.rendered = {}
            self.options = options
        hub = self._hub = _MemoHub(catalog, options, memo=self.rendered, env=self.env)
        self.env = hub._env
        return hub

    @staticmethod
    def use_cache(hub: Hub, memo: Memo) -> None:
        """Keep the Markdown of ``hub``'s pages in the build cache: a page is made from its
        template again only when its template context changed, or ``memo``'s world (the
        configuration, the items' URLs and whether they are published, Kehila's code...)."""
        if isinstance(hub, _MemoHub):
            hub.persistent = memo

    def skip_unchanged(self, files: Files, pages: dict[str, PageSpec], config: MkDocsConfig) -> int:
        """Mark generated pages whose Markdown did not change as unmodified; return how many."""
        if self._hub is not None:
            # Forget pages of items that changed or went away.
            used = self._hub.used
            self.rendered = {k: v for k, v in self.rendered.items() if k in used}
            self._hub = None
        if not self.active:
            return 0
        # A changed mkdocs.yml (theme, nav, options) changes every page: rebuild them all.
        stamp = os.path.getmtime(config.config_file_path) if config.config_file_path else None
        previous = self.markdown if stamp == self.stamp else {}
        self.stamp = stamp
        self.markdown = {uri: spec.markdown for uri, spec in pages.items()}
        skipped = 0
        for uri, spec in pages.items():
            if previous.get(uri) != spec.markdown:
                continue
            file = files.get_file_from_path(uri)
            if file is not None and os.path.isfile(file.abs_dest_path):
                file.is_modified = _unmodified  # type: ignore[method-assign]
                skipped += 1
        return skipped


def _unmodified() -> bool:
    return False


@dataclass
class _MemoHub(Hub):
    """A :class:`Hub` that renders a page again only when its template context changed.

    A context is compared by the identity of the items in it (an unchanged file gives the very
    same :class:`Item` object, see :func:`~kehila.content.build_catalog`'s cache), or with the
    build cache by the digests of their files, and by the value of plain data; a context with
    anything else is always rendered.
    """

    memo: dict[tuple, tuple[object, Rendered]] = field(default_factory=dict)
    env: Environment | None = None
    used: set[tuple] = field(default_factory=set)
    persistent: Memo | None = None
    """The build cache's pages, by the context in which they were made (items by their files)."""

    @property
    def _env(self) -> Environment:  # type: ignore[override]
        # One template environment for the whole session: templates are compiled once.
        if self.env is None:
            self.env = Hub._env.func(self)  # type: ignore[attr-defined]
        return self.env

    def _render(self, template: str, src_uri: str, **context: object) -> Rendered:
        keep: list[object] = []
        # With the build cache, items stand for their files' digests: the key is the one the
        # cache needs, made in one pass (an unchanged file gives the same digest in any build).
        item_key = None if self.persistent is None else self.persistent.item_key
        try:
            key = (template, src_uri, _fingerprint(context, keep, item_key))
        except _Unknown:
            return super()._render(template, src_uri, **context)
        self.used.add(key)
        hit = self.memo.get(key)
        if hit is not None:
            return hit[1]
        if self.persistent is None:
            markdown = super()._render(template, src_uri, **context)
        else:
            markdown = self._kept(template, src_uri, key[2], context)
        # The memo holds the objects whose ids are in the key, so no id is reused meanwhile.
        self.memo[key] = (keep, markdown)
        return markdown

    def _kept(self, template: str, src_uri: str, fingerprint: object, context: dict) -> Rendered:
        """The page from the build cache, or rendered (and kept): its Markdown is kept in
        pieces between its markers (they are random per process, see :func:`marker_nonce`)."""
        assert self.persistent is not None

        def make() -> list:
            rendered = Hub._render(self, template, src_uri, **context)
            return [*_pieces(rendered.fast_markdown), list(rendered.fragments)]

        parts = ["page", template, src_uri, repr(fingerprint)]
        found = self.persistent.value(parts, make, _valid_pieces)
        pieces, numbers, fragments = found
        fast = "".join(
            piece + (marker(numbers[n]) if n < len(numbers) else "")
            for n, piece in enumerate(pieces)
        )
        return Rendered(expand_markers(fast, fragments), fast, tuple(fragments))


class _Unknown(Exception):
    """A value the memo cannot compare safely."""


#: Types whose values are compared as they are (exactly these: a subclass, such as ``Markup``,
#: takes the slow path below).
_PLAIN = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


def _fingerprint(
    value: object, keep: list[object], item_key: Callable[[Item], str] | None = None
) -> object:
    """``value`` as plain data to compare: an item by its id (kept in ``keep``), or by its
    file's digest (``item_key``)."""
    # Every page's context goes through here: plain members are taken without a call.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Item:
        if item_key is not None:
            return ("item", item_key(value))  # type: ignore[arg-type]
        keep.append(value)
        return ("item", id(value))
    if kind is list or kind is tuple:
        return tuple(
            [v if type(v) in _PLAIN else _fingerprint(v, keep, item_key) for v in value]  # type: ignore[union-attr]
        )
    if kind is dict:
        return tuple(
            [
                (k, v if type(v) in _PLAIN else _fingerprint(v, keep, item_key))
                for k, v in value.items()  # type: ignore[union-attr]
            ]
        )
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return value
    if isinstance(value, Item):
        if item_key is not None:
            return ("item", item_key(value))
        keep.append(value)
        return ("item", id(value))
    if isinstance(value, list | tuple):
        return tuple(_fingerprint(v, keep, item_key) for v in value)
    if isinstance(value, dict):
        return tuple((k, _fingerprint(v, keep, item_key)) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        named = tuple(
            (f.name, _fingerprint(getattr(value, f.name), keep, item_key)) for f in fields
        )
        return ("dataclass", type(value).__qualname__, named)
    raise _Unknown


def _pieces(fast: str) -> tuple[list[str], list[int]]:
    """``fast`` split at its markers: the text between them, and their numbers."""
    parts = split_markers(fast)
    return parts[0::2], [int(n) for n in parts[1::2]]


def _valid_pieces(found: Any) -> bool:
    if not (isinstance(found, list) and len(found) == 3):
        return False
    pieces, numbers, fragments = found
    return (
        isinstance(pieces, list)
        and isinstance(numbers, list)
        and isinstance(fragments, list)
        and len(pieces) == len(numbers) + 1
        and all(isinstance(p, str) for p in pieces + fragments)
        and all(isinstance(n, int) and 0 <= n < len(fragments) for n in numbers)
    )
