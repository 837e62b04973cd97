"""Kehila's build cache (``.cache/kehila/``): a warm build gives the cold build's site, byte for
byte; a page is taken from the cache only while nothing it depends on changed; an entry that is
corrupt or not the page's own is ignored and rendered again."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

import pytest
from kehila.cache import Entry, PageCache

from ..conftest import build

A = "stories/2025-05-19-volunteer-fire-brigade.md"
B = "questions/2025-02-11-recurring-shifts-timezone.md"
A_PAGE = "stories/volunteer-fire-brigade/index.html"
B_URL = "questions/recurring-shifts-dst/"


def snapshot(site: Path) -> dict[str, bytes]:
    """Every file of a site; gzip files by their content (their header holds a date)."""
    files = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            files[path.relative_to(site).as_posix()] = (
                gzip.decompress(data) if path.suffix == ".gz" else data
            )
    return files


def entries(project: Path) -> dict[str, Path]:
    """The cache's entries by the page they hold (its destination in the site)."""
    cache = PageCache(project / ".cache" / "kehila")
    found = {}
    for path in cache.pages.iterdir():
        entry = cache.get(path.name)
        assert entry is not None, f"{path.name} is not a valid entry"
        found[entry.dest_uri] = path
    return found


def set_option(project: Path, option: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - kehila:\n", f"  - kehila:\n      {option}\n", 1), "utf-8")


def mark(path: Path) -> Entry:
    """Put a marker into the page the cache entry ``path`` holds (same key): a page that shows
    it was taken from the entry. The entry as it was."""
    cache = PageCache(path.parent.parent)
    entry = cache.get(path.name)
    assert entry is not None
    marked = entry.output.replace(b"</body>", b"<!--from-the-cache--></body>")
    cache.put(path.name, Entry(entry.dest_uri, marked, entry.sitemap, entry.search))
    return entry


@pytest.fixture
def linked_demo(demo_project: Path) -> Path:
    """The demo, with item A linking to item B (both published)."""
    story = demo_project / "content" / A
    story.write_text(
        story.read_text(encoding="utf-8") + f"\nSee [the DST answer](../{B}).\n", encoding="utf-8"
    )
    return demo_project


def test_a_warm_build_is_the_cold_build_byte_for_byte(linked_demo: Path) -> None:
    cold = snapshot(build(linked_demo))
    cache = linked_demo / ".cache" / "kehila"
    assert (cache / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    stored = entries(linked_demo)
    assert A_PAGE in stored and "tags/index.html" not in stored  # pages in the nav are rendered
    warm = snapshot(build(linked_demo))
    assert warm.keys() == cold.keys()
    assert [name for name in cold if cold[name] != warm[name]] == []
    assert entries(linked_demo) == stored  # the same entries, none stored again
    # The sitemap lists the pages taken from the cache, in MkDocs' order.
    assert f"https://community.tavla.example/{B_URL}".encode() in warm["sitemap.xml"]


def test_a_page_is_taken_from_the_cache(linked_demo: Path) -> None:
    build(linked_demo)
    path = entries(linked_demo)[A_PAGE]
    mark(path)
    shutil.rmtree(linked_demo / "site")  # else the last build's copy of the page goes back
    site = build(linked_demo)
    assert b"<!--from-the-cache-->" in (site / A_PAGE).read_bytes()


def test_a_serve_between_two_builds_leaves_them_their_pages(linked_demo: Path) -> None:
    """``mkdocs serve`` gives the site another address, so other pages: its build keeps the
    entries of the last build of the site's other variant, and the next build is a warm one."""
    build(linked_demo)
    path = entries(linked_demo)[A_PAGE]
    mark(path)
    config = linked_demo / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("site_url: https://", "site_url: http://", 1), "utf-8")
    build(linked_demo)  # as serve does: another address, other pages
    assert path.is_file()
    config.write_text(text.replace("site_url: https://", "site_url: http://", 1), "utf-8")
    build(linked_demo)  # the same variant again: nothing of the first one is lost
    config.write_text(text, "utf-8")
    shutil.rmtree(linked_demo / "site")
    site = build(linked_demo)
    assert b"<!--from-the-cache-->" in (site / A_PAGE).read_bytes()


def test_serve_takes_the_preview_of_a_pending_item_from_the_cache(linked_demo: Path) -> None:
    """Under ``serve`` a pending item is previewed, as a draft page: the cache keeps it too
    (and a build, whose site never shows it, never takes it)."""
    preview = "stories/brightline-agency-books-client-workshops-in-minutes/index.html"
    cold = snapshot(build(linked_demo, serve=True))
    warm = snapshot(build(linked_demo, serve=True))
    assert [name for name in cold if cold[name] != warm[name]] == []
    assert b"Pending review" in mark(entries(linked_demo)[preview]).output
    shutil.rmtree(linked_demo / "site")
    assert b"<!--from-the-cache-->" in (build(linked_demo, serve=True) / preview).read_bytes()
    assert not (build(linked_demo) / preview).exists()


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "garbage"])
def test_a_corrupt_or_foreign_entry_is_ignored_and_rebuilt(linked_demo: Path, damage: str) -> None:
    cold = snapshot(build(linked_demo))
    stored = entries(linked_demo)
    path, other = stored[A_PAGE], stored[f"{B_URL}index.html"]
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        at = len(data) - 100
        path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    elif damage == "foreign":  # a valid entry, but another page's (and another key's)
        shutil.copy(other, path)
    else:
        path.write_bytes(b"\x00not a cache entry\n" * 10)
    shutil.rmtree(linked_demo / "site")  # else the last build's copy of the page goes back
    warm = snapshot(build(linked_demo))
    assert warm[A_PAGE] == cold[A_PAGE]
    assert [name for name in cold if cold[name] != warm[name]] == []
    assert entries(linked_demo)[A_PAGE] == path  # rendered again and stored again


