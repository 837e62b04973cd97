"""WCAG 2.2 AA on every page type Kehila generates, in Chromium (issue 19).

axe-core (bundled by the pinned ``axe-playwright-python``) checks each page type in light and dark
palettes and in an LTR (en) and an RTL (he) site language; keyboard walks, the narrow screen
(320 CSS px, i.e. 400% zoom) and what a screen reader is given are checked beside it. The
narrow screenshots of every page type land in tests/artifacts/a11y/ (git-ignored).

Each site variant is built once per module and served; one browser serves every test.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mkdocs.utils.yaml import get_yaml_loader
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ..conftest import (
    ARTIFACTS,
    ROOT,
    WCAG_TAGS,
    built_once,
    describe_violations,
    wcag_violations,
)

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "he"]
SCHEMES = ["light", "dark"]
NARROW = {"width": 320, "height": 640}
#: Playwright's default window, which a new page has.
DESKTOP = {"width": 1280, "height": 720}
SEARCH_WORD = "shifts"
ARTIFACTS_A11Y = ARTIFACTS / "a11y"


def open_search(page) -> None:
    """Open the header's search panel and wait for its results (and the filters) to be shown."""
    toggle = page.locator("label.md-header__button[for='__search']:visible")
    if toggle.count():
        toggle.first.click()
    page.locator("input.md-search__input:visible").first.fill(SEARCH_WORD)
    page.locator(f"[data-kehila-search='meta'][data-state^='{SEARCH_WORD}|']").wait_for(
        state="attached", timeout=10_000
    )
    page.locator("[data-kehila-filter='tag'] option").nth(1).wait_for(state="attached")


def wait_for_embed_preview(page) -> None:
    """The Embed page with its live preview loaded (the wall's frame reported its height)."""
    page.locator("[data-kehila-embed-preview] [data-kehila-height]").wait_for(
        state="attached", timeout=15_000
    )


@dataclass(frozen=True)
class PageType:
    """One kind of page the hub generates: where the test site has one, how to bring it up."""

    name: str
    path: str
    prepare: Callable | None = None


#: Every page type of the hub (extend this list when Kehila generates a new kind of page).
PAGE_TYPES = [
    PageType("home", ""),
    PageType("stories-index", "stories/"),
    PageType("stories-page-2", "stories/page/2/"),
    PageType("story", "stories/volunteer-fire-brigade/"),
    PageType("story-rtl", "stories/bakery-online-queue/"),
    PageType("wall", "stories/wall/"),
    PageType("qa-index", "questions/"),
    PageType("qa-item", "questions/recurring-shifts-dst/"),
    PageType("newsletter-index", "newsletter/"),
    PageType("newsletter-year", "newsletter/2025/"),
    PageType("newsletter-issue", "newsletter/2025/tavla-notes-15/"),
    PageType("tags-index", "tags/"),
    PageType("tag", "tags/reminders/"),
    PageType("removed", "questions/ical-subscription/"),
    PageType("draft-preview", "stories/brightline-agency-books-client-workshops-in-minutes/"),
    PageType("search-results", "", open_search),
    PageType("feeds", "feeds/"),
    PageType("embed", "stories/embed/", lambda page: wait_for_embed_preview(page)),
]


def write_variant(project: Path, language: str) -> None:
    """The demo hub in ``language``, with every page type present.

    Small pages so that the indexes have a pager, and one question taken down after it was
    published (its URL is in the demo's ledger) so that there is a removed-item page. Built as
    ``mkdocs serve`` builds, so that a pending story has its draft preview.
    """
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "content", project / "content")
    # MkDocs' own loader resolves the demo's !ENV tags; the variant is written out resolved.
    config = yaml.load((project / "mkdocs.yml").read_text("utf-8"), Loader=get_yaml_loader())
    config["theme"]["language"] = language
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "kehila" in plugin:
            plugin["kehila"].update(stories_per_page=2, questions_per_page=2)
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    question = project / "content" / "questions" / "2025-04-02-export-ical-feed.md"
    text = question.read_text("utf-8")
    assert "status: published" in text
    question.write_text(text.replace("status: published", "status: rejected"), "utf-8")


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory, serve_dir) -> dict[str, str]:
    """Base URL of the served test hub, by site language (each built once per test run)."""
    urls = {}
    for language in LANGUAGES:
        write = functools.partial(write_variant, language=language)
        site = built_once(tmp_path_factory, f"a11y-{language}", write, serve=True)
        urls[language] = serve_dir(site)
    return urls


