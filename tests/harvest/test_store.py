"""The store's rules, end to end: ``kehila harvest`` on a real feed served over HTTP.

Feed: ``feeds/rss-parser/content-encoded.rss``, a Medium publication feed captured by
rbren/rss-parser (MIT; see corpus/SOURCES.md). "Upstream changed" is that same feed with one
entry's text edited, as a publisher would.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from kehila.harvest.store import ItemStore, Outcome
from kehila.model import Item

from .conftest import MEDIUM, FeedServer, counts, harvest, snapshot, write_project

# Only one entry of the Medium feed ("Lamb’s Quarter: My Favorite Wild Green.",
# medium.com/p/4d7c4321674) has this word, in its title, description and content:encoded.
PHRASE = "Lamb"
CHANGED_ID = "feed:letters:https://medium.com/p/4d7c4321674"


@pytest.fixture
def hub(tmp_path: Path, feeds: FeedServer, corpus: Path) -> tuple[Path, bytes]:
    body = (corpus / MEDIUM).read_bytes()
    url = feeds.serve("/feed.rss", body)
    config = write_project(
        tmp_path, [{"name": "letters", "type": "feed", "url": url, "kind": "newsletter"}]
    )
    return config, body


def _files(config: Path) -> dict[str, Item]:
    content = config.parent / "content"
    return {
        p.relative_to(content).as_posix(): Item.from_text(p.read_text("utf-8"), path=p.name)
        for p in sorted(content.rglob("*.md"))
        if ".kehila" not in p.relative_to(content).parts  # harvest state, not items
    }


def _file_of(config: Path, item_id: str) -> Path:
    content = config.parent / "content"
    for path in content.rglob("*.md"):
        if Item.from_text(path.read_text("utf-8"), path=path.name).id == item_id:
            return path
    raise AssertionError(f"no file for {item_id}")


def _without_flag(text: str) -> str:
    return re.sub(r"^  upstream_changed: .*\n", "", text, flags=re.MULTILINE)


def test_first_harvest_writes_pending_items_with_stable_names(hub, feeds) -> None:
    config, _ = hub
    result = harvest(config)
    assert result.exit_code == 0, result.output
    files = _files(config)
    assert len(files) == 7
    assert all(item.status == "pending" and item.kind == "newsletter" for item in files.values())
    # File names come from date and slug; the two issues with the same title get a suffix.
    # (The feed lists the newest first, so the older issue gets the suffix.)
    assert "newsletter/2018-01-05-wild-flavors-all-year-round.md" in files
    assert "newsletter/2017-12-01-wild-flavors-all-year-round-2.md" in files
    slugs = [item.slug for item in files.values()]
    assert len(set(slugs)) == 7
    assert "wild-flavors-all-year-round-2" in slugs
    for name, item in files.items():
        assert name.endswith(f"-{item.slug}.md")
        assert item.source.digest.startswith("sha256:")
        assert item.digest() == item.source.digest
    assert counts(result.output, "letters") == (7, 0, 0, 0, 0, 0)


def test_second_run_rewrites_nothing(hub, feeds) -> None:
    config, _ = hub
    harvest(config)
    before = snapshot(config.parent / "content")
    # Without the remembered ETag the feed is fetched and parsed again in full...
    (config.parent / "content/.kehila/http-state.json").unlink()
    result = harvest(config)
    assert result.exit_code == 0
    assert counts(result.output, "letters") == (0, 0, 7, 0, 0, 0)
    assert snapshot(config.parent / "content") == before
    # ... and with it, an unchanged feed costs one 304.
    result = harvest(config)
    assert feeds.statuses[-1] == ("/feed.rss", 304)
    assert "not modified" in result.output
    assert snapshot(config.parent / "content") == before


def test_upstream_change_updates_an_untouched_pending_file(hub, feeds) -> None:
    config, body = hub
    harvest(config)
    path = _file_of(config, CHANGED_ID)
    key = f"newsletter/{path.name}"
    others = {k: v for k, v in snapshot(config.parent / "content").items() if k != key}
    feeds.serve("/feed.rss", body.replace(PHRASE.encode(), b"Goosefoot"))
    result = harvest(config)
    assert counts(result.output, "letters") == (0, 1, 6, 0, 0, 0)
    updated = Item.from_text(path.read_text("utf-8"), path=path.name)
    assert "Goosefoot" in updated.body
    assert updated.digest() == updated.source.digest
    after = snapshot(config.parent / "content")
    assert {k: v for k, v in after.items() if k != key} == others


def test_title_change_upstream_keeps_file_name_and_slug(hub, feeds) -> None:
    config, body = hub
    harvest(config)
    before = set(_files(config))
    feeds.serve(
        "/feed.rss",
        body.replace(b"Eight Reasons You Shouldn\xe2\x80\x99t Grow", b"Nine Reasons Not to Grow"),
    )
    harvest(config)
    files = _files(config)
    assert set(files) == before
    item = files["newsletter/2018-03-13-eight-reasons-you-shouldn-t-grow-your-own-food.md"]
    assert item.title == "Nine Reasons Not to Grow Your Own Food"
    assert item.slug == "eight-reasons-you-shouldn-t-grow-your-own-food"


def test_editor_edit_survives_reharvest(hub, feeds) -> None:
    config, body = hub
    harvest(config)
    path = _file_of(config, CHANGED_ID)
    edited = path.read_text("utf-8").replace("My Favorite Wild Green", "A green, by our editor", 1)
    path.write_text(edited, encoding="utf-8")
    feeds.serve("/feed.rss", body.replace(PHRASE.encode(), b"Goosefoot"))
    result = harvest(config)
    assert counts(result.output, "letters") == (0, 0, 6, 1, 0, 0)
    assert "edited by an editor; upstream changed" in result.output
    assert f"content/newsletter/{path.name}" in result.output
    # The editor's text is intact; the only addition is the desk's "look at upstream" flag.
    flagged = path.read_text("utf-8")
    assert _without_flag(flagged) == edited
    assert Item.from_text(flagged, path=path.name).source.extra["upstream_changed"]
    # Further runs leave the flagged file alone, byte for byte.
    before = snapshot(config.parent / "content")
    (config.parent / "content/.kehila/http-state.json").unlink()
    result = harvest(config)
    assert counts(result.output, "letters") == (0, 0, 6, 1, 0, 0)
    assert snapshot(config.parent / "content") == before


@pytest.mark.parametrize("status", ["published", "rejected"])
def test_reviewed_items_are_never_overwritten(hub, feeds, status: str) -> None:
    config, body = hub
    harvest(config)
    path = _file_of(config, CHANGED_ID)
    text = path.read_text("utf-8").replace("status: pending", f"status: {status}", 1)
    path.write_text(text, encoding="utf-8")
    # Pretend the review happened through the editor's desk, which refreshes nothing else.
    feeds.serve("/feed.rss", body.replace(PHRASE.encode(), b"Goosefoot"))
    result = harvest(config)
    assert _without_flag(path.read_text("utf-8")) == text
    assert Item.from_text(path.read_text("utf-8"), path=path.name).status == status
    flagged = "upstream_changed" in path.read_text("utf-8")
    assert flagged == (status == "published")  # a rejected item is not worth a flag
    assert f"status is {status}; upstream changed" in result.output
    assert counts(result.output, "letters") == (0, 0, 6, 1, 0, 0)
    assert len(_files(config)) == 7


def test_rejected_item_is_not_resurrected_when_upstream_is_unchanged(hub) -> None:
    config, _ = hub
    harvest(config)
    path = _file_of(config, CHANGED_ID)
    text = path.read_text("utf-8").replace("status: pending", "status: rejected", 1)
    path.write_text(text, encoding="utf-8")
    (config.parent / "content/.kehila/http-state.json").unlink()
    harvest(config)
    assert path.read_text("utf-8") == text
    assert len(_files(config)) == 7


def test_dry_run_writes_nothing(hub, feeds) -> None:
    config, _ = hub
    result = harvest(config, "--dry-run")
    assert result.exit_code == 0
    assert "dry run: nothing written" in result.output
    assert counts(result.output, "letters") == (7, 0, 0, 0, 0, 0)
    assert not list((config.parent / "content").rglob("*"))
    # Nor is the ETag remembered: a real run then fetches in full.
    harvest(config)
    assert feeds.statuses[-1] == ("/feed.rss", 200)
    assert len(_files(config)) == 7


def test_store_reports_duplicates_and_keeps_unreadable_files(hub, tmp_path: Path) -> None:
    config, _ = hub
    harvest(config)
    path = _file_of(config, CHANGED_ID)
    item = Item.from_text(path.read_text("utf-8"), path=path.name)
    # An editor broke the YAML: the id still owns the file, nothing is created beside it.
    path.write_text(path.read_text("utf-8").replace("status: pending", "status: [oops"), "utf-8")
    store = ItemStore(config.parent / "content")
    item.body = "changed upstream"
    result = store.put(item)
    assert result.outcome is Outcome.KEPT
    assert "file cannot be read" in result.reason
    again = store.put(item)
    assert again.outcome is Outcome.SKIPPED
    assert len(list((config.parent / "content").rglob("*.md"))) == 7


def test_undated_entries_keep_their_first_date(tmp_path: Path, feeds, corpus: Path) -> None:
    # RSS 0.92 sample without item dates (rbren/rss-parser, MIT): the harvest date is used once.
    body = (corpus / "feeds/rss-parser/narro.rss").read_bytes()
    url = feeds.serve("/narro.rss", body)
    config = write_project(tmp_path, [{"name": "narro", "type": "feed", "url": url}])
    harvest(config)
    before = snapshot(tmp_path / "content")
    assert before
    os.remove(tmp_path / "content/.kehila/http-state.json")
    result = harvest(config)
    assert counts(result.output, "narro")[:3] == (0, 0, len(before))
    assert snapshot(tmp_path / "content") == before
