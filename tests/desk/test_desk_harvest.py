"""The desk and the harvest store together: editors' decisions survive the next harvest.

Items come from feeds/rss-parser/feedburner.atom (rbren/rss-parser:test/input/feedburner.atom,
MIT; see SOURCES.md), built as in test_desk_duplicates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import feedparser
from kehila.harvest.store import ItemStore, Outcome

from .test_desk_duplicates import FEED, _item


def _entries(corpus: Path):
    return feedparser.parse((corpus / FEED).read_bytes()).entries


def test_rejected_and_edited_items_are_kept_by_the_next_harvest(kehila, project, corpus):
    content = project / "content"
    first, second = _entries(corpus)[3], _entries(corpus)[5]
    items = [
        _item(entry, name="ads-feedburner", url=entry.link, html=entry.content[0].value)
        for entry in (first, second)
    ]
    store = ItemStore(content)
    paths = []
    for item in items:
        result = store.put(item)
        assert result.outcome is Outcome.NEW
        paths.append(result.path)
    assert (
        kehila("review", "reject", items[0].id, "--reason", "Not a customer story").exit_code == 0
    )
    assert (
        kehila("review", "disclose", items[1].id, "employee", "--text", "Google staff.").exit_code
        == 0
    )
    decided = [path.read_text(encoding="utf-8") for path in paths]

    # The same upstream again: nothing to do.
    again = ItemStore(content)
    assert [again.put(item).outcome for item in items] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    # Upstream changed: the rejected item is not resurrected, the edited one not overwritten;
    # the store notes the change in source.upstream_changed, which the desk flags.
    later = dt.datetime(2026, 11, 8, 6, tzinfo=dt.UTC)
    changed = [
        dataclasses.replace(
            item,
            body=item.body + "\n\nUpdated upstream.",
            source=dataclasses.replace(item.source, harvested=later),
        )
        for item in items
    ]
    results = [ItemStore(content).put(item) for item in changed]
    # (The store's own wording is its business; what matters here is the outcome and why.)
    assert [r.outcome for r in results] == [Outcome.KEPT, Outcome.KEPT]
    assert "rejected" in str(results[0].reason) and "edited" in str(results[1].reason)
    assert paths[0].read_text(encoding="utf-8") == decided[0]
    assert paths[1].read_text(encoding="utf-8") == re.sub(
        r"(\n  digest: sha256:\w+\n(?:  upstream: v\d+:sha256:\w+\n)?)",
        r"\1  upstream_changed: 2026-11-08T06:00:00Z\n",
        decided[1],
    )
    flagged = json.loads(kehila("review", "--json", "--flag", "upstream").stdout)
    assert [i["id"] for i in flagged] == [items[1].id]
