"""The built demo hub in headless Chromium: the pages a visitor sees, and that they work.

Screenshots of every page land in tests/artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ..conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_url(demo_site: Path, serve_dir) -> str:
    return serve_dir(demo_site)


def test_home_page(page, hub_url: str) -> None:
    page.goto(hub_url)
    counts = page.locator(".kehila-counts__item")
    assert counts.count() == 3
    assert re.search(r"\b5\b", counts.nth(0).inner_text())  # five published stories
    featured = page.locator(".kehila-cards .kehila-card--story")
    # The editor-chosen stories (featured: true), newest first: the Hebrew bakery, Northwind.
    assert featured.count() == 2
    assert featured.nth(0).get_attribute("dir") == "rtl"
    assert "Northwind" in featured.nth(1).inner_text()
    assert page.locator(".kehila-card--newsletter").count() == 1
    screenshot(page, "hub-home")


def test_story_page_shows_quote_disclosure_and_provenance(page, hub_url: str) -> None:
    page.goto(hub_url + "stories/volunteer-fire-brigade/")
    figure = page.locator("figure.kehila-quote--hero")
    assert figure.locator("blockquote").is_visible()
    badge = figure.locator(".kehila-disclosure")
    assert badge.is_visible()
    assert "free product" in badge.inner_text()
    assert "forms.tavla.example" in page.locator(".kehila-provenance").inner_text()
    screenshot(page, "hub-story")


def test_hebrew_story_reads_right_to_left(page, hub_url: str) -> None:
    page.goto(hub_url + "stories/bakery-online-queue/")
    # The site's own words stay English, left to right; the story, its title first, is Hebrew.
    assert page.locator("html").get_attribute("lang") == "en"
    for part in ("h1", ".kehila-story"):
        element = page.locator(f"article.md-content__inner {part}").first
        assert element.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert element.evaluate("e => e.closest('[lang]').lang") == "he"
    screenshot(page, "hub-story-hebrew")


def test_wall_filters_by_tag_without_a_page_load(page, hub_url: str) -> None:
    page.goto(hub_url + "stories/wall/")
    quotes = page.locator(".kehila-wall__quote")
    total = quotes.count()
    assert total == 5
    page.evaluate("window.__kehilaMarker = 'still the same page'")
    page.locator(".kehila-filter .kehila-chip", has_text="reminders").click()
    visible = page.locator(".kehila-wall__quote:visible")
    assert visible.count() == 3  # Northwind, the bakery and the Amman clinic: "reminders"
    texts = " ".join(visible.all_inner_texts())
    assert "Northwind" in texts or "no-show" in texts
    assert page.evaluate("window.__kehilaMarker") == "still the same page"
    screenshot(page, "hub-wall-filtered")
    page.locator(".kehila-filter .kehila-chip--all").click()
    assert page.locator(".kehila-wall__quote:visible").count() == total
    # Every quote on the wall carries its disclosure badge where one applies.
    assert page.locator(".kehila-wall__quote .kehila-disclosure").count() == 2


def test_question_shows_accepted_answer_first(page, hub_url: str) -> None:
    page.goto(hub_url + "questions/ical-subscription/")
    answers = page.locator(".kehila-answer")
    assert answers.count() >= 1
    first = answers.nth(0)
    assert "kehila-answer--accepted" in (first.get_attribute("class") or "")
    assert "accepted answer" in first.inner_text().lower()
    assert first.locator("a", has_text="original post").get_attribute("href").startswith("https://")
    screenshot(page, "hub-question")


def test_newsletter_issue_links_previous_and_next(page, hub_url: str) -> None:
    page.goto(hub_url + "newsletter/2025/tavla-notes-15/")
    screenshot(page, "hub-newsletter-issue")
    page.locator("a.kehila-issue-nav__prev").click()
    page.wait_for_url("**/newsletter/2025/tavla-notes-12/")
    assert "Tavla Notes #12" in page.locator("h1").inner_text()
    assert page.locator("a.kehila-issue-nav__next").count() == 1
    assert page.locator("a.kehila-issue-nav__prev").count() == 0  # the oldest issue
    page.locator("a.kehila-issue-nav__next").click()
    page.wait_for_url("**/newsletter/2025/tavla-notes-15/")
    page.locator("a.kehila-issue-nav__next").click()
    page.wait_for_url("**/newsletter/2025/tavla-he-3/")
    assert page.locator("article.md-content__inner").get_attribute("dir") == "rtl"


def test_old_url_redirects_to_the_current_one(page, hub_url: str) -> None:
    # content/.kehila/urls.json records the story's URL before its slug was changed.
    page.goto(hub_url + "stories/northwind-no-shows/")
    page.wait_for_url("**/stories/northwind-clinics-no-shows/")
    assert "Northwind" in page.locator("h1").inner_text()
    screenshot(page, "hub-redirected")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("spreadsheet", "stories/volunteer-fire-brigade/"),
        ("заявки", "stories/kodlab-zayavki/"),
        ("חלות", "stories/bakery-online-queue/"),
        # Prefixes and plural the hub never wrote: light stemming in the browser finds them.
        ("והתזכורות", "questions/he-sms-reminder-text/"),
        ("والتذكيرات", "questions/ar-reminder-language/"),
    ],
    ids=["english", "russian", "hebrew", "hebrew-prefixes", "arabic-article"],
)
def test_header_search_finds_words_in_each_language(
    page, hub_url: str, word: str, expected: str
) -> None:
    page.goto(hub_url)
    # Drive the search box a visitor sees in the header, whatever search engine is behind it.
    # On narrow screens the box hides behind the header's search button.
    toggle = page.locator("label.md-header__button[for='__search']:visible")
    if toggle.count():
        toggle.first.click()
    box = page.locator("input.md-search__input:visible").first
    box.fill(word)
    result = page.locator(f"a.md-search-result__link[href$='{expected}']").first
    result.wait_for(state="visible", timeout=10_000)
    screenshot(page, f"hub-search-{expected.split('/')[1]}")


@pytest.mark.parametrize(
    ("path", "selector", "count"),
    [
        ("stories/", ".kehila-card--story", 5),
        ("questions/", ".kehila-row", 7),
        ("newsletter/", ".kehila-row", 3),
        ("tags/reminders/", ".kehila-row", 6),
    ],
    ids=["stories", "questions", "newsletter", "tag"],
)
def test_section_pages(page, hub_url: str, path: str, selector: str, count: int) -> None:
    page.goto(hub_url + path)
    assert page.locator(selector).count() == count
    # Mixed-language lists set the direction per entry.
    directions = set(page.locator(selector).evaluate_all("els => els.map(e => e.dir)"))
    assert "rtl" in directions and "ltr" in directions
    screenshot(page, f"hub-section-{path.strip('/').replace('/', '-')}")
