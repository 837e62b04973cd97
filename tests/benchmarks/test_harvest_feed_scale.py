"""Benchmark: ``kehila harvest`` on the largest real feed of the corpus.

Not a timed test: it prints figures (``KEHILA_SLOW=1 .venv/bin/python -m pytest -m slow -s
tests/benchmarks/test_harvest_feed_scale.py``). The feed is ``feeds/rss-parser/
giantbomb-podcast.rss`` (1.6 MB, 730 entries with full HTML content; captured by rbren/rss-parser,
MIT, see corpus/SOURCES.md), served by a local HTTP server. Reported: a first harvest (every item
new), a re-harvest of the unchanged feed fetched in full (every item compared, none written), and a
re-harvest answered ``304`` (the normal case).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.harvest.conftest import FeedServer, counts, harvest, write_project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("KEHILA_SLOW"), reason="benchmark: set KEHILA_SLOW=1"),
]


@pytest.fixture
def feeds(httpserver) -> FeedServer:
    return FeedServer(httpserver)


def test_harvest_rates(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    body = (corpus / "feeds/rss-parser/giantbomb-podcast.rss").read_bytes()
    url = feeds.serve("/giant.rss", body)
    config = write_project(tmp_path, [{"name": "giant", "type": "feed", "url": url}])
    state = tmp_path / "content/.kehila/http-state.json"

    started = time.perf_counter()
    result = harvest(config)
    first = time.perf_counter() - started
    assert counts(result.output, "giant") == (730, 0, 0, 0, 0, 0)

    state.unlink()
    started = time.perf_counter()
    result = harvest(config)
    again = time.perf_counter() - started
    assert counts(result.output, "giant") == (0, 0, 730, 0, 0, 0)

    started = time.perf_counter()
    harvest(config)
    not_modified = time.perf_counter() - started
    assert feeds.statuses[-1] == ("/giant.rss", 304)

    print(
        f"\nfeed harvest, {len(body) / 1e6:.1f} MB, 730 entries: "
        f"first run {first:.2f}s ({730 / first:.0f} items/s), "
        f"full re-harvest {again:.2f}s ({730 / again:.0f} items/s, nothing written), "
        f"304 re-harvest {not_modified:.2f}s"
    )
