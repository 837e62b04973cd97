"""Upgrading Kehila flags nothing that did not change upstream.

``upgrade/stored/`` holds the files Kehila's code of 2026-12-02 (commit ece134c, before the
versioned fingerprint) wrote for the inputs beside them: ``forum-topic.json`` (a solved topic in
the shape of a 2025 forum with "show who marked solved"), ``feed.rss`` (an RSS 2.0 feed with a
plain-text description and an ``address (Name)`` author) and ``export.csv`` (a form export).
They were harvested from a local server at ``http://localhost:44431``; the test serves the same
inputs at its own address and writes that address into the files, sealing them again with the
fingerprint the same text had then (``content_digest`` did not change, which the test checks
first).

Today's code writes these items differently (who accepted an answer moves onto the answer, a
form row loses its position and its export path, the feed keeps paragraphs and the author's
name): the first harvest after the upgrade must take that as its new baseline, flagging nothing,
and a later change upstream must still be flagged.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from kehila.model import Item
from pytest_httpserver import HTTPServer
from werkzeug import Response

from ..harvest.conftest import counts, harvest, write_project

UPGRADE = Path(__file__).parent / "upgrade"
ORIGINAL_BASE = "http://localhost:44431"
QUESTION = "questions/2019-11-02-cannot-log-in-after-password-reset.md"
FEED_STORY = "stories/2026-03-03-the-brigade-that-got-its-weekends-back.md"
CSV_PUBLISHED = "stories/2026-04-01-tavla-gave-our-volunteers-their-evenings-back.md"
CSV_PENDING = "stories/2026-04-02-we-stopped-double-booking-the-ambulance-crews.md"
CSV_EDITED = "stories/2026-04-03-shift-swaps-happen-without-me.md"


def _seal(text: str) -> str:
    """``text`` with ``source.digest`` set to its content's fingerprint, as harvest wrote it."""
    digest = Item.from_text(text, path="x.md").digest()
    return re.sub(r"(?m)^  digest: sha256:\w+$", f"  digest: {digest}", text, count=1)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_first_harvest_after_an_upgrade_flags_nothing(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    feed = {"body": (UPGRADE / "feed.rss").read_bytes()}
    topic = json.loads((UPGRADE / "forum-topic.json").read_text("utf-8"))
    listing = {"topic_list": {"topics": [{"id": 812, "slug": topic["slug"]}]}}
    listing["topic_list"]["topics"][0]["has_accepted_answer"] = True
    httpserver.expect_request("/latest.json").respond_with_json(listing)
    httpserver.expect_request("/t/812.json").respond_with_json(topic)
    httpserver.expect_request("/feed.rss").respond_with_handler(
        lambda request: Response(feed["body"], content_type="application/rss+xml")
    )
    httpserver.expect_request("/categories.json").respond_with_handler(
        lambda request: Response("{}", status=403)
    )
    base = httpserver.url_for("/").rstrip("/")
    (tmp_path / "exports").mkdir()
    shutil.copy(UPGRADE / "export.csv", tmp_path / "exports/spring-survey.csv")
    columns = {
        "name": "Your name",
        "quote": "What would you tell a friend about Tavla?",
        "consent": "May we publish your answer with your name?",
        "date": "Timestamp",
        "email": "Email address",
    }
    config = write_project(
        tmp_path,
        [
            {"name": "forum", "type": "discourse", "url": base},
            {"name": "stories", "type": "feed", "url": f"{base}/feed.rss"},
            {"name": "survey", "type": "csv", "path": "exports/spring-survey.csv",
             "columns": columns},
        ],
    )  # fmt: skip

    # The files as the older version stored them, at this test's address.
    content = tmp_path / "content"
    for stored in sorted((UPGRADE / "stored").rglob("*.md")):
        text = stored.read_text("utf-8")
        item = Item.from_text(text, path=stored.name)
        assert item.digest() == item.source.digest, f"{stored.name}: the fingerprint changed"
        target = content / stored.relative_to(UPGRADE / "stored")
        target.parent.mkdir(parents=True, exist_ok=True)
        moved = text.replace(ORIGINAL_BASE, base).replace("localhost:44431", base.split("//")[1])
        target.write_text(_seal(moved), encoding="utf-8")
    # What editors did since: published three, edited a pending one, left one as harvested.
    _edit(content / QUESTION, "status: pending", "status: published")
    _edit(
        content / FEED_STORY,
        "status: pending",
        "status: published\nconsent:\n  method: public-post\n  date: 2026-03-03T10:00:00Z\n"
        "  url: https://stories.tavla.example/brigade\ndisclosure:\n  type: none",
    )
    _edit(content / CSV_PUBLISHED, "status: pending", "status: published\ndisclosure: none")
    _edit(content / CSV_EDITED, "Shift swaps happen without me.\n", "Swaps happen by themselves.\n")
    before = {p: p.read_text("utf-8") for p in content.rglob("*.md")}

    result = harvest(config)
    assert result.exit_code == 0, result.output
    # (new, updated, unchanged, kept, skipped, errors): only the untouched pending row is
    # rewritten; nothing is kept as changed upstream.
    assert counts(result.output, "forum") == (0, 0, 1, 0, 0, 0)
    assert counts(result.output, "stories") == (0, 0, 1, 0, 0, 0)
    assert counts(result.output, "survey") == (0, 1, 2, 0, 0, 0)
    after = {p: p.read_text("utf-8") for p in content.rglob("*.md")}
    assert set(after) == set(before)
    assert not any("upstream_changed" in text for text in after.values())
    assert not list((content / ".kehila").rglob("upstream/**/*.md"))
    fingerprint = re.compile(r"(?m)^  upstream: v2:sha256:\w+\n")
    for path, text in after.items():
        if path.name == CSV_PENDING.split("/")[1]:
            # Rewritten by today's code: no row position, no export path.
            assert "row:" not in text and "exports/" not in text and fingerprint.search(text)
            continue
        # Kept byte for byte, with the new baseline beside the old fingerprint.
        assert fingerprint.sub("", text) == before[path] and fingerprint.search(text)

    # A second harvest with nothing new changes nothing, byte for byte.
    again = harvest(config)
    assert counts(again.output, "stories") == (0, 0, 1, 0, 0, 0)
    assert {p: p.read_text("utf-8") for p in content.rglob("*.md")} == after

    # A real change upstream is still flagged on the published story.
    feed["body"] = feed["body"].replace(b"Now swaps happen in the app.", b"Now swaps just happen.")
    changed = harvest(config)
    assert counts(changed.output, "stories") == (0, 0, 0, 1, 0, 0)
    assert "upstream_changed" in (content / FEED_STORY).read_text("utf-8")
    assert counts(changed.output, "forum") == (0, 0, 1, 0, 0, 0)
