"""``kehila harvest`` and ``kehila add story`` as a user runs them.

Feeds (corpus/SOURCES.md): ``feeds/rss-parser/giantbomb-podcast.rss`` (1.6 MB, 730 entries) and
the Medium feed ``feeds/rss-parser/content-encoded.rss``, both captured by rbren/rss-parser (MIT).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from kehila.cli import main
from kehila.model import Item
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .conftest import MEDIUM, FeedServer, counts, harvest, snapshot, summary, write_project

GIANT = "feeds/rss-parser/giantbomb-podcast.rss"


def _items(folder: Path) -> list[Item]:
    return [Item.from_text(p.read_text("utf-8"), path=p.name) for p in folder.rglob("*.md")]


def test_killed_harvest_leaves_no_partial_file_and_rerun_converges(
    tmp_path: Path, feeds: FeedServer, corpus: Path, proof
) -> None:
    url = feeds.serve("/giant.rss", (corpus / GIANT).read_bytes())
    config = write_project(tmp_path, [{"name": "giant", "type": "feed", "url": url}])
    stories = tmp_path / "content/stories"
    # The installed console command itself (beside the interpreter in the virtualenv).
    command = Path(sys.executable).with_name("kehila")
    assert command.exists(), command
    process = subprocess.Popen(
        [str(command), "harvest", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if stories.is_dir() and len(list(stories.glob("*.md"))) >= 25:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = list(stories.glob("*.md"))
    assert 25 <= len(written) < 730, "the harvest was not killed mid-run"
    proof("kill trials", 1)
    # Every file present is a complete, valid item: nothing half-written.
    assert len(_items(tmp_path / "content")) == len(written)
    # The killed run never remembered the feed's ETag, so the rerun reads it in full.
    assert not (tmp_path / "content/.kehila/http-state.json").exists()

    result = harvest(config)
    assert result.exit_code == 0, result.output
    assert feeds.statuses[-1] == ("/giant.rss", 200)
    new, updated, unchanged, kept, skipped, errors = counts(result.output, "giant")
    assert (updated, kept, skipped, errors) == (0, 0, 0, 0)
    assert new + unchanged == 730 and unchanged == len(written)
    items = _items(tmp_path / "content")
    assert len(items) == 730 and len({i.id for i in items}) == 730
    assert not [p for p in (tmp_path / "content").rglob("*.tmp")]

    # Converged: the next run costs one 304 and touches nothing.
    before = snapshot(tmp_path / "content")
    harvest(config)
    assert feeds.statuses[-1] == ("/giant.rss", 304)
    assert snapshot(tmp_path / "content") == before


def test_a_failing_source_does_not_stop_the_others(
    tmp_path: Path, feeds: FeedServer, httpserver: HTTPServer, corpus: Path
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("<rss/>")

    httpserver.expect_request("/slow.rss").respond_with_handler(slow)
    httpserver.expect_request("/huge.rss").respond_with_data(b"<rss>" + b" " * 5_000_000)
    httpserver.expect_request("/broken.rss").respond_with_data("oops", status=500)
    good = feeds.serve("/medium.rss", (corpus / MEDIUM).read_bytes())
    config = write_project(
        tmp_path,
        [
            {"name": "huge", "type": "feed", "url": httpserver.url_for("/huge.rss")},
            {"name": "broken", "type": "feed", "url": httpserver.url_for("/broken.rss")},
            {"name": "medium", "type": "feed", "url": good, "kind": "newsletter"},
            # Last: the test server answers one request at a time and this one keeps it busy.
            {"name": "slow", "type": "feed", "url": httpserver.url_for("/slow.rss")},
        ],
    )
    result = harvest(config, "--timeout", "0.2", "--retries", "0", "--max-bytes", "1000000")
    assert result.exit_code == 1
    table = summary(result.output)
    assert [table[n]["status"] for n in ("slow", "huge", "broken")] == ["failed"] * 3
    assert table["medium"]["status"] == "ok"
    assert counts(result.output, "medium") == (7, 0, 0, 0, 0, 0)
    assert "slow.rss: timed out after 0.2s (1 attempts)" in result.output
    assert "exceeds the limit of 1000000 bytes" in result.output
    assert "broken.rss: HTTP 500 INTERNAL SERVER ERROR (1 attempts)" in result.output
    # Only the good source's ETag is remembered.
    state = (tmp_path / "content/.kehila/http-state.json").read_text("utf-8")
    assert "medium.rss" in state and "broken.rss" not in state


def test_retry_after_and_a_500_then_success(
    tmp_path: Path, httpserver: HTTPServer, corpus: Path
) -> None:
    body = (corpus / MEDIUM).read_bytes()
    httpserver.expect_ordered_request("/feed.rss").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/feed.rss").respond_with_data(
        "busy", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/feed.rss").respond_with_data(
        body, content_type="application/rss+xml"
    )
    config = write_project(
        tmp_path, [{"name": "medium", "type": "feed", "url": httpserver.url_for("/feed.rss")}]
    )
    started = time.monotonic()
    result = harvest(config)
    assert time.monotonic() - started >= 2.0  # the first backoff of 1s, then Retry-After 1s
    assert result.exit_code == 0, result.output
    assert "HTTP 500 INTERNAL SERVER ERROR, waiting 1.0s" in result.output
    assert "HTTP 429 TOO MANY REQUESTS, waiting 1.0s" in result.output
    assert counts(result.output, "medium") == (7, 0, 0, 0, 0, 0)


def test_source_option_limits_the_run(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    body = (corpus / MEDIUM).read_bytes()
    config = write_project(
        tmp_path,
        [
            {"name": "one", "type": "feed", "url": feeds.serve("/1.rss", body)},
            {"name": "two", "type": "feed", "url": feeds.serve("/2.rss", body), "enabled": False},
        ],
    )
    result = harvest(config)
    assert list(summary(result.output)) == ["one"]
    result = harvest(config, "--source", "two")
    assert list(summary(result.output)) == ["two"]
    assert counts(result.output, "two")[0] == 7


def test_add_story(tmp_path: Path) -> None:
    config = write_project(tmp_path, [])
    args = [
        "add", "story", "-f", str(config),
        "--url", "https://social.example/@dana/113",
        "--author", "Dana Whitfield",
        "--quote", "Tavla's reminders halved our no-shows. Write me: dana@northwind.example",
        "--date", "2025-03-04",
        "--tag", "healthcare", "--tag", "reminders",
        "--body", "Posted on our clinic's account.\n\n<b>Thanks</b> team!",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "pending review" in result.output
    path = tmp_path / "content/stories/2025-03-04-tavla-s-reminders-halved-our-no-shows.md"
    story = Item.from_text(path.read_text("utf-8"), path=path.name)
    assert story.id == "manual:https://social.example/@dana/113"
    assert story.status == "pending" and story.kind == "story"
    assert story.source.name == "manual" and story.source.url == "https://social.example/@dana/113"
    assert story.author.name == "Dana Whitfield"
    assert story.tags == ["healthcare", "reminders"]
    assert story.quote == "Tavla's reminders halved our no-shows. Write me: [email hidden]"
    assert story.body == "Posted on our clinic's account.\n\n&lt;b&gt;Thanks&lt;/b&gt; team!"
    assert story.consent is None
    # The same post captured twice is still one story.
    before = snapshot(tmp_path / "content")
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "Already captured, unchanged" in again.output
    assert snapshot(tmp_path / "content") == before


def test_add_story_rejects_bad_input(tmp_path: Path) -> None:
    config = write_project(tmp_path, [])
    base = ["add", "story", "-f", str(config), "--author", "A", "--quote", "Q"]
    result = CliRunner().invoke(main, [*base, "--url", "notaurl"])
    assert result.exit_code == 2 and "expected an http:// or https:// URL" in result.output
    result = CliRunner().invoke(main, [*base, "--url", "https://x.example/1", "--date", "March"])
    assert result.exit_code == 2 and "expected an ISO 8601 date" in result.output
    result = CliRunner().invoke(
        main, [*base, "--url", "https://x.example/1", "--language", "english please"]
    )
    assert result.exit_code == 1 and "field 'language'" in result.output
    assert not list((tmp_path / "content").rglob("*.md"))


def test_help_documents_every_option() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["harvest", "--help"]).output
    for option in ("--config", "--source", "--dry-run", "--timeout", "--retries", "--max-bytes"):
        assert option in text
    text = runner.invoke(main, ["add", "story", "--help"]).output
    for option in ("--url", "--author", "--quote", "--title", "--date", "--language", "--tag",
                   "--body", "--consent", "--author-url", "--mask"):  # fmt: skip
        assert option in text