def test_unpublishing_b_refreshes_a_page_that_linked_to_it(linked_demo: Path) -> None:
    site = build(linked_demo)
    assert f'href="../../{B_URL}"' in (site / A_PAGE).read_text(encoding="utf-8")
    b_file = linked_demo / "content" / B
    text = b_file.read_text(encoding="utf-8")
    assert "status: published" in text
    b_file.write_text(text.replace("status: published", "status: pending", 1), encoding="utf-8")
    site = build(linked_demo)
    html = (site / A_PAGE).read_text(encoding="utf-8")
    assert "the DST answer" in html  # A's words stay...
    assert "recurring-shifts-dst" not in html  # ...without a link to B, unpublished
    # B's old URL now says that the item was removed (the URL ledger), and shows none of it.
    removed = (site / B_URL / "index.html").read_text(encoding="utf-8")
    assert "This item was removed" in removed
    assert "Recurring shifts move by one hour" not in removed


def test_an_edit_refreshes_the_page_and_what_lists_it(linked_demo: Path) -> None:
    build(linked_demo)
    b_file = linked_demo / "content" / B
    text = b_file.read_text(encoding="utf-8")
    b_file.write_text(text + "\nA brand-new closing line.\n", encoding="utf-8")
    site = build(linked_demo)
    assert "A brand-new closing line." in (site / B_URL / "index.html").read_text("utf-8")
    fresh = snapshot(site)
    shutil.rmtree(linked_demo / ".cache")
    assert snapshot(build(linked_demo)) == fresh  # as a cold build of the edited content


def test_a_page_that_warned_is_rendered_again_and_warns_again(
    linked_demo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    story = linked_demo / "content" / A
    story.write_text(
        story.read_text(encoding="utf-8") + "\nAnd [a lost page](../nowhere.md).\n", "utf-8"
    )
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            build(linked_demo, strict=False)
        assert "nowhere.md" in caplog.text
    assert A_PAGE not in entries(linked_demo)


def test_cache_false_keeps_nothing(linked_demo: Path) -> None:
    set_option(linked_demo, "cache: false")
    cold = snapshot(build(linked_demo))
    assert not (linked_demo / ".cache").exists()
    set_option(linked_demo, "cache: true")
    assert snapshot(build(linked_demo)) == cold


def test_another_plugin_in_the_page_events_turns_the_cache_off(linked_demo: Path) -> None:
    hook = "def on_page_content(html, page, config, files):\n    return html\n"
    (linked_demo / "hook.py").write_text(hook, encoding="utf-8")
    config = linked_demo / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks: [hook.py]\n", "utf-8")
    build(linked_demo)
    assert not (linked_demo / ".cache" / "kehila" / "pages").exists()


def test_two_cold_builds_are_identical_whatever_the_day(
    linked_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dates come from the content (sitemap, feeds); gzip headers aside, nothing differs."""
    set_option(linked_demo, "cache: false")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    first = snapshot(build(linked_demo))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")
    second = snapshot(build(linked_demo))
    assert [name for name in first if first[name] != second[name]] == []
    sitemap = first["sitemap.xml"].decode("utf-8")
    assert "<lastmod>2025-05-19</lastmod>" in sitemap  # item A's date
    assert "2001-09-09" not in sitemap  # not the build's


def test_an_empty_feed_is_dated_by_the_content(
    linked_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in (linked_demo / "content" / "newsletter").glob("*.md"):
        path.unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    site = build(linked_demo)
    atom = (site / "feeds" / "newsletter.atom.xml").read_text(encoding="utf-8")
    assert "<entry>" not in atom
    newest = "2025-10-05T17:00:00"  # the newest published item of the demo, of any kind
    assert f"<updated>{newest}" in atom, atom[:600]


def test_pages_markdown_kept_for_another_process_gives_the_same_site(linked_demo: Path) -> None:
    """Pages rendered by MkDocs from the Markdown the cache kept (markers are per process)."""
    from kehila.pages import marker_nonce, use_marker_nonce

    cold = snapshot(build(linked_demo))
    cache = linked_demo / ".cache" / "kehila"
    assert (cache / "pages-markdown.pickle").is_file() and (cache / "feeds.pickle").is_file()
    shutil.rmtree(cache / "pages")
    nonce = marker_nonce()
    use_marker_nonce("0123456789ab")
    try:
        warm = snapshot(build(linked_demo))
    finally:
        use_marker_nonce(nonce)
    assert [name for name in cold if cold[name] != warm.get(name)] == []


def test_the_search_index_is_kept_and_a_damaged_copy_is_not_used(linked_demo: Path) -> None:
    cold = snapshot(build(linked_demo))
    kept = linked_demo / ".cache" / "kehila" / "search-index"
    assert (kept / "manifest.json").is_file()
    assert snapshot(build(linked_demo)) == cold  # taken from the cache
    damaged = next(p for p in sorted((kept / "files").rglob("*.json")))
    damaged.unlink()
    damaged.write_text('{"damaged": true}', encoding="utf-8")
    assert snapshot(build(linked_demo)) == cold  # written again
