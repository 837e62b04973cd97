"""The demo hub built in Hebrew, Russian, Arabic and English, every page type in Chromium.

On a Hebrew, Russian or Arabic site no English message of Kehila's catalog is visible (the list
is the catalog's own msgids), every item title reads in its own direction, and the console is
clean: no failed request, no error. The English build still shows the messages. Screenshots of
each page type in each language go to tests/artifacts/languages/ (git-ignored).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ..conftest import ARTIFACTS, ROOT, built_once

pytestmark = pytest.mark.browser

LANGUAGES = ("he", "ru", "ar", "en")
#: A URL the ledger remembers for an item that is gone: its "removed" page.
REMOVED_URL = "stories/closed-beta-feedback/"

#: One page of each type (path, name); the search box is opened on the home page.
PAGE_TYPES = [
    ("", "home"),
    ("stories/", "stories"),
    ("stories/wall/", "wall"),
    ("stories/volunteer-fire-brigade/", "story-en"),
    ("stories/bakery-online-queue/", "story-he"),
    ("stories/amman-dental-clinic/", "story-ar"),
    ("questions/", "questions"),
    ("questions/ical-subscription/", "question-en"),
    ("questions/ar-reminder-language/", "question-ar"),
    ("questions/ru-export-excel/", "question-ru"),
    ("newsletter/", "newsletter"),
    ("newsletter/2025/", "newsletter-year"),
    ("newsletter/2025/tavla-he-3/", "issue-he"),
    ("newsletter/2025/tavla-notes-15/", "issue-en"),
    ("tags/", "tags"),
    ("tags/reminders/", "tag"),
    (REMOVED_URL, "removed"),
]

#: Elements that hold an item's title, on every page type (search results included).
TITLES = (
    "article.md-content__inner[lang] > h1, .kehila-card__title, .kehila-row__title, "
    ".kehila-wall__quote figcaption a, .md-search-result__article h1"
)


def catalog_phrases() -> list[str]:
    """The English words of every message: each msgid's text between its placeholders."""
    with (ROOT / "plugins/kehila/locale/en/LC_MESSAGES/messages.po").open("rb") as fp:
        catalog = read_po(fp)
    phrases = set()
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else [message.id]:
            parts = re.split(r"%\(\w+\)s", msgid)
            for part in parts:
                part = part.strip(" .,:;()")
                # A whole message however short ("All"); between placeholders, a phrase or a
                # word of four letters or more ("Page", "licensed under"), not "in" or "of".
                if re.search(r"[A-Za-z]{2}", part) and (
                    len(parts) == 1 or " " in part or len(part) >= 4
                ):
                    phrases.add(part)
    return sorted(phrases, key=len, reverse=True)


def write_variant(project: Path, language: str) -> None:
    """The demo in ``language``, with a removed item's URL in its ledger."""
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    assert "!ENV [KEHILA_LANGUAGE, en]" in config
    config = config.replace("!ENV [KEHILA_LANGUAGE, en]", language)
    (project / "mkdocs.yml").write_text(config, "utf-8")
    shutil.copytree(ROOT / "content", project / "content")
    ledger = project / "content" / ".kehila" / "urls.json"
    data = json.loads(ledger.read_text("utf-8"))
    data["urls"][REMOVED_URL] = "manual:closed-beta-feedback"
    ledger.write_text(json.dumps(data, indent=2), "utf-8")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, serve_dir) -> dict[str, str]:
    """The demo built once per language and test run (see ``built_once``), served locally."""
    urls = {}
    for language in LANGUAGES:
        write = functools.partial(write_variant, language=language)
        urls[language] = serve_dir(built_once(tmp_path_factory, f"languages-{language}", write))
    return urls


class Console:
    """Failed requests and console errors of one page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


#: Visible text and labels in the site's language (an item's own text is left out: an English
#: story on a Hebrew hub stays English).
_SITE_TEXT = """(site) => {
  const primary = (tag) => (tag || "").split("-")[0].toLowerCase();
  const ofSite = (el) => primary((el.closest("[lang]") || document.documentElement).lang) === site;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || !ofSite(el)) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    out.push(node.textContent);
  }
  for (const el of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
    if (!ofSite(el)) continue;
    for (const name of ["aria-label", "placeholder", "title"]) {
      if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  return out.join("\\n");
}"""

_TITLE_DIRECTIONS = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const strong = el.textContent.match(/[A-Za-z\\u00C0-\\u024F\\u0400-\\u04FF\\u0590-\\u08FF]/);
  return {
    text: el.textContent.trim(),
    rtl: strong !== null && /[\\u0590-\\u08FF]/.test(strong[0]),
    direction: getComputedStyle(el).direction,
  };
})"""


def open_search(page) -> None:
    """Type a query in the search box and wait for its results (filters, count, 'more')."""
    box = page.locator("[data-kehila-search='query']")
    box.click()
    box.fill("tavla")
    page.locator("[data-kehila-search='meta'][data-state^='tavla|']").wait_for()


def visit(page, url: str, name: str, language: str) -> str:
    console = Console(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if name == "home":
        open_search(page)
    directions = page.evaluate(_TITLE_DIRECTIONS, TITLES)
    assert directions or name in {"removed", "tags"}, f"{language}/{name}: no item titles found"
    for title in directions:
        expected = "rtl" if title["rtl"] else "ltr"
        assert title["direction"] == expected, f"{language}/{name}: {title}"
    text = page.evaluate(_SITE_TEXT, language)
    page.screenshot(path=str(ARTIFACTS / "languages" / f"{language}-{name}.png"), full_page=True)
    page.wait_for_load_state("networkidle")
    assert not console.problems, f"{language}/{name}: {console.problems}"
    return text


@pytest.mark.parametrize("language", ["he", "ru", "ar"])
def test_no_english_from_the_catalog(browser, sites: dict[str, str], language: str) -> None:
    (ARTIFACTS / "languages").mkdir(parents=True, exist_ok=True)
    phrases = catalog_phrases()
    assert len(phrases) >= 60
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        for path, name in PAGE_TYPES:
            text = visit(page, sites[language] + path, name, language)
            found = [
                p for p in phrases if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text)
            ]
            assert not found, f"{language}/{name} shows English catalog text: {found}"
    finally:
        context.close()


def test_english_build_shows_the_catalogs_words(browser, sites: dict[str, str]) -> None:
    (ARTIFACTS / "languages").mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = ""
    try:
        for path, name in PAGE_TYPES:
            seen += visit(page, sites["en"] + path, name, "en")
    finally:
        context.close()
    for words in [
        "Latest answered questions",
        "All stories",
        "Originally posted on",
        "Accepted answer",
        "Disclosure",
        "Subscribe",
        "Kind",
        "matching result",
        "Go to the home page",
        "Wall of love",
    ]:
        assert words in seen, words
