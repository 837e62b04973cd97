"""Feeds per tag and per language (issue 17), parsed the way feed readers parse them.

Each tag's feeds are checked against the tag's own page in the built demo hub: the same items,
newest first, up to ``feeds_max``, every kind mixed and each entry saying its kind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from bs4 import BeautifulSoup
from kehila.content import load_catalog

from ..conftest import ROOT, build, write_files
from ..projects import story_file, write_project

SITE_URL = "https://community.tavla.example/"
FORMATS = ("atom.xml", "rss.xml", "json")


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def _tag_pages(site: Path) -> list[Path]:
    pages = sorted(p for p in (site / "tags").glob("*/index.html"))
    assert len(pages) >= 5
    return pages


def _entries(path: Path) -> list[tuple[str, str]]:
    """(link, kind) of every entry of a feed file, in order."""
    if path.suffix == ".json":
        feed = json.loads(path.read_text("utf-8"))
        return [(item["url"], item["_kehila"]["kind"]) for item in feed["items"]]
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    found = []
    for entry in parsed.entries:
        kinds = [t.term for t in entry.get("tags", []) if (t.scheme or "").endswith("#kind")]
        assert len(kinds) == 1, (path, entry.title)
        found.append((entry.link, kinds[0]))
    return found


def test_each_tag_feed_holds_its_tag_pages_items(demo_site: Path) -> None:
    kinds = {item.title: item.kind for item in load_catalog(ROOT / "content").public()}
    for page in _tag_pages(demo_site):
        slug = page.parent.name
        soup = _soup(page)
        base = f"{SITE_URL}tags/{slug}/"
        listed = [urljoin(base, a["href"]) for a in soup.select("a.kehila-row__title")]
        titles = [a.get_text() for a in soup.select("a.kehila-row__title")]
        # The page lists the items by kind; the feed by date. Same items, each kind as on the page.
        expected = dict(zip(listed, (kinds[t] for t in titles), strict=True))
        alternates = {link["href"] for link in soup.select('link[rel~="alternate"][type]')}
        assert alternates == {f"../../feeds/tags/{slug}.{fmt}" for fmt in FORMATS}, slug
        visible = {a["href"] for a in soup.select(".kehila-feeds a")}
        assert visible == alternates
        for fmt in FORMATS:
            entries = _entries(demo_site / "feeds" / "tags" / f"{slug}.{fmt}")
            assert dict(entries) == expected, (slug, fmt)


def test_tag_feed_entries_newest_first_with_absolute_urls(demo_site: Path) -> None:
    parsed = feedparser.parse((demo_site / "feeds/tags/reminders.atom.xml").read_bytes())
    dates = [e.published_parsed for e in parsed.entries]
    assert dates == sorted(dates, reverse=True)
    assert {t for e in parsed.entries for t in (e.tags or []) if t.term in ("story", "qa")}
    for entry in parsed.entries:
        html = BeautifulSoup(entry.content[0].value, "html.parser")
        for node in html.select("[href], [src]"):
            url = node.get("href") or node.get("src")
            assert url.startswith(("https://", "http://", "mailto:")), (entry.title, url)


def test_language_feeds_hold_that_languages_items(demo_site: Path) -> None:
    public = load_catalog(ROOT / "content").public()
    languages = sorted({item.language for item in public})
    assert "he" in languages
    for language in languages:
        expected = [i.title for i in public if i.language == language][:20]
        for fmt in FORMATS:
            path = demo_site / "feeds" / "languages" / f"{language}.{fmt}"
            if fmt == "json":
                feed = json.loads(path.read_text("utf-8"))
                assert feed["language"] == language
                titles = [item["title"] for item in feed["items"]]
            else:
                parsed = feedparser.parse(path.read_bytes())
                titles = [e.title for e in parsed.entries]
            assert titles == expected, (language, fmt)


def test_feeds_page_lists_every_feed(demo_site: Path) -> None:
    page = demo_site / "feeds" / "index.html"
    soup = _soup(page)
    linked = {
        (page.parent / a["href"]).resolve().relative_to(demo_site.resolve()).as_posix()
        for a in soup.select(".kehila-feed-list a")
    }
    written = {
        p.relative_to(demo_site).as_posix()
        for p in (demo_site / "feeds").rglob("*")
        if p.is_file() and p.name != "index.html"
    }
    assert linked == written
    # Linked from the stories index (with the Embed page) and from the wall.
    stories = _soup(demo_site / "stories" / "index.html")
    assert stories.select_one("a[href='../feeds/']")
    assert stories.select_one("a[href='embed/']")
    wall = _soup(demo_site / "stories" / "wall" / "index.html")
    assert wall.select_one("a[href='../embed/']")


def test_feeds_max_and_absolute_links(tmp_path: Path) -> None:
    write_project(tmp_path, plugin={"feeds_max": 2})
    body = "See [the other one](s1.md), [a page](../about.md#team) and ![a chart](chart.png)."
    files = {
        f"content/stories/s{n}.md": story_file(n, tags=["shared", f"only-{n}"], body=body)
        for n in (1, 2, 3)
    }
    files["content/about.md"] = "# About\n"
    files["content/stories/chart.png"] = "png"
    write_files(tmp_path, files)
    site = build(tmp_path)
    parsed = feedparser.parse((site / "feeds/tags/shared.atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["Story 3", "Story 2"]
    assert len(feedparser.parse((site / "feeds/languages/en.rss.xml").read_bytes()).entries) == 2
    html = BeautifulSoup(parsed.entries[0].content[0].value, "html.parser")
    urls = [node.get("href") or node.get("src") for node in html.select("[href], [src]")]
    assert urls == [
        "https://hub.example/stories/story-1/",
        "https://hub.example/about/#team",
        "https://hub.example/stories/chart.png",
    ]
    assert (site / "stories" / "chart.png").is_file()
    assert "Success story" in parsed.entries[0].content[0].value


@pytest.mark.parametrize(
    ("options", "absent"),
    [
        ({"feeds_tags": False}, "feeds/tags"),
        ({"feeds_languages": False}, "feeds/languages"),
        ({"feeds_page": False}, "feeds/index.html"),
    ],
)
def test_feed_options_switch_parts_off(tmp_path: Path, options: dict, absent: str) -> None:
    write_project(tmp_path, plugin=options)
    write_files(
        tmp_path,
        {
            "content/questions/q.md": """
                ---
                id: q1
                kind: qa
                status: published
                title: A question
                date: 2025-01-01
                language: en
                tags: [api]
                answers: [{accepted: true, author: Eli, body: Like this.}]
                ---
                How?
                """
        },
    )
    site = build(tmp_path)
    assert (site / "feeds" / "questions.atom.xml").is_file()
    assert not (site / absent).exists()


def test_each_items_feed_html_is_converted_once(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item in a section's feed and in tag and language feeds is converted once (the kind's
    label apart, once per kind), and the feeds are those a conversion per feed gave."""
    from kehila import feeds

    converted: list[str] = []
    convert = feeds._html

    def counting(text: str, absolute: object = None) -> str:
        if not re.fullmatch(r"\*[^*\n]+\*\n", text):  # not a label
            converted.append(text)
        return convert(text, absolute)

    monkeypatch.setattr(feeds, "_html", counting)
    set_option = demo_project / "mkdocs.yml"
    set_option.write_text(
        set_option.read_text("utf-8").replace("  - kehila:\n", "  - kehila:\n      cache: false\n"),
        encoding="utf-8",
    )
    site = build(demo_project)
    public = load_catalog(demo_project / "content").public()
    assert len(converted) == len(set(converted)) == len(public)
    mixed = json.loads((site / "feeds" / "languages" / "en.json").read_text("utf-8"))["items"]
    for entry in mixed:
        kind = {"story": "Success story", "qa": "Question", "newsletter": "Newsletter issue"}
        assert entry["content_html"].startswith(f"<p><em>{kind[entry['_kehila']['kind']]}</em></p>")
