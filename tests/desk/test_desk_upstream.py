"""Upstream changes are findable: every status listed, the upstream version kept, diff, decide."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from kehila.harvest.store import ItemStore, Outcome
from kehila.model import Item, Person, Provenance

from ..conftest import build


def _harvested(body: str, *, when: dt.datetime) -> Item:
    return Item(
        id="feed:blog:42",
        kind="story",
        status="pending",
        title="The clinic that stopped losing Mondays",
        date=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        language="en",
        tags=["healthcare"],
        body=body,
        author=Person(name="Dana W."),
        quote="Mondays are full again.",
        source=Provenance(name="blog", type="feed", url="https://blog.example/42", harvested=when),
    )


FIRST = dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 8, 6, tzinfo=dt.UTC)


@pytest.fixture
def published(kehila, project) -> Path:
    """A harvested story an editor published (and retitled), then changed upstream."""
    content = project / "content"
    result = ItemStore(content).put(_harvested("Upstream text, first version.", when=FIRST))
    assert result.outcome is Outcome.NEW
    ident = "feed:blog:42"
    for args in (
        ("consent", ident, "--method", "public-post", "--date", "2026-11-02"),
        ("disclose", ident, "none"),
        ("edit", ident, "--title", "Mondays, full again"),
        ("approve", ident),
    ):
        assert kehila("review", *args).exit_code == 0
    again = ItemStore(content).put(_harvested("Upstream text, second version.", when=LATER))
    assert again.outcome is Outcome.KEPT
    return result.path


def test_flag_upstream_lists_items_of_every_status(kehila, published):
    listed = json.loads(kehila("review", "--json", "--flag", "upstream").stdout)
    assert [(i["id"], i["status"], i["flags"]) for i in listed] == [
        ("feed:blog:42", "published", ["upstream"])
    ]
    table = kehila("review", "--flag", "upstream").stdout
    assert "published" in table
    assert table.splitlines()[-1].startswith("1 item of any status (flags: 1 upstream)")
    # The plain queue still lists pending items only.
    assert "feed:blog:42" not in kehila("review", "--json").stdout


def test_the_upstream_version_is_kept_under_kehila_and_never_published(project, published):
    copy = project / "content" / ".kehila" / "upstream" / published.relative_to(project / "content")
    upstream = Item.from_text(copy.read_text(encoding="utf-8"), path=str(copy))
    assert upstream.body == "Upstream text, second version."
    assert upstream.status == "pending"
    current = Item.from_text(published.read_text(encoding="utf-8"), path=str(published))
    assert current.body == "Upstream text, first version."
    assert current.source.extra["upstream_changed"] == "2026-11-08T06:00:00Z"
    site = build(project)
    for page in site.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".xml", ".json", ".txt"):
            assert "second version" not in page.read_text(encoding="utf-8", errors="replace"), page


def test_show_displays_what_changed_upstream(kehila, published):
    shown = kehila("review", "show", "feed:blog:42").stdout
    assert "Changed upstream" in shown
    assert "-Upstream text, first version." in shown
    assert "+Upstream text, second version." in shown
    assert "-title: Mondays, full again" in shown  # the editor's title against upstream's
    assert "kehila review accept-upstream feed:blog:42" in shown
    assert "kehila review keep-mine feed:blog:42" in shown


def test_accept_upstream_takes_it_and_keeps_the_editors_decisions(kehila, project, published):
    result = kehila("review", "accept-upstream", "feed:blog:42")
    assert result.exit_code == 0, result.output
    item = Item.from_text(published.read_text(encoding="utf-8"), path=str(published))
    assert item.body == "Upstream text, second version."
    assert item.title == "The clinic that stopped losing Mondays"
    assert (item.status, item.consent.method, item.disclosure.type) == (
        "published", "public-post", "none"
    )  # fmt: skip
    assert "upstream_changed" not in item.source.extra
    assert not kehila("review", "--json", "--flag", "upstream").stdout.strip("[]\n")
    assert list((project / "content" / ".kehila" / "upstream").rglob("*.md")) == []
    # The fingerprint is upstream's: the same upstream again changes nothing.
    again = ItemStore(project / "content").put(
        _harvested("Upstream text, second version.", when=LATER + dt.timedelta(days=1))
    )
    assert again.outcome is Outcome.UNCHANGED


def test_keep_mine_dismisses_the_upstream_version(kehila, project, published):
    before = published.read_text(encoding="utf-8")
    result = kehila("review", "keep-mine", "feed:blog:42")
    assert result.exit_code == 0, result.output
    after = published.read_text(encoding="utf-8")
    assert "upstream_changed" not in after
    assert "Upstream text, first version." in after

    # The fingerprints (digest, and harvest's versioned upstream) become the upstream version's.
    def fingerprints_out(text: str) -> list[str]:
        return [
            line
            for line in text.splitlines()
            if "digest:" not in line and not line.startswith("  upstream: v")
        ]

    kept = fingerprints_out(before)
    assert fingerprints_out(after) == [line for line in kept if "upstream_changed:" not in line]
    assert list((project / "content" / ".kehila" / "upstream").rglob("*.md")) == []
    # Until upstream changes again, harvest leaves the item alone, without a flag.
    store = ItemStore(project / "content")
    assert store.put(_harvested("Upstream text, second version.", when=LATER)).outcome is (
        Outcome.UNCHANGED
    )
    third = ItemStore(project / "content")
    assert third.put(_harvested("A third version.", when=LATER)).outcome is Outcome.KEPT
    assert "upstream_changed" in published.read_text(encoding="utf-8")
    assert kehila("review", "keep-mine", "nope:1").exit_code == 1


def test_nothing_waits_for_an_item_without_an_upstream_version(kehila):
    result = kehila("review", "accept-upstream", "csv:autumn-survey:row-4")
    assert result.exit_code == 1
    assert "no upstream version is waiting" in result.stderr