def visit(browser, url: str, page_type: PageType, **context):
    """A new page (own context: colour scheme, viewport, motion) showing ``page_type``."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.goto(url + page_type.path)
    page.wait_for_load_state("load")
    if page_type.prepare:
        page_type.prepare(page)
    return page


def test_axe_core_is_recent_enough(browser, hubs) -> None:
    from axe_playwright_python.base import AXE_SCRIPT

    page = visit(browser, hubs["en"], PAGE_TYPES[0])
    try:
        page.evaluate(AXE_SCRIPT)
        version = page.evaluate("axe.version")
    finally:
        page.context.close()
    assert tuple(int(n) for n in version.split(".")[:2]) >= (4, 12), version


def switch_to_dark(page) -> None:
    """Press the palette toggle's dark choice as a visitor would (an open search stays open)."""
    page.locator("input[name='__palette'][data-md-color-scheme='slate']").evaluate("e => e.click()")
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")


def page_scrolls_sideways(page) -> bool:
    """Whether the page itself stays wider than the window (code blocks may scroll inside);
    a panel still sliding in (Material's search) has 3 seconds to settle."""
    try:
        page.wait_for_function(
            "document.documentElement.scrollWidth <= window.innerWidth + 1", timeout=3_000
        )
    except PlaywrightTimeout:
        return True
    return False


@pytest.fixture(scope="module")
def tabs(browser, hubs) -> Iterator[Callable]:
    """``tabs(language, page_type)``: one page per site language, shared by the page-type tests
    and brought back to a visitor's first visit each time (storage cleared: Material keeps the
    chosen palette there; desktop window; light colour scheme), then showing ``page_type``.

    A new page costs the browser a renderer process, more than the checks of one page type.
    """
    pages = {}

    def show(language: str, page_type: PageType):
        if language not in pages:
            pages[language] = browser.new_context(color_scheme="light").new_page()
        page = pages[language]
        if page.url.startswith(hubs[language]):
            page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        page.set_viewport_size(DESKTOP)
        page.goto(hubs[language] + page_type.path)
        page.wait_for_load_state("load")
        if page_type.prepare:
            page_type.prepare(page)
        return page

    yield show
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda t: t.name)
def test_page_type_passes_axe_and_fits_320_px(tabs, page_type, language) -> None:
    """Zero violations in the light palette on a desktop window; then at 320 CSS px (400% zoom)
    no sideways scrolling of the page (screenshot kept); then, the dark palette chosen with the
    header's toggle, zero violations at 320 px."""
    page = tabs(language, page_type)
    report = {}
    assert page.locator("body").get_attribute("data-md-color-scheme") == "default"
    report["light"] = wcag_violations(page)
    page.set_viewport_size(NARROW)
    if page_type.prepare:  # a visitor at 400% zoom opens the panel at that width
        page.reload()
        page_type.prepare(page)
    wide = page_scrolls_sideways(page)
    ARTIFACTS_A11Y.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS_A11Y / f"320px-{page_type.name}-{language}.png", full_page=True)
    switch_to_dark(page)
    report["dark"] = wcag_violations(page)
    (ARTIFACTS_A11Y / f"axe-{page_type.name}-{language}.json").write_text(
        json.dumps(report, indent=1)
    )
    lines = [
        f"{scheme}: {line}" for scheme in report for line in describe_violations(report[scheme])
    ]
    assert not lines, f"violations of {', '.join(WCAG_TAGS)}:\n" + "\n".join(lines)
    assert not wide, "the page scrolls sideways at 320 CSS px"


# -- Beyond the rule engine ------------------------------------------------------------------------


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (fails after ``limit`` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
    focused = page.evaluate("document.activeElement?.outerHTML.slice(0, 120)")
    pytest.fail(f"{selector} not reached with {limit} Tab presses (focus on {focused})")


def focus_ring(page) -> str:
    """The focused element's outline as drawn (style and width), '' when it has none."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            const width = parseFloat(style.outlineWidth);
            const drawn = style.outlineStyle !== "none" && width >= 2;
            return drawn ? `${style.outlineStyle} ${width}` : "";
        }"""
    )


