"""The exported emails in headless Chromium at a phone's and a desktop client's width.

Mail clients cannot be run here; Chromium shows the layout as a WebKit/Blink-based client
(Apple Mail, iOS, Gmail's apps) does. Screenshots land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import describe_violations, screenshot, wcag_violations
from ..newsletter.test_email import export

pytestmark = pytest.mark.browser

WIDTHS = (375, 600)


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from ..conftest import write_files
    from ..newsletter.conftest import _PNG, FILES

    project = tmp_path_factory.mktemp("newsletter-browser")
    write_files(project, FILES)
    (project / "content" / "img").mkdir()
    (project / "content" / "img" / "export.png").write_bytes(_PNG)
    out = project / "outbox"
    code, output = export(project, "tavla-notes-20", "tavla-he-4", "tavla-ar-1", "--out", str(out))
    assert code == 0, output
    return sorted(out.glob("*.html"))


@pytest.mark.parametrize("width", WIDTHS)
def test_no_sideways_scrolling(browser, emails: list[Path], width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    # Nothing leaves the machine: the images' hosts are fictional.
    page.route("http*://**", lambda route: route.abort())
    try:
        for path in emails:
            page.goto(path.as_uri())
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path.name} scrolls sideways by {overflow}px at {width}px"
            container = page.locator("table.kehila-container")
            box = container.bounding_box()
            assert box is not None and box["width"] <= min(width, 600)
            # The content column holds the code block and the table without overflowing.
            for selector in ("pre", ".kehila-content table"):
                for element in page.locator(selector).all():
                    assert element.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), selector
            shot = screenshot(page, f"newsletter-{path.stem}-{width}")
            assert shot.stat().st_size > 0
    finally:
        context.close()


def test_right_to_left_issue_is_laid_out_right_to_left(browser, emails: list[Path]) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.route("http*://**", lambda route: route.abort())
    try:
        hebrew = next(p for p in emails if p.stem == "tavla-he-4")
        page.goto(hebrew.as_uri())
        heading = page.locator("h1")
        assert heading.evaluate("e => getComputedStyle(e).direction") == "rtl"
        # Right-aligned: the heading's text ends near the right edge of the content column.
        content = page.locator("td.kehila-content").bounding_box()
        quote = page.locator("blockquote").bounding_box()
        assert content is not None and quote is not None
        assert abs((content["x"] + content["width"]) - (quote["x"] + quote["width"])) < 30
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_emails_pass_axe_wcag_22_aa(browser, emails: list[Path], scheme: str) -> None:
    """axe-core over each email as a WebKit/Blink mail client shows it, light and dark."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.route("http*://**", lambda route: route.abort())
    problems = []
    try:
        for path in emails:
            page.goto(path.as_uri())
            found = describe_violations(wcag_violations(page))
            problems += [f"{path.name}: {line}" for line in found]
            screenshot(page, f"newsletter-{path.stem}-375-{scheme}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_axe_sees_a_contrast_problem_in_an_email(browser, emails: list[Path], tmp_path) -> None:
    """The check above can fail: pale footer text is reported."""
    html = emails[0].read_text(encoding="utf-8").replace("color:#57606a", "color:#d8dde2")
    pale = tmp_path / "pale.html"
    pale.write_text(html, encoding="utf-8")
    page = browser.new_page()
    page.route("http*://**", lambda route: route.abort())
    try:
        page.goto(pale.as_uri())
        assert "color-contrast" in {v["id"] for v in wcag_violations(page)}
    finally:
        page.close()
