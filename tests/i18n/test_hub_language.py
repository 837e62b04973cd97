"""Real builds of the demo in another language: Kehila's words, titles, direction, feeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from kehila.hub_options import DEFAULT_TITLES
from kehila.i18n import gettext

from ..conftest import build
from ..hub.test_build import set_options


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


@pytest.fixture
def hebrew_site(demo_project: Path, monkeypatch) -> Path:
    # The command the README documents: the demo's mkdocs.yml reads the language with !ENV.
    monkeypatch.setenv("KEHILA_LANGUAGE", "he")
    return build(demo_project)


def test_hebrew_site_speaks_hebrew(hebrew_site: Path) -> None:
    home = soup(hebrew_site / "index.html")
    assert home.html["lang"] == "he" and home.body["dir"] == "rtl"
    more = home.select_one(".kehila-more").get_text(" ", strip=True)
    # "All stories", then the wall's title: arrows point the way Hebrew reads.
    assert more.startswith("לכל הסיפורים ←") and "קיר האהבה ←" in more
    assert "Latest answered questions" not in home.get_text()
    assert "שאלות שנענו לאחרונה¶" in [h2.get_text(strip=True) for h2 in home.find_all("h2")]
    # The editor's title in mkdocs.yml wins over the catalog's.
    assert home.title.get_text().startswith("Tavla Community Hub")
    stories = soup(hebrew_site / "stories" / "index.html")
    assert stories.h1.get_text(strip=True) == "סיפורי הצלחה"
    # The nav of the demo takes each tab's title from its page.
    tabs = [a.get_text(strip=True) for a in home.select(".md-nav__link")]
    assert "קיר האהבה" in tabs and "Wall of love" not in tabs


def test_kehila_words_isolate_names_dates_and_numbers(hebrew_site: Path) -> None:
    story = soup(hebrew_site / "stories" / "volunteer-fire-brigade" / "index.html")
    line = story.select_one(".kehila-provenance")
    assert line["lang"] == "he" and line["dir"] == "rtl"
    assert line.get_text().startswith("פורסם במקור באתר ")
    assert [b.get_text() for b in line.find_all("bdi")] == ["forms.tavla.example", "19 במאי 2025"]
    question = soup(hebrew_site / "questions" / "ical-subscription" / "index.html")
    score = question.select_one(".kehila-score")
    assert re.fullmatch(r"(\d+ הצבעות|הצבעה אחת|שתי הצבעות)", score.get_text())
    tag = soup(hebrew_site / "tags" / "reminders" / "index.html").select_one(".kehila-lead")
    # The count and the tag's name are isolated from the Hebrew around them.
    assert [b.get_text() for b in tag.select("bdi")] == ["6", "תזכורות"]


def test_item_article_carries_the_items_language_on_any_site(hebrew_site: Path) -> None:
    english = soup(hebrew_site / "stories" / "volunteer-fire-brigade" / "index.html")
    article = english.select_one("article.md-content__inner")
    assert (article["lang"], article["dir"]) == ("en", "ltr")
    assert article.h1 is not None  # the title is inside the article
    assert english.html["lang"] == "he"


def test_plugin_language_overrides_the_theme_and_titles_set_win(demo_project: Path) -> None:
    set_options(demo_project, "language: ru\nwall_title: Отзывы")
    site = build(demo_project)
    home = soup(site / "index.html")
    assert home.html["lang"] == "en"  # Material's own chrome keeps the theme's language
    assert soup(site / "questions" / "index.html").h1.get_text(strip=True) == "Вопросы и ответы"
    assert soup(site / "stories" / "wall" / "index.html").h1.get_text(strip=True) == "Отзывы"
    feed = json.loads((site / "feeds" / "stories.json").read_text("utf-8"))
    assert feed["title"] == "Tavla Community Hub: Истории успеха"
    assert feed["description"].startswith("Истории успеха клиентов")
    assert feed["language"] == "ru"
    search = (site / "assets" / "kehila" / "search.js").read_text("utf-8")
    assert '"placeholder": "Поиск"' in search and '"locale": "ru"' in search


def test_dates_follow_the_sites_language_whatever_the_items(
    demo_project: Path, monkeypatch
) -> None:
    # Issue 14: a Portuguese story on a Hebrew hub keeps its text's language and direction, but
    # its date is written as the cards beside it write theirs, isolated and marked as Hebrew.
    monkeypatch.setenv("KEHILA_LANGUAGE", "he")
    story = demo_project / "content" / "stories" / "2025-05-19-volunteer-fire-brigade.md"
    story.write_text(
        story.read_text("utf-8").replace("language: en\n", "language: pt-BR\n"), "utf-8"
    )
    site = build(demo_project)
    page = soup(site / "stories" / "volunteer-fire-brigade" / "index.html")
    assert page.select_one("article.md-content__inner")["lang"] == "pt-BR"
    for found in (page, soup(site / "stories" / "index.html"), soup(site / "index.html")):
        dates = found.select("time")
        assert dates
        for date in dates:
            isolated = date.parent
            assert (isolated.name, isolated["lang"], isolated["dir"]) == ("bdi", "he", "rtl")
            assert re.search("[\u0590-\u05ff]", date.get_text()), date.get_text()
            assert " de " not in date.get_text()
    card = soup(site / "stories" / "index.html").find("a", href=re.compile("volunteer-fire"))
    assert card.find_parent("article")["lang"] == "pt-BR"
    assert card.find_parent("article").time.get_text() == "19 במאי 2025"


def without_nav(project: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    nav = re.search(r"^nav:\n(?:  - .*\n)+", text, re.MULTILINE)
    assert nav is not None
    config.write_text(text.replace(nav.group(0), ""), "utf-8")


def section_titles(site: Path) -> list[str]:
    """The titles of the sidebar's sections (MkDocs' nav, as Material renders it)."""
    page = soup(site / "stories" / "volunteer-fire-brigade" / "index.html")
    primary = page.select_one("nav.md-nav--primary")
    labels = primary.select("li.md-nav__item--nested > label.md-nav__link")
    return [" ".join(label.get_text(" ", strip=True).split()) for label in labels]


@pytest.mark.parametrize("language", ["he", "en"])
def test_without_a_nav_kehilas_sections_take_their_titles(
    demo_project: Path, monkeypatch, language: str
) -> None:
    # MkDocs names a section after its folder ("Stories"), in English on a Hebrew site.
    monkeypatch.setenv("KEHILA_LANGUAGE", language)
    without_nav(demo_project)
    titles = section_titles(build(demo_project))
    expected = [
        gettext(language, DEFAULT_TITLES[f"{name}_title"])
        for name in ("newsletter", "questions", "stories", "tags")
    ]
    assert titles == expected
    if language == "he":
        assert not {"Stories", "Questions", "Newsletter", "Tags"} & set(titles)
        assert "סיפורי הצלחה" in titles
