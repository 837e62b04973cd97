"""Kehila's search in a real browser: the demo hub built by MkDocs, served over HTTP, queried in
headless Chromium through the search box in Material's header."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_url(demo_site: Path, serve_dir) -> str:
    return serve_dir(demo_site)


def search(page, query: str, *, lang: str = "", kind: str = "", tag: str = "") -> list[str]:
    """Type ``query`` (and set the filters); return the URLs of the results on screen."""
    page.click("[data-kehila-search=query]")
    for name, value in (("lang", lang), ("kind", kind), ("tag", tag)):
        page.select_option(f"[data-kehila-filter={name}]", value)
    page.fill("[data-kehila-search=query]", query)
    state = "|".join([query, lang, kind, tag])
    page.wait_for_function(
        "state => document.querySelector('[data-kehila-search=meta]').dataset.state === state",
        arg=state,
        timeout=10_000,
    )
    count = int(page.get_attribute("[data-kehila-search=meta]", "data-count"))
    while page.locator("[data-kehila-result]").count() < count:
        shown = page.locator("[data-kehila-result]").count()
        page.click(".kehila-search__more")
        page.wait_for_function(
            f"document.querySelectorAll('[data-kehila-result]').length > {shown}"
        )
    return [
        li.get_attribute("data-kehila-result")
        for li in page.query_selector_all("[data-kehila-result]")
    ]


def test_english_query_finds_stemmed_forms_with_highlighted_excerpts(page, hub_url: str) -> None:
    page.goto(hub_url)
    # "reminder" is stemmed like "reminders", the word the items use.
    urls = search(page, "reminder")
    assert "stories/northwind-clinics-no-shows/" in urls
    assert "newsletter/2025/tavla-notes-15/" in urls
    marks = page.locator("[data-kehila-result] mark").all_inner_texts()
    assert marks and all(m.lower().startswith("remind") for m in marks), marks
    screenshot(page, "search-english")


def test_russian_query_matches_other_inflections(page, hub_url: str) -> None:
    page.goto(hub_url)
    # The item says "расписание"; the genitive "расписания" has the same stem.
    assert search(page, "расписания") == ["questions/ru-export-excel/"]
    assert search(page, "Excel выгрузить") == ["questions/ru-export-excel/"]


def test_hebrew_query_ignores_niqqud_and_final_letters(page, hub_url: str) -> None:
    page.goto(hub_url)
    plain = search(page, "תזכורת")
    assert "questions/he-sms-reminder-text/" in plain
    # The same word with niqqud (plene spelling, as in the item), and a word ending in a final
    # letter typed with its medial form.
    pointed = "\u05ea\u05b4\u05bc\u05d6\u05b0\u05db\u05bc\u05d5\u05b9\u05e8\u05b6\u05ea"  # תִּזְכּוֹרֶת
    assert search(page, pointed) == plain
    assert search(page, "נכנסים") == search(page, "נכנסימ") != []
    screenshot(page, "search-hebrew")


def test_filters_by_kind_tag_and_language(page, hub_url: str) -> None:
    page.goto(hub_url)
    everything = search(page, "tavla")
    stories = search(page, "tavla", kind="story")
    assert stories and set(stories) < set(everything)
    assert all(url.startswith("stories/") for url in stories)
    tagged = search(page, "tavla", tag="reminders")
    assert tagged and set(tagged) < set(everything)
    assert "questions/he-sms-reminder-text/" in tagged
    assert "questions/ical-subscription/" not in tagged
    hebrew = search(page, "tavla", lang="he")
    assert hebrew and all(page.locator(f'[data-kehila-result="{u}"] article').get_attribute("lang")
                          == "he" for u in hebrew)  # fmt: skip
    assert not set(hebrew) & set(search(page, "tavla", lang="en"))


def test_nothing_unpublished_is_found(page, hub_url: str, demo_site: Path) -> None:
    page.goto(hub_url)
    # A pending Q&A item carries this marker in its title; a rejected story has this title.
    assert search(page, "Platypus") == []
    assert search(page, "советую") == []
    index = demo_site / "kehila-search"
    text = "".join(p.read_text("utf-8") for p in index.rglob("*.json"))
    for secret in ("Platypus", "Brightline", "советую"):
        assert secret not in text


def test_result_opens_the_item(page, hub_url: str) -> None:
    page.goto(hub_url)
    search(page, "Northwind")
    page.click("[data-kehila-result] a")
    page.wait_for_url("**/stories/northwind-clinics-no-shows/")
    assert "Northwind" in page.title()
