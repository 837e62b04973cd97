"""Edit the front matter of one item in place, keeping every other byte of the file.

The front matter block is loaded with ruamel.yaml in round-trip mode, changed, and dumped again:
key order, quoting, flow lists and comments survive, and the Markdown body after the block is
never parsed or rewritten. The read-modify-write cycle runs under :func:`kehila.fileio.locked`
and ends with :func:`kehila.fileio.atomic_write`, so two commands editing the same file one after
the other (or at the same time, from two processes) never lose an edit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter

from ..fileio import atomic_write, locked
from ..model import _KEY_ORDER, Item, ItemError

T = TypeVar("T")

#: The front matter block: an opening '---' line, the YAML, and a closing '---' line.
_BLOCK = re.compile(r"\A(---[ \t]*\r?\n)(.*?)(^---[ \t]*(?:\r?\n|\Z))", re.DOTALL | re.MULTILINE)


class DeskError(Exception):
    """A desk command cannot do what was asked; the message says why and what to do."""


def _represent_datetime(representer: RoundTripRepresenter, value: dt.datetime) -> Any:
    # Written the way the content model writes dates (2025-03-14T09:30:00Z), as a plain scalar.
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", text)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Never re-wrap long lines (quotes are often longer than 80 characters).
    yaml.width = 4096
    # The layout model.render_text writes: block sequences at the indentation of their key.
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.representer.add_representer(dt.datetime, _represent_datetime)
    return yaml


@dataclass
class FrontMatterDocument:
    """A Markdown file split into its front matter (editable) and everything else (kept as is)."""

    opening: str
    meta: CommentedMap
    closing: str
    body: str
    newline: str = "\n"

    @classmethod
    def parse(cls, text: str, *, path: str) -> FrontMatterDocument:
        """Split ``text``; raise :class:`DeskError` naming ``path`` if there is no usable block."""
        match = _BLOCK.match(text)
        if not match:
            raise DeskError(f"{path}: no front matter block ('---' lines) at the top of the file")
        try:
            meta = _yaml().load(match.group(2))
        except YAMLError as exc:
            raise DeskError(f"{path}: front matter is not valid YAML: {exc}") from None
        if not isinstance(meta, CommentedMap):
            raise DeskError(f"{path}: front matter must be a mapping of fields")
        newline = "\r\n" if match.group(1).endswith("\r\n") else "\n"
        return cls(match.group(1), meta, match.group(3), text[match.end() :], newline)

    def render(self) -> str:
        """The whole file again: only the front matter block can differ from what was read."""
        out = io.StringIO()
        _yaml().dump(self.meta, out)
        block = out.getvalue()
        if self.newline != "\n":
            block = block.replace("\n", self.newline)
        return f"{self.opening}{block}{self.closing}{self.body}"


def set_field(meta: CommentedMap, key: str, value: Any) -> None:
    """Set ``key``; a new key goes where the content model puts it, existing keys stay in place.

    Keys the model does not order (such as ``rejected`` or ``merged``) go just before ``source``,
    the provenance block that ends every harvested item, or last when there is none.
    """
    if key in meta:
        meta[key] = value
        return
    keys = list(meta)
    position = len(keys)
    if key in _KEY_ORDER:
        later = set(_KEY_ORDER[_KEY_ORDER.index(key) + 1 :])
        position = next((i for i, k in enumerate(keys) if k in later), len(keys))
    elif "source" in meta:
        position = keys.index("source")
    meta.insert(position, key, value)


def mapping(**values: Any) -> CommentedMap:
    """A new block-style mapping without empty values, for fields such as ``consent``."""
    result = CommentedMap()
    for key, value in values.items():
        if value is not None:
            result[key] = value
    return result


def update_item(path: Path, change: Callable[[CommentedMap], T], *, display: str) -> T:
    """Apply ``change`` to the front matter of the item at ``path`` and write it back atomically.

    The file is read inside the lock, so a concurrent edit made just before is never lost.
    ``change`` may raise :class:`DeskError` to refuse (nothing is written). A change that would
    turn a valid item into an invalid one is refused with the content model's message; an item
    that was already invalid may be written (an editor fixes such a file one field at a time).

    Args:
        path: The item's Markdown file.
        change: Mutates the front matter mapping in place and returns anything.
        display: How the file is named in messages, e.g. ``content/stories/acme.md``.

    Returns:
        Whatever ``change`` returned.
    """
    with locked(path):
        return update_locked(path, change, display=display)


def update_locked(path: Path, change: Callable[[CommentedMap], T], *, display: str) -> T:
    """:func:`update_item` for a caller that already holds :func:`kehila.fileio.locked` on ``path``.

    A command that changes two files (``merge``) locks both first, in path order, and then edits.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeskError(f"{display}: the file is gone (moved or deleted meanwhile)") from None
    document = FrontMatterDocument.parse(text, path=display)
    result = change(document.meta)
    new_text = document.render()
    if new_text == text:
        return result
    try:
        Item.from_text(new_text, path=display)
    except ItemError as after:
        try:
            Item.from_text(text, path=display)
        except ItemError:
            pass  # already invalid before this edit: writing does not make it worse
        else:
            raise DeskError(f"refused, the item would no longer be valid: {after}") from None
    atomic_write(path, new_text)
    return result
