"""The hub's HTML blocks are put in place after Markdown (no md_in_html pass on every page).

Item pages reach MkDocs as the items' Markdown with a marker for each block of the hub's own HTML
(metadata, the frames of question and answers); the blocks replace the markers in the converted
page. An item whose Markdown swallows a marker (an unclosed code fence) is converted the slow way,
with the same result a visitor would have seen before.
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
from bs4 import BeautifulSoup
from kehila.content import load_catalog
from kehila.hub import Hub

from ..conftest import ROOT, build

MARKER = re.compile(r"<!--kehila-[0-9a-f]+-(\d+)-->")

QUESTION = "content/questions/2025-04-02-export-ical-feed.md"


def _page(site: Path) -> BeautifulSoup:
    html = (site / "questions" / "ical-subscription" / "index.html").read_text("utf-8")
    assert "<!--kehila-" not in html  # every marker replaced
    return BeautifulSoup(html, "html.parser")


def test_item_page_frames_question_and_answers(demo_project: Path) -> None:
    page = _page(build(demo_project))
    item = page.select_one("div.kehila-item.kehila-qa[lang=en][dir=ltr]")
    assert item is not None and not item.has_attr("markdown")
    question = item.select_one(":scope > section.kehila-question")
    assert "iCal or CalDAV feed" in question.get_text()
    assert question.select_one("p.kehila-meta time[datetime='2025-04-02']")
    answer = item.select_one(":scope > section.kehila-answer.kehila-answer--accepted")
    # The answer's Markdown is converted inside its frame, attribution after it.
    assert answer.select_one("strong").get_text() == "Profile → Calendar feeds"
    assert answer.select("p")[-1]["class"] == ["kehila-attribution"]


def test_item_with_a_comment_left_open_keeps_its_answers(demo_project: Path) -> None:
    # A comment would end at the next marker: such an item is converted whole, with md_in_html.
    path = demo_project / QUESTION
    path.write_text(path.read_text("utf-8") + "\n<!-- a comment left open\n", "utf-8")
    page = _page(build(demo_project))
    item = page.select_one("div.kehila-item.kehila-qa")
    assert "iCal or CalDAV feed" in item.select_one("section.kehila-question").get_text()
    answer = item.select_one("section.kehila-answer--accepted")
    assert answer is not None and "maintainer-ari" in answer.get_text()


def test_missing_marker_means_convert_whole() -> None:
    catalog = load_catalog(ROOT / "content")
    spec = next(s for s in Hub(catalog).pages() if s.item is not None and s.item.kind == "qa")
    assert spec.fast_markdown is not None and len(spec.fragments) >= 4
    converted = markdown.markdown(spec.fast_markdown.split("---", 2)[2])
    finished = spec.finish(converted)
    assert finished is not None and "kehila-answer--accepted" in finished
    first, second = MARKER.findall(converted)[:2]
    # A marker swallowed (say, into a code block) or repeated: the page must be converted whole.
    assert spec.finish(converted.replace(f"-{second}-->", "-->", 1)) is None
    assert spec.finish(converted.replace(f"-{second}-->", f"-{first}-->", 1)) is None