@pytest.fixture
def en_page(browser, hubs):
    """A fresh page of the English test hub; ``en_page(path, **context)``."""
    contexts = []

    def open_page(path: str, **context):
        ctx = browser.new_context(**context)
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(hubs["en"] + path)
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def test_wall_filter_by_keyboard_with_visible_focus(en_page) -> None:
    page = en_page("stories/wall/")
    assert page.locator("nav.kehila-filter").get_attribute("aria-label")
    quotes = page.locator(".kehila-wall__quote")
    total = quotes.count()
    tab_to(page, ".kehila-filter .kehila-chip.kehila-t--reminders")
    assert focus_ring(page)
    page.keyboard.press("Enter")
    assert page.locator(".kehila-wall__quote:visible").count() == 3  # Northwind, bakery, Amman
    chip = page.locator(".kehila-chip.kehila-t--reminders")
    assert chip.get_attribute("aria-pressed") == "true"
    page.keyboard.press(" ")  # a button answers the space bar too: pressed again, all quotes
    assert page.locator(".kehila-wall__quote:visible").count() == total
    assert chip.get_attribute("aria-pressed") == "false"
    assert page.url.endswith("stories/wall/")


def test_search_filters_results_and_more_by_keyboard(en_page) -> None:
    page = en_page("")
    page.keyboard.press("/")
    page.keyboard.type("tavla")
    meta = page.locator("[data-kehila-search='meta']")
    meta.and_(page.locator("[data-state^='tavla|']")).wait_for(state="attached")
    found = int(meta.get_attribute("data-count"))
    assert found > 10, "the query should need a 'more' button"
    tab_to(page, "select[data-kehila-filter='kind']")
    assert focus_ring(page)
    page.keyboard.press("ArrowDown")  # the first kind after "All kinds"
    page.wait_for_function(
        "s => !document.querySelector(s).dataset.state.endsWith('||')",
        arg="[data-kehila-search='meta']",
    )
    assert int(meta.get_attribute("data-count")) < found
    page.locator("select[data-kehila-filter='kind']").select_option("")  # back to all kinds
    page.locator("[data-kehila-search='meta'][data-state='tavla|||']").wait_for(state="attached")
    tab_to(page, ".kehila-search__more")
    assert focus_ring(page)
    shown = page.locator(".md-search-result__item").count()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.md-search-result__item').length > {shown}")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.classList.contains('md-search-result__link')")
    assert focus_ring(page)
    target = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)


def test_pager_by_keyboard(en_page) -> None:
    page = en_page("questions/")
    tab_to(page, ".kehila-pager a[rel='next']")
    assert focus_ring(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/questions/page/2/")
    tab_to(page, ".kehila-pager a[rel='prev']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/questions/$"))


def accessibility_tree(page) -> list[dict]:
    """Chromium's accessibility tree of the page, as a screen reader is given it."""
    session = page.context.new_cdp_session(page)
    return session.send("Accessibility.getFullAXTree")["nodes"]


def ax_value(node: dict, key: str) -> str:
    return str(node.get(key, {}).get("value", ""))


@pytest.mark.parametrize("path", ["stories/volunteer-fire-brigade/", "stories/wall/", "stories/"])
def test_disclosure_is_announced_with_its_quote(en_page, path: str) -> None:
    page = en_page(path)
    quotes = [n for n in accessibility_tree(page) if ax_value(n, "role") == "blockquote"]
    described = [ax_value(n, "description") for n in quotes if ax_value(n, "description")]
    assert described, "no quote carries its disclosure"
    for text in described:
        assert text.lower().startswith("disclosure "), text  # shown in capitals
    # Every quote of a story with a disclosure on the page names it.
    assert len(described) == page.locator(".kehila-disclosure").count()


