"""The embed's files in a real build (issue 17): the loader's size, what each filter's data and
static fragment hold, and what never reaches them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from kehila.content import load_catalog
from kehila.embed import LOADER_MAX_BYTES, embeddable, loader_script
from kehila.i18n import languages
from kehila.urls import tag_slug

from ..conftest import ROOT, build, write_files
from ..projects import story_file, write_project

SITE_URL = "https://community.tavla.example/"


def _data(path: Path) -> list[dict]:
    text = path.read_text("utf-8")
    assert text.startswith("kehilaWall(") and text.endswith(");\n")
    return json.loads(text[len("kehilaWall(") : -len(");\n")])["items"]


def _expected(language: str | None, tag: str | None) -> list:
    quotes = [i for i in load_catalog(ROOT / "content").public("story") if embeddable(i)]
    return [
        q
        for q in quotes
        if (language is None or q.language == language)
        and (tag is None or tag in {tag_slug(t) for t in q.tags})
    ]


def test_loader_is_small_and_self_contained(demo_site: Path) -> None:
    loader = demo_site / "embed" / "wall.js"
    size = loader.stat().st_size
    assert 0 < size <= LOADER_MAX_BYTES, size
    text = loader.read_text("utf-8")
    # No other script, no URL of anyone else: the frame's address comes from the loader's own.
    assert not re.search(r"https?://", text)
    assert "import(" not in text and "__KEHILA_TITLE__" not in text
    assert 'new URL("frame.html", src)' in text
    # The frame's words that take room, for the loader's layout of the quotes, in the hub's
    # language; served without comments or indentation.
    assert '"previous": "Previous"' in text and '"disclosure": "Disclosure"' in text
    assert "__KEHILA_TEXT__" not in text and "\n " not in text and "\n//" not in text


@pytest.mark.parametrize("language", ["en", *languages()])
def test_loader_fits_in_every_language_of_the_catalog(language: str) -> None:
    # Its words are written in as JSON escapes (ASCII, whatever the host page's encoding).
    script = loader_script(language)
    assert len(script.encode("utf-8")) <= LOADER_MAX_BYTES - 512, len(script)
    assert script.isascii()


def test_loader_measures_words_in_the_frames_fonts(demo_site: Path) -> None:
    # The loader reserves the wall's height by laying out its quotes as frame.css does; the
    # browser tests check the heights, this names the first thing to keep in step.
    css = (demo_site / "embed" / "frame.css").read_text("utf-8")
    family = re.search(r"font: 16px/1\.5 ([^;]+);", css)[1]
    loader = (demo_site / "embed" / "wall.js").read_text("utf-8")
    assert " " + re.sub(r",\s+", ",", family) + "'" in loader


def test_frame_page_allows_only_the_hubs_own_files(demo_site: Path) -> None:
    soup = BeautifulSoup((demo_site / "embed" / "frame.html").read_text("utf-8"), "html.parser")
    csp = soup.select_one('meta[http-equiv="Content-Security-Policy"]')["content"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    sources = [s.get("src") for s in soup.select("script[src]")] + [
        link["href"] for link in soup.select("link[href]")
    ]
    assert sources == ["frame.js", "frame.css"]
    assert (demo_site / "embed" / "frame.js").is_file()
    assert (demo_site / "embed" / "frame.css").is_file()


def test_every_filter_holds_exactly_its_consented_quotes(demo_site: Path) -> None:
    data = demo_site / "embed" / "data"
    files = sorted(data.rglob("*.js"))
    assert len(files) > 10
    for path in files:
        language = None if path.parent.name == "_" else path.parent.name
        tag = None if path.stem == "_" else path.stem
        expected = _expected(language, tag)
        items = _data(path)
        assert [i["title"] for i in items] == [q.title for q in expected], path
        for item, quote in zip(items, expected, strict=True):
            assert item["quote"] == quote.quote
            assert (item["lang"], item["dir"]) == (quote.language, quote.direction)
            assert item["url"] == f"../stories/{quote.url_slug}/"
            if quote.disclosure.is_material:
                assert item["disclosure"]["text"] == quote.disclosure.text
            else:
                assert item["disclosure"] is None
    # Every tag and language that has quotes has its filter; no other does.
    languages = {q.language for q in _expected(None, None)}
    assert {p.name for p in data.iterdir()} == languages | {"_"}


def test_fragments_are_static_html_with_the_disclosure_beside_each_quote(
    demo_site: Path,
) -> None:
    fragments = sorted((demo_site / "embed" / "fragments").rglob("*.html"))
    assert len(fragments) == len(list((demo_site / "embed" / "data").rglob("*.js")))
    for path in fragments:
        language = None if path.parent.name == "_" else path.parent.name
        tag = None if path.stem == "_" else path.stem
        expected = _expected(language, tag)[:12]
        text = path.read_text("utf-8")
        assert "<script" not in text and 'class="kehila-wall"' in text
        soup = BeautifulSoup(text, "html.parser")
        figures = soup.select("figure")
        assert len(figures) == len(expected), path
        for figure, quote in zip(figures, expected, strict=True):
            assert figure["style"] and figure["lang"] == quote.language
            assert figure["dir"] == quote.direction
            link = figure.select_one("figcaption a")
            assert link["href"] == f"{SITE_URL}stories/{quote.url_slug}/"
            if quote.disclosure.is_material:
                assert quote.disclosure.text in figure.get_text()
                assert "Disclosure" in figure.get_text()


def test_hostile_text_stays_text_and_options_apply(tmp_path: Path) -> None:
    hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    write_project(tmp_path, plugin={"embed_max": 1, "embed_url": "widgets/love"})
    disclosure = {"type": "paid", "text": f"Paid {hostile}"}
    files = {
        f"content/stories/s{n}.md": story_file(
            n, tags=["shared"], quote=hostile, disclosure=disclosure
        )
        for n in (1, 2)
    }
    write_files(tmp_path, files)
    site = build(tmp_path)
    folder = site / "widgets" / "love"
    assert (folder / "wall.js").is_file() and not (site / "embed").exists()
    items = _data(folder / "data" / "_" / "_.js")
    assert [i["title"] for i in items] == ["Story 2"]  # embed_max: 1
    assert items[0]["quote"] == hostile
    fragment = (folder / "fragments" / "_" / "shared.html").read_text("utf-8")
    assert "<script" not in fragment and "<img" not in fragment
    assert "&lt;/script&gt;" in fragment
    page = (site / "stories" / "embed" / "index.html").read_text("utf-8")
    assert "https://hub.example/widgets/love/wall.js" in page
    assert "<script>alert" not in page


def test_embed_can_be_switched_off(tmp_path: Path) -> None:
    write_project(tmp_path, plugin={"embed": False})
    site = build(tmp_path)
    assert not (site / "embed").exists()
    assert not (site / "stories" / "embed").exists()
    assert "embed/" not in (site / "stories" / "index.html").read_text("utf-8")


def test_the_embed_pages_code_reads_left_to_right(demo_site: Path) -> None:
    # HTML is code: on a right-to-left site the fragment's box would otherwise wrap and order it
    # right to left ('<div ... >' read with its punctuation on the wrong side).
    html = (demo_site / "stories" / "embed" / "index.html").read_text("utf-8")
    page = BeautifulSoup(html, "html.parser")
    box = page.select_one("textarea[data-kehila-embed-fragment]")
    assert box is not None and box.get("dir") == "ltr"


def test_the_embed_pages_snippet_leaves_the_height_to_the_loader(demo_site: Path) -> None:
    # A height measured at the page's own width would be wrong on a host of another width: the
    # snippet has none, and the help names data-height as the override it is.
    html = (demo_site / "stories" / "embed" / "index.html").read_text("utf-8")
    page = BeautifulSoup(html, "html.parser")
    snippet = page.select_one("[data-kehila-embed-snippet]").get_text()
    assert snippet == (
        f'<div data-kehila-wall></div>\n<script src="{SITE_URL}embed/wall.js" async></script>'
    )
    help_text = page.select_one("#kehila-embed-snippet").find_next_sibling("p").get_text()
    assert "Without data-height, the script reserves the wall's own height" in help_text
    assert "add data-height (in pixels) only to reserve a fixed height" in help_text
