"""Every file of ``corpus/feeds/`` through the feed source: harvested, or refused with a reason.

The corpus holds feedparser's test suite subset (kurtmckee/feedparser, BSD-2-Clause:
well-formed and ill-formed feeds, odd and lying encodings, entities, sanitizer cases, a JSON Feed)
and rbren/rss-parser's real-world captures (MIT), 339 files (see SOURCES.md). Each file is served
by a local server as the body of one ``type: feed`` source, with the HTTP headers its
``Header:`` comment lines ask for (as feedparser's own harness does). One ``kehila harvest`` runs
all sources. No source may end with an unexpected exception (the command's "unexpected ..."
report of a crashed adapter); a failed source must name itself and say why; every item written
must be valid; and every entry of a feed feedparser itself reads without trouble must be
harvested or skipped with a reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
from kehila.content import load_catalog

from tests.projects import harvest, write_project

from . import faultserver as fs

_HEADER = re.compile(r"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)
_SAFE_HEADERS = {"content-type", "content-location", "last-modified", "etag", "x-foo"}


def _headers(data: bytes) -> dict[str, str]:
    comment = data[:2000].decode("latin-1")
    found = {}
    for name, value in _HEADER.findall(comment):
        if name.lower() in _SAFE_HEADERS and value:
            found["Content-Type" if name.lower() == "content-type" else name] = value
    return found


def test_every_corpus_feed(corpus: Path, tmp_path: Path, proof) -> None:
    files = sorted(p for p in (corpus / "feeds").rglob("*") if p.is_file())
    assert len(files) >= 330
    sources = []
    with fs.FaultServer(max_requests=2 * len(files), lifetime=120) as server:
        for number, path in enumerate(files):
            data = path.read_bytes()
            headers = _headers(data)
            content_type = headers.pop("Content-Type", "application/xml")
            url = server.route(
                f"/{number}/{path.name}",
                fs.respond(data, content_type=content_type, headers=headers),
            )
            kind = "newsletter" if number % 3 == 0 else "story"
            sources.append({"name": f"feed-{number}", "type": "feed", "url": url, "kind": kind})
        write_project(tmp_path, sources)
        result = harvest(tmp_path, "--timeout", "5", "--retries", "0")
    output = " ".join(result.output.split())
    assert "unexpected" not in output, result.output
    assert result.exit_code in (0, 1), result.output
    failed = re.findall(r"✗ source '(feed-\d+)': (\S+)", output)
    for name, reason in failed:
        assert reason, f"{name} failed without a reason"
    catalog = load_catalog(tmp_path / "content")
    assert catalog.errors == []
    # Feeds that feedparser reads cleanly must not fail as a whole: every failed one is a feed
    # feedparser too finds fault with, or one without entries (the harvest parsed them all).
    for name, _ in failed:
        path = files[int(name.removeprefix("feed-"))]
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo or not parsed.entries, f"{path.name} failed"
    assert len(catalog.items) > 200
    proof("fault scenarios", len(files))
