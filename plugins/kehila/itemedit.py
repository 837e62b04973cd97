"""Editing one item file in place, checked by the content model.

:func:`update_item` reads the front matter with :class:`~kehila.itemfile.FrontMatterDocument`
(comments, order and quoting survive), applies a change, validates the result with
:class:`~kehila.model.Item` and writes it back atomically under the file's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ruamel.yaml.comments import CommentedMap

from .fileio import atomic_write, locked
from .itemfile import EditRefused, FrontMatterDocument
from .model import Item, ItemError

T = TypeVar("T")


def update_item(
    path: Path, change: Callable[[CommentedMap], T], *, display: str, require_valid: bool = False
) -> T:
    """Apply ``change`` to the front matter of the item at ``path`` and write it back atomically.

    The file is read inside the lock, so a concurrent edit made just before is never lost.
    ``change`` may raise :class:`EditRefused` to refuse (nothing is written). A change that would
    turn a valid item into an invalid one is refused with the content model's message; an item
    that was already invalid may be written (an editor fixes such a file one field at a time),
    unless ``require_valid`` (publishing an item the model rejects makes no sense).

    Args:
        path: The item's Markdown file.
        change: Mutates the front matter mapping in place and returns anything.
        display: How the file is named in messages, e.g. ``content/stories/acme.md``.
        require_valid: Refuse unless the item is valid after the change.

    Returns:
        Whatever ``change`` returned.
    """
    with locked(path):
        return update_locked(path, change, display=display, require_valid=require_valid)


def update_locked(
    path: Path, change: Callable[[CommentedMap], T], *, display: str, require_valid: bool = False
) -> T:
    """:func:`update_item` for a caller that already holds :func:`kehila.fileio.locked` on ``path``.

    A command that changes two files (``merge``) locks both first, in path order, and then edits.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EditRefused(f"{display}: the file is gone (moved or deleted meanwhile)") from None
    document = FrontMatterDocument.parse(text, path=display)
    result = change(document.meta)
    new_text = document.render()
    if new_text == text:
        return result
    try:
        Item.from_text(new_text, path=display)
    except ItemError as after:
        if require_valid:
            raise EditRefused(f"refused, the item is not valid: {after}") from None
        try:
            Item.from_text(text, path=display)
        except ItemError:
            pass  # already invalid before this edit: writing does not make it worse
        else:
            raise EditRefused(f"refused, the item would no longer be valid: {after}") from None
    atomic_write(path, new_text)
    return result
