"""Real MkDocs builds of the hub: trust rules, only-published, options, links that never break."""

from __future__ import annotations

import gc
import gzip
import json
import logging
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from kehila.content import load_catalog
from mkdocs.exceptions import Abort

from ..conftest import ROOT, build, write_files


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def site_texts(site: Path):
    """(path, text) of every text file in the site, gzip included."""
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".json", ".gz", ".txt", ".js"}:
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            yield path, data.decode("utf-8", errors="ignore")


def set_options(project: Path, options: str) -> None:
    """Add lines under the demo's `- kehila:` entry in mkdocs.yml."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    anchor = "      home_title: Tavla Community Hub\n"
    assert anchor in text
    extra = "".join(f"      {line}\n" for line in options.strip().splitlines())
    config.write_text(text.replace(anchor, anchor + extra), "utf-8")


# -- trust: disclosure beside every quote, provenance ---------------------------------------------


def test_disclosure_is_beside_every_quote_of_a_connected_author(demo_site: Path) -> None:
    catalog = load_catalog(ROOT / "content")
    connected = {
        s.quote: s.disclosure.type
        for s in catalog.public("story")
        if s.quote and s.disclosure and s.disclosure.is_material
    }
    assert len(connected) == 2  # gifted (fire brigade) and partner (KodLab)
    pages = ["index.html", "stories/index.html", "stories/wall/index.html"]
    pages += [f"stories/{slug}/index.html" for slug in ("volunteer-fire-brigade", "kodlab-zayavki")]
    seen = 0
    for rel in pages:
        for figure in soup(demo_site / rel).select("figure.kehila-quote"):
            quote = figure.blockquote.get_text(strip=True)
            badges = figure.select(".kehila-disclosure")
            if quote in connected:
                seen += 1
                assert len(badges) == 1, f"no disclosure beside {quote[:30]!r} on {rel}"
                assert badges[0].get("class")[-1] == f"kehila-disclosure--{connected[quote]}"
                assert "Disclosure" in badges[0].get_text()
            else:
                assert badges == [], f"a disclosure on a quote without one, on {rel}"
    # Stories index, wall and the two story pages all show both quotes (home shows featured only).
    assert seen >= 2 + 2 + 2


def test_harvested_items_link_to_their_original_with_date(demo_site: Path) -> None:
    page = soup(demo_site / "stories" / "northwind-clinics-no-shows" / "index.html")
    provenance = page.select_one(".kehila-provenance")
    assert provenance is not None
    assert provenance.a["href"] == "https://blog.northwind-clinics.example/how-we-cut-no-shows"
    assert provenance.time["datetime"] == "2025-03-04"
    assert provenance.get_text() == (
        "Originally posted on blog.northwind-clinics.example, March 4, 2025"
    )
    question = soup(demo_site / "questions" / "ical-subscription" / "index.html")
    assert question.select_one(".kehila-provenance a")["href"].startswith(
        "https://github.com/tavla/tavla/discussions/88"
    )


def test_stack_exchange_licence_and_attribution(demo_project: Path) -> None:
    write_files(
        demo_project / "content",
        {
            "questions/se.md": """
                ---
                id: stackexchange:superuser:1
                kind: qa
                status: published
                title: How do I export a calendar?
                slug: se-export
                date: 2025-02-01
                language: en
                tags: [export]
                author: {name: asker, url: https://superuser.com/users/1}
                license: {name: CC BY-SA 4.0, url: https://creativecommons.org/licenses/by-sa/4.0/}
                answers:
                - accepted: true
                  author: {name: helper, url: https://superuser.com/users/2}
                  url: https://superuser.com/a/2
                  body: Use the export button.
                source:
                  name: superuser
                  type: stackexchange
                  url: https://superuser.com/q/1
                  harvested: 2025-02-02T00:00:00Z
                ---
                How?
            """
        },
    )
    site = build(demo_project)
    page = soup(site / "questions" / "se-export" / "index.html")
    licence = page.select_one(".kehila-license")
    assert licence.select_one("a[rel=license]")["href"].endswith("/by-sa/4.0/")
    assert "superuser.com" in licence.get_text()
    assert page.select_one(".kehila-attribution a[href='https://superuser.com/users/2']")


# -- consent --------------------------------------------------------------------------------------

NO_CONSENT = """
    ---
    id: csv:x:1
    kind: story
    status: published
    title: Unconsented story
    slug: unconsented
    date: 2025-10-01
    language: en
    tags: [retail]
    author: Someone
    quote: Unconsented-marker-9Z said something nice.
    disclosure: none
    ---
    Unconsented-marker-9Z body.
"""


def test_story_without_consent_fails_strict_build_naming_the_file(
    demo_project: Path, caplog
) -> None:
    write_files(demo_project / "content", {"stories/no-consent.md": NO_CONSENT})
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(demo_project, strict=True)
    assert (
        "content/stories/no-consent.md: field 'consent': a published story must record its consent"
    ) in caplog.text


def test_published_story_without_consent_fails_the_build(demo_project: Path, caplog) -> None:
    write_files(demo_project / "content", {"stories/no-consent.md": NO_CONSENT})
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(demo_project, strict=False)
    assert "content/stories/no-consent.md: field 'consent'" in caplog.text
    site = demo_project / "site"
    assert not (site / "stories" / "unconsented").exists()
    for path, text in site_texts(site):
        assert "Unconsented-marker-9Z" not in text, path


def test_a_pending_story_without_consent_stays_off_the_site(demo_project: Path) -> None:
    pending = NO_CONSENT.replace("status: published", "status: pending")
    write_files(demo_project / "content", {"stories/no-consent.md": pending})
    site = build(demo_project, strict=False)
    assert "Unconsented-marker-9Z" not in "".join(text for _, text in site_texts(site))


# -- only published, everywhere -------------------------------------------------------------------

PRIVATE = """
    ---
    id: form:private:1
    kind: story
    status: published
    private: true
    title: Private-marker-4K story
    slug: private-story
    date: 2025-10-02
    language: en
    tags: [private-only-tag]
    author: Someone
    quote: Private-marker-4K quote.
    consent: {method: form, date: 2025-10-02}
    disclosure: none
    ---
    Private-marker-4K body.
"""


def test_private_items_appear_nowhere(demo_project: Path) -> None:
    write_files(demo_project / "content", {"stories/private.md": PRIVATE})
    site = build(demo_project)
    for path, text in site_texts(site):
        assert "Private-marker-4K" not in text, path
        assert "private-only-tag" not in text, path
    home = soup(site / "index.html")
    assert home.select(".kehila-counts__item strong")[0].get_text() == "5"


def test_pending_items_only_on_serve_with_a_banner(demo_project: Path) -> None:
    markers = ("Zanzibar-pending-marker-7Q", "Platypus-pending-marker-2X")
    built = build(demo_project)
    for path, text in site_texts(built):
        assert not any(m in text for m in markers), path
    served = build(demo_project, serve=True)
    preview = served / "stories" / "brightline-agency-books-client-workshops-in-minutes"
    page = soup(preview / "index.html")
    banner = page.select_one(".kehila-pending")
    assert banner is not None and "Pending review" in banner.get_text()
    leaks = []
    for path, text in site_texts(served):
        if any(m in text for m in markers) and path.parent.parent.name not in {
            "stories",
            "questions",
        }:
            leaks.append(path)
    # On serve, the pending text is in its own preview page only: not in indexes, feeds, tags.
    assert leaks == []
    for rel in ("index.html", "stories/index.html", "stories/wall/index.html", "tags/index.html"):
        assert "Zanzibar" not in (served / rel).read_text("utf-8"), rel
    for folder in ("feeds", "embed"):
        generated = [path for path in (served / folder).rglob("*") if path.is_file()]
        assert generated, folder
        for path in generated:
            assert "Zanzibar" not in path.read_text("utf-8"), path


def test_preview_of_pending_items_can_be_switched_off(demo_project: Path) -> None:
    set_options(demo_project, "preview_pending: false")
    served = build(demo_project, serve=True)
    assert not (served / "stories" / "brightline-agency-books-client-workshops-in-minutes").exists()


def test_items_never_enter_the_nav(demo_site: Path) -> None:
    nav = soup(demo_site / "index.html").select_one("nav.md-nav--primary")
    links = {a["href"] for a in nav.select("a[href]")}
    assert not any("northwind" in href or "ical" in href for href in links), links
    assert any(href.endswith("stories/wall/") for href in links)


# -- pages and options ----------------------------------------------------------------------------


def test_stories_are_paginated(demo_project: Path) -> None:
    set_options(demo_project, "stories_per_page: 3\nstories_title: Customer stories")
    site = build(demo_project)
    first = soup(site / "stories" / "index.html")
    second = soup(site / "stories" / "page" / "2" / "index.html")
    assert len(first.select(".kehila-card--story")) == 3
    assert len(second.select(".kehila-card--story")) == 2
    assert first.h1.get_text(strip=True).startswith("Customer stories")
    assert first.select_one("a[rel=next]")["href"] == "page/2/"
    assert second.select_one("a[rel=prev]")["href"] == "../../"
    assert "Page 2 of 2" in second.get_text()
    assert second.select_one('meta[name="robots"][content="noindex"]') is not None


def test_pages_can_be_switched_off_and_moved(demo_project: Path) -> None:
    set_options(
        demo_project,
        "wall: false\ntags: false\nfeeds: false\njsonld: false\n"
        'newsletter_url_format: "issues/{date:%Y/%m}/{slug}"\nquestions_url: kb\n'
        'questions_url_format: "kb/{slug}"',
    )
    nav = (demo_project / "mkdocs.yml").read_text("utf-8")
    nav = nav.replace("  - stories/wall.md\n", "")
    nav = nav.replace("  - tags/index.md\n", "").replace("questions/index.md", "kb/index.md")
    (demo_project / "mkdocs.yml").write_text(nav, "utf-8")
    site = build(demo_project)
    assert not (site / "stories" / "wall").exists()
    assert not (site / "tags").exists()
    assert not (site / "feeds").exists()
    assert (site / "issues" / "2025" / "01" / "tavla-notes-12" / "index.html").is_file()
    assert (site / "kb" / "ical-subscription" / "index.html").is_file()
    question = (site / "kb" / "ical-subscription" / "index.html").read_text("utf-8")
    assert "application/ld+json" not in question


def test_tag_pages_span_kinds(demo_site: Path) -> None:
    page = soup(demo_site / "tags" / "reminders" / "index.html")
    headings = [h.get_text(strip=True).rstrip("¶") for h in page.select("h2")]
    assert headings == ["Success stories", "Questions & answers", "Newsletter archive"]
    titles = [a.get_text(strip=True) for a in page.select(".kehila-row__title")]
    assert "Tavla Notes #15: reminders in 30 languages" in titles
    assert any("Northwind" in t for t in titles)
    index = soup(demo_site / "tags" / "index.html")
    assert index.select_one("a.kehila-topic[href='reminders/']") is not None


def test_questions_knowledge_base_by_topic(demo_site: Path) -> None:
    page = soup(demo_site / "questions" / "index.html")
    topics = {a.contents[0].strip(): a["href"] for a in page.select(".kehila-topics a")}
    # Topics show the tag's name from content/.kehila/tags.yml in the site's language.
    assert topics["Calendar"] == "../tags/calendar/"


def test_newsletter_archive_by_year_with_permanent_urls(demo_project: Path) -> None:
    issue = demo_project / "content" / "newsletter" / "2025-01-15-tavla-notes-12.md"
    # A retitled issue keeps its URL: the URL comes from the date and the stored slug.
    issue.write_text(
        issue.read_text("utf-8").replace(
            'title: "Tavla Notes #12: bulk edits, and a year of community answers"',
            'title: "Tavla Notes #12 (corrected)"',
        ),
        "utf-8",
    )
    site = build(demo_project)
    page = soup(site / "newsletter" / "2025" / "tavla-notes-12" / "index.html")
    assert page.h1.get_text(strip=True) == "Tavla Notes #12 (corrected)"
    archive = soup(site / "newsletter" / "index.html")
    assert [h.get_text(strip=True).rstrip("¶") for h in archive.select("h2")] == ["2025"]
    year = soup(site / "newsletter" / "2025" / "index.html")
    assert len(year.select(".kehila-row")) == 3


def test_dates_follow_the_site_language_in_items_of_any_language(demo_site: Path) -> None:
    # Issue 14: Kehila's words and dates are the site's; the item's text keeps its language.
    ru = soup(demo_site / "stories" / "kodlab-zayavki" / "index.html")
    date = ru.select_one(".kehila-story .kehila-meta time")
    assert date.get_text() == "August 21, 2025"
    assert (date.parent.name, date.parent["lang"], date.parent["dir"]) == ("bdi", "en", "ltr")
    he = soup(demo_site / "stories" / "bakery-online-queue" / "index.html")
    assert he.select_one(".kehila-story .kehila-meta time").get_text() == "June 10, 2025"
    assert he.select_one(".kehila-story")["lang"] == "he"
    cards = soup(demo_site / "stories" / "index.html").select(".kehila-card--story")
    assert {c["lang"]: c["dir"] for c in cards} == {
        "en": "ltr",
        "ru": "ltr",
        "he": "rtl",
        "ar": "rtl",
    }


# -- links that never break -----------------------------------------------------------------------


def ledger(project: Path) -> dict[str, str]:
    return json.loads((project / "content" / ".kehila" / "urls.json").read_text("utf-8"))["urls"]


def test_changed_slug_redirects_and_unpublished_item_says_removed(demo_project: Path) -> None:
    build(demo_project)
    assert ledger(demo_project)["stories/volunteer-fire-brigade/"] == "csv:spring-survey:row-17"
    story = demo_project / "content" / "stories" / "2025-05-19-volunteer-fire-brigade.md"
    story.write_text(
        story.read_text("utf-8").replace("slug: volunteer-fire-brigade", "slug: fire-brigade"),
        "utf-8",
    )
    question = demo_project / "content" / "questions" / "2025-04-02-export-ical-feed.md"
    question.write_text(
        question.read_text("utf-8").replace("status: published", "status: rejected"), "utf-8"
    )
    site = build(demo_project)
    redirect = (site / "stories" / "volunteer-fire-brigade" / "index.html").read_text("utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../fire-brigade/">' in redirect
    assert (
        '<link rel="canonical" href="https://community.tavla.example/stories/fire-brigade/">'
        in redirect
    )
    assert (site / "stories" / "fire-brigade" / "index.html").is_file()
    removed = soup(site / "questions" / "ical-subscription" / "index.html")
    assert "This item was removed" in removed.get_text()
    assert "Google Calendar" not in removed.get_text()  # nothing of the removed item is shown
    # A removed item's page asks not to be indexed, and leaves the sitemap.
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    assert "/questions/ical-subscription/" not in sitemap
    assert "/stories/fire-brigade/" in sitemap
    urls = ledger(demo_project)
    assert urls["stories/fire-brigade/"] == urls["stories/volunteer-fire-brigade/"]
    # The committed demo ledger's own redirect keeps working.
    assert (site / "stories" / "northwind-no-shows" / "index.html").is_file()


def test_serve_never_writes_the_ledger(demo_project: Path) -> None:
    path = demo_project / "content" / ".kehila" / "urls.json"
    before = path.read_text("utf-8")
    story = demo_project / "content" / "stories" / "2025-05-19-volunteer-fire-brigade.md"
    story.write_text(story.read_text("utf-8").replace("slug: volunteer", "slug: v"), "utf-8")
    build(demo_project, serve=True)
    assert path.read_text("utf-8") == before


def test_broken_ledger_is_a_clear_error(demo_project: Path, caplog) -> None:
    (demo_project / "content" / ".kehila" / "urls.json").write_text("{oops", "utf-8")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build(demo_project)
    assert re.search(r"content/\.kehila/urls\.json: not valid JSON", caplog.text)


def test_strict_build_fails_on_a_broken_internal_link(demo_project: Path, caplog) -> None:
    about = "# About\n\nSee [a story](stories/nope.md).\n"
    write_files(demo_project / "content", {"about.md": about})
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(demo_project, strict=True)
    assert "stories/nope.md" in caplog.text


def test_every_internal_link_of_the_hub_resolves(demo_site: Path) -> None:
    """Generated pages link with raw HTML, which MkDocs does not validate: check them all here."""
    checked = 0
    for page in demo_site.rglob("*.html"):
        for a in soup(page).select("article a[href], .md-content a[href]"):
            href = a["href"].split("#")[0]
            if not href or "://" in href or href.startswith(("mailto:", "#")):
                continue
            target = (page.parent / href).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(demo_site)} links to missing {href}"
            checked += 1
    assert checked > 100


def test_a_build_leaves_the_garbage_collector_as_it_found_it(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a build holds to its end is set aside from Python's full collections during the
    build only (see the plugin's on_files): nothing stays frozen after it."""
    frozen = []
    freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: (frozen.append(gc.get_freeze_count()), freeze()))
    build(demo_project)
    assert frozen and gc.get_freeze_count() == 0
