"""Numbers about a hub: what is there, what waits in the queue and for how long, what is unsafe."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from ..model import canonical_language, missing_for_publish
from .queue import Desk, source_name, waiting_since


def _counts(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def _days(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def compute_stats(desk: Desk, *, at: dt.datetime) -> dict[str, Any]:
    """Counts by kind, status, source and language, queue waits, and consent problems.

    Args:
        desk: The loaded content folder.
        at: The moment waits are measured to (normally now).

    Returns:
        Plain data, ready for ``json.dumps``. Waits are in days, one decimal.
    """
    items = desk.items
    queue = desk.queue()
    waits = sorted(
        ((at - waiting_since(i), i) for i in queue), key=lambda pair: (pair[0], pair[1].id)
    )
    # Read from the raw front matter, so that stories the model refuses to load still count.
    unconsented = [
        e.path
        for e in desk.entries
        if e.meta.get("status") == "published" and "consent" in missing_for_publish(e.meta)
    ]
    oldest = waits[-1] if waits else None
    return {
        "items": len(items),
        "invalid": sum(1 for e in desk.entries if e.item is None),
        "by_kind": _counts([i.kind for i in items]),
        "by_status": _counts([i.status for i in items]),
        "by_source": _counts([source_name(i) for i in items]),
        # en-US and en-us are one language (tags are compared without regard to case).
        "by_language": _counts([canonical_language(i.language) for i in items]),
        "queue": {
            "pending": len(queue),
            "median_wait_days": _days(statistics.median(w for w, _ in waits)) if waits else None,
            "oldest_wait_days": _days(oldest[0]) if oldest else None,
            "oldest_id": oldest[1].id if oldest else None,
        },
        "published_stories_without_consent": len(unconsented),
        "published_stories_without_consent_paths": unconsented,
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
