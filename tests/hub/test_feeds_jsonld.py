"""Feeds and structured data of the demo hub, parsed back the way readers and crawlers do."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from kehila.content import load_catalog

from ..conftest import ROOT

SITE_URL = "https://community.tavla.example/"
SECTIONS = {"stories": "story", "questions": "qa", "newsletter": "newsletter"}


def public(kind: str):
    return load_catalog(ROOT / "content").public(kind)


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("fmt", ["atom.xml", "rss.xml"])
def test_xml_feeds_parse_cleanly_with_absolute_urls(demo_site: Path, section: str, fmt: str):
    parsed = feedparser.parse((demo_site / "feeds" / f"{section}.{fmt}").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if fmt == "atom.xml" else "rss20")
    assert parsed.feed.title.startswith("Tavla Community Hub")
    assert parsed.feed.link == f"{SITE_URL}{section}/"
    items = public(SECTIONS[section])
    assert [e.title for e in parsed.entries] == [i.title for i in items]
    for entry, item in zip(parsed.entries, items, strict=True):
        assert entry.link.startswith(SITE_URL), entry.link
        assert entry.id.startswith(SITE_URL)
        assert entry.published_parsed[:3] == item.date.timetuple()[:3]
        assert entry.content[0].value.strip()
    # Self link: feed readers need it to find the feed again.
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links.get("self") == f"{SITE_URL}feeds/{section}.{fmt}"


@pytest.mark.parametrize("section", SECTIONS)
def test_json_feed(demo_site: Path, section: str) -> None:
    feed = json.loads((demo_site / "feeds" / f"{section}.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == f"{SITE_URL}feeds/{section}.json"
    assert feed["home_page_url"] == f"{SITE_URL}{section}/"
    items = public(SECTIONS[section])
    assert [i["title"] for i in feed["items"]] == [i.title for i in items]
    for entry in feed["items"]:
        assert entry["url"].startswith(SITE_URL) and entry["id"] == entry["url"]
        assert entry["content_html"] and entry["date_published"]


def test_story_feed_carries_the_disclosure(demo_site: Path) -> None:
    parsed = feedparser.parse((demo_site / "feeds" / "stories.atom.xml").read_bytes())
    brigade = next(e for e in parsed.entries if "fire brigade" in e.title)
    assert "Disclosure" in brigade.content[0].value
    assert "free product" in brigade.content[0].value


def json_ld(html_path: Path) -> list[dict]:
    soup = BeautifulSoup(html_path.read_text("utf-8"), "html.parser")
    return [json.loads(s.string) for s in soup.select('script[type="application/ld+json"]')]


def by_type(data: list[dict], kind: str) -> dict:
    found = [d for d in data if d["@type"] == kind]
    assert len(found) == 1, [d["@type"] for d in data]
    assert found[0]["@context"] == "https://schema.org"
    return found[0]


def test_question_is_a_qapage_with_accepted_answer(demo_site: Path) -> None:
    data = json_ld(demo_site / "questions" / "ical-subscription" / "index.html")
    page = by_type(data, "QAPage")
    question = page["mainEntity"]
    assert question["@type"] == "Question"
    assert question["name"] == "Can I subscribe to my shifts from Google Calendar?"
    assert question["answerCount"] >= 1 and question["text"] and question["dateCreated"]
    assert question["author"]["name"] == "octo-nurse"
    accepted = question["acceptedAnswer"]
    assert accepted["@type"] == "Answer"
    assert accepted["text"].startswith("Yes. Every member has a private iCalendar link")
    assert accepted["author"] == {
        "@type": "Person",
        "name": "maintainer-ari",
        "url": "https://github.com/maintainer-ari",
    }
    assert accepted["url"].startswith("https://github.com/tavla/tavla/discussions/88")
    assert accepted["upvoteCount"] == 9


def test_story_is_a_creative_work_quote_without_ratings(demo_site: Path) -> None:
    path = demo_site / "stories" / "northwind-clinics-no-shows" / "index.html"
    data = json_ld(path)
    story = by_type(data, "Article")
    assert story["headline"].startswith("How Northwind Clinics")
    assert story["url"] == f"{SITE_URL}stories/northwind-clinics-no-shows/"
    assert story["datePublished"].startswith("2025-03-04")
    assert story["author"]["name"] == "Dana Whitfield"
    quote = story["hasPart"]
    assert quote["@type"] == "Quotation" and quote["text"].startswith("We stopped chasing")
    assert quote["creator"]["name"] == "Dana Whitfield"
    text = path.read_text("utf-8")
    for rating in ("reviewRating", "aggregateRating", "ratingValue"):
        assert rating not in text


def test_newsletter_issue_is_a_blog_posting(demo_site: Path) -> None:
    data = json_ld(demo_site / "newsletter" / "2025" / "tavla-he-3" / "index.html")
    post = by_type(data, "BlogPosting")
    assert post["headline"].startswith("עיתון Tavla")
    assert post["inLanguage"] == "he"
    assert post["datePublished"].startswith("2025-09-01")
    assert post["url"] == post["mainEntityOfPage"] == f"{SITE_URL}newsletter/2025/tavla-he-3/"
    assert post["publisher"]["name"] == "Tavla Community Hub"


def test_breadcrumbs_lead_from_home_to_the_page(demo_site: Path) -> None:
    data = json_ld(demo_site / "newsletter" / "2025" / "tavla-notes-12" / "index.html")
    crumbs = by_type(data, "BreadcrumbList")["itemListElement"]
    assert [c["position"] for c in crumbs] == [1, 2, 3, 4]
    assert [c["item"] for c in crumbs] == [
        SITE_URL,
        f"{SITE_URL}newsletter/",
        f"{SITE_URL}newsletter/2025/",
        f"{SITE_URL}newsletter/2025/tavla-notes-12/",
    ]
    assert crumbs[0]["name"] == "Tavla Community Hub"
    index = json_ld(demo_site / "stories" / "index.html")
    assert [c["item"] for c in by_type(index, "BreadcrumbList")["itemListElement"]] == [
        SITE_URL,
        f"{SITE_URL}stories/",
    ]


def test_json_ld_cannot_close_its_script_element() -> None:
    from kehila.jsonld import script_tags

    html = script_tags([{"text": "</script><script>alert(1)</script>"}])
    assert html.count("</script>") == 1
    assert json.loads(html.split(">", 1)[1].rsplit("<", 1)[0]) == {
        "text": "</script><script>alert(1)</script>"
    }


def test_feed_readers_discover_the_feeds(demo_site: Path) -> None:
    home = BeautifulSoup((demo_site / "index.html").read_text("utf-8"), "html.parser")
    links = home.select('link[rel~="alternate"][type]')
    assert {link["href"] for link in links} == {
        f"feeds/{section}.{ext}" for section in SECTIONS for ext in ("atom.xml", "rss.xml", "json")
    }
    assert {link["type"] for link in links} == {
        "application/atom+xml",
        "application/rss+xml",
        "application/feed+json",
    }
    index = BeautifulSoup(
        (demo_site / "questions" / "index.html").read_text("utf-8"), "html.parser"
    )
    hrefs = [link["href"] for link in index.select('link[rel~="alternate"][type]')]
    assert hrefs == [f"../feeds/questions.{ext}" for ext in ("atom.xml", "rss.xml", "json")]
    story = demo_site / "stories" / "kodlab-zayavki" / "index.html"
    assert 'rel="alternate feed" type="application' not in story.read_text("utf-8")
