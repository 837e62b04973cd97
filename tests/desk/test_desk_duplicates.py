"""Duplicate detection and `kehila review merge`, on real near-duplicates from the corpus.

Corpus: feeds/rss-parser/feedburner.atom, a Blogger feed served through FeedBurner, captured by
the rss-parser project (rbren/rss-parser:test/input/feedburner.atom, MIT; see SOURCES.md).
FeedBurner republishes each post under a feedproxy URL and appends a tracking pixel; the blog's
own feed carries the same post under its original URL (``feedburner:origLink``) without it. The
same post arriving both ways is the "same feed via two URLs" case. Entries 3 and 10 are two
different posts by the same author written from one template (two sunset reminders): similar,
but not duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import feedparser
import markdownify
import nh3
import pytest
from kehila.model import Item, Person, Provenance

from .conftest import read

FEED = "feeds/rss-parser/feedburner.atom"
_PIXEL = re.compile(r'<img[^>]*src="https?://feeds\.feedburner\.com/[^"]*"[^>]*>')


def _item(entry, *, name: str, url: str, html: str) -> Item:
    published = dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC)
    return Item(
        id=f"feed:{name}:{entry.id}",
        kind="story",
        status="pending",
        title=entry.title,
        date=published,
        language="en",
        tags=["ads"],
        body=markdownify.markdownify(nh3.clean(html), heading_style="ATX").strip(),
        author=Person(entry.author),
        source=Provenance(
            name=name,
            type="feed",
            url=url,
            harvested=dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC),
        ),
    )


@pytest.fixture
def feed_items(project: Path, corpus: Path) -> dict[str, Item]:
    """Three items written into the demo content: one post twice (two URLs), and its sibling."""
    entries = feedparser.parse((corpus / FEED).read_bytes()).entries
    post, sibling = entries[3], entries[10]
    html = post.content[0].value
    assert _PIXEL.search(html), "the FeedBurner copy carries the tracking pixel"
    items = {
        "proxy": _item(post, name="ads-feedburner", url=post.link, html=html),
        "origin": _item(
            post, name="ads-blog", url=post.feedburner_origlink, html=_PIXEL.sub("", html)
        ),
        "sibling": _item(
            sibling, name="ads-feedburner", url=sibling.link, html=sibling.content[0].value
        ),
    }
    for key, item in items.items():
        item.validate()
        item.path = f"stories/ads-{key}.md"
        (project / "content" / item.path).write_text(item.to_text(), encoding="utf-8")
    assert items["proxy"].body != items["origin"].body
    return items


def _duplicates(kehila, *args: str) -> dict[str, list[dict]]:
    result = kehila("review", "--json", "--flag", "duplicate", *args)
    assert result.exit_code == 0, result.output
    return {i["id"]: i["duplicates"] for i in json.loads(result.stdout)}


def test_the_same_post_from_two_urls_is_flagged_and_its_sibling_is_not(kehila, feed_items):
    proxy, origin = feed_items["proxy"].id, feed_items["origin"].id
    assert _duplicates(kehila) == {
        proxy: [{"id": origin, "similarity": 100.0}],
        origin: [{"id": proxy, "similarity": 100.0}],
    }
    table = kehila("review").stdout
    assert re.search(r"\nads-proxy .*\[duplicate\?\]", table)


def test_a_lower_threshold_also_flags_the_templated_sibling(kehila, feed_items):
    found = _duplicates(kehila, "--threshold", "90")
    sibling = found[feed_items["sibling"].id]
    assert {d["id"] for d in sibling} == {feed_items["proxy"].id, feed_items["origin"].id}
    assert all(90 <= d["similarity"] < 95 for d in sibling)


def test_show_names_the_possible_duplicate(kehila, feed_items):
    shown = kehila("review", "show", feed_items["proxy"].id).stdout
    assert f"Possible duplicate    {feed_items['origin'].id} (similarity 100%)" in shown


def test_merge_keeps_one_item_with_both_sources_provenance(kehila, project, feed_items):
    keep, other = feed_items["proxy"], feed_items["origin"]
    kept_before, other_before = read(project, keep.path), read(project, other.path)
    # Only the blog's copy got the author's consent: the kept item takes it over.
    assert (
        kehila(
            "review",
            "consent",
            other.id,
            "--method",
            "public-post",
            "--date",
            "2016-05-19",
            "--url",
            other.source.url,
        ).exit_code
        == 0
    )
    result = kehila("review", "merge", keep.id, other.id)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"merged {other.id} into {keep.id}; took consent from it; "
        f"content/{other.path} is now rejected.\n"
    )
    kept = read(project, keep.path)
    stamp = re.search(r"\n  date: (\S+)\n  source:\n", kept).group(1)
    assert kept == kept_before.replace(
        "source:\n",
        "consent:\n"
        "  method: public-post\n"
        "  date: 2016-05-19T00:00:00Z\n"
        f"  url: {other.source.url}\n"
        "merged:\n"
        f"- id: {other.id}\n"
        f"  date: {stamp}\n"
        "  source:\n"
        "    name: ads-blog\n"
        "    type: feed\n"
        f"    url: {other.source.url}\n"
        "    harvested: '2026-11-01T06:00:00Z'\n"
        "source:\n",
        1,
    )
    retired = read(project, other.path)
    assert "status: rejected\n" in retired
    assert f"rejected:\n  reason: duplicate, merged into {keep.id}\n  date: {stamp}\n" in retired
    assert f"merged_into: {keep.id}\nsource:\n" in retired
    assert retired.split("\n---\n", 1)[1] == other_before.split("\n---\n", 1)[1]  # body untouched
    # No longer flagged; merging again changes nothing.
    assert _duplicates(kehila) == {}
    assert kehila("review", "merge", keep.id, other.id).exit_code == 0
    assert read(project, keep.path) == kept
    shown = kehila("review", "show", keep.id).stdout
    assert f"Merged from           {other.id} {other.source.url}" in shown


def test_merge_refuses_an_item_already_merged_elsewhere(kehila, feed_items):
    proxy, origin, sibling = (feed_items[k].id for k in ("proxy", "origin", "sibling"))
    assert kehila("review", "merge", proxy, origin).exit_code == 0
    result = kehila("review", "merge", sibling, origin)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {origin} was already merged into {proxy}\n"
