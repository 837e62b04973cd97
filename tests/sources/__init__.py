"""Tests of the Q&A sources (discourse, github, stackexchange)."""

from __future__ import annotations

from kehila.harvest.sources.base import Skipped
from kehila.model import Item


def split(found: list[Item | Skipped]) -> tuple[dict[str, Item], dict[str, str]]:
    """What a source yielded, as items by id and skip reasons by ref (nothing else allowed)."""
    items = {i.id: i for i in found if isinstance(i, Item)}
    skipped = {s.ref: s.reason for s in found if isinstance(s, Skipped)}
    assert len(items) + len(skipped) == len(found)
    return items, skipped