def test_accepted_answer_votes_and_dates_are_spoken(en_page) -> None:
    page = en_page("questions/recurring-shifts-dst/")
    accepted = page.locator(".kehila-answer--accepted")
    assert accepted.count() >= 1
    # Marked by words, not only by its colour and border.
    assert "Accepted answer" in accepted.first.locator(".kehila-badge").text_content()
    for score in page.locator(".kehila-score").all_inner_texts():
        assert re.fullmatch(r"\d+ votes?", score), score
    for date in page.locator("time").all():
        assert date.get_attribute("datetime")
        assert re.search(r"[^\W\d]{3}", date.inner_text()), date.inner_text()  # a month name


def transition_of(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).transitionDuration")


def test_reduced_motion_stops_transitions(en_page) -> None:
    assert transition_of(en_page(""), ".kehila-counts__item") != "0s"
    calm = en_page("", reduced_motion="reduce")
    assert set(transition_of(calm, ".kehila-counts__item").split(", ")) == {"0s"}
    assert set(transition_of(calm, ".md-tabs__link").split(", ")) == {"0s"}
    # Material's search panel, drawer and header title slide and fade unless motion is reduced.
    material = (".md-search__inner", ".md-sidebar--primary", ".md-overlay", ".md-header__topic")

    def longest(page, selector: str) -> float:
        durations = transition_of(page, selector).split(", ")
        return max(float(d.removesuffix("s")) for d in durations)

    assert max(longest(en_page(""), s) for s in material) >= 0.1
    assert max(longest(calm, s) for s in material) <= 0.00001


@pytest.mark.parametrize("scheme", SCHEMES)
def test_more_contrast_outlines_chips_badges_and_borders(en_page, scheme: str) -> None:
    def outlines(page) -> list[str]:
        return [
            page.locator(s).first.evaluate(
                "e => { const s = getComputedStyle(e);"
                " return `${s.outlineStyle} ${s.borderTopStyle} ${s.borderInlineStartWidth}`; }"
            )
            for s in (".kehila-tag", ".kehila-badge--disclosure", ".kehila-card")
        ]

    plain = outlines(en_page("stories/", color_scheme=scheme))
    strong = outlines(en_page("stories/", color_scheme=scheme, contrast="more"))
    assert plain[0].startswith("none") and strong[0].startswith("solid")
    assert strong[1].startswith("solid")
    assert float(strong[2].split()[-1].removesuffix("px")) > float(
        plain[2].split()[-1].removesuffix("px")
    )


RTL = {"ar", "fa", "he", "ur", "yi"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_lang_and_dir_agree_on_every_element(browser, hubs, language: str) -> None:
    """The page reads in the site language's direction, and every element inside it that names
    a language reads in that language's direction. (An item page's <html> names the item's
    language for search engines; Material sets the site's direction on <body>.)"""
    ctx = browser.new_context()
    page = ctx.new_page()
    wrong = []
    try:
        for page_type in PAGE_TYPES:
            if page_type.prepare:
                continue
            page.goto(hubs[language] + page_type.path)
            found = page.evaluate(
                """site => [document.body, ...document.body.querySelectorAll("[lang]")].map(e => [
                    e === document.body ? site : e.lang,
                    getComputedStyle(e).direction,
                    e.outerHTML.slice(0, 100)])""",
                language,
            )
            for lang, direction, html in found:
                expected = "rtl" if lang.split("-")[0] in RTL else "ltr"
                if direction != expected:
                    wrong.append(f"{page_type.name}: {direction}: {html}")
    finally:
        ctx.close()
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("language", "dark", "light"),
    [
        ("en", "Switch to dark mode", "Switch to light mode"),
        ("he", "מעבר למצב כהה", "מעבר למצב בהיר"),
    ],
)
def test_palette_toggle_is_named_in_the_site_language(
    browser, hubs, language: str, dark: str, light: str
) -> None:
    """The demo's mkdocs.yml gives the toggle no name: Kehila names it from its catalog."""
    page = visit(browser, hubs[language], PAGE_TYPES[0])
    try:
        toggles = page.locator("input[name='__palette']")
        assert toggles.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))") == [
            dark,
            light,
        ]
        button = page.locator("label.md-header__button[for^='__palette']:visible")
        assert button.get_attribute("title") == dark
    finally:
        page.context.close()
