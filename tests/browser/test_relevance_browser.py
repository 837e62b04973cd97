"""search.js and text.py agree: tests/search/test_relevance.py's set, run in Chromium.

The corpus becomes a hub (one newsletter issue per document), MkDocs builds it with Kehila's
index, and every query of the test set is typed into the search box: the browser must find
exactly what the Python model of the client finds (lookup as written, light stemming, stems
begun), Hebrew prefixes and Arabic articles included.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ..conftest import build, screenshot
from ..projects import write_project
from ..search.test_relevance import CORPUS, QUERIES, Index
from .test_search_browser import search

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory: pytest.TempPathFactory, serve_dir) -> str:
    root = tmp_path_factory.mktemp("relevance")
    write_project(root)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for n, (doc, text) in enumerate(CORPUS.items()):
        date = (start + dt.timedelta(days=n)).isoformat()
        (root / "content" / f"{doc}.md").write_text(
            f"---\nid: test:{doc}\nkind: newsletter\nstatus: published\ntitle: {doc}\n"
            f"slug: {doc}\ndate: {date}\nlanguage: {doc[:2]}\ntags: []\n---\n\n{text}\n",
            "utf-8",
        )
    return serve_dir(build(root))


def test_the_browser_finds_what_the_analyzer_model_finds(page, corpus_url: str) -> None:
    page.goto(corpus_url)
    indexes = {lang: Index(lang, light=True) for lang in ("he", "ar", "ru")}
    differ = []
    for query in QUERIES:
        lang = (query["expect"] or ["ru"])[0][:2]
        urls = search(page, query["q"], lang=lang)
        found = {url.rstrip("/").rsplit("/", 1)[-1] for url in urls}
        if found != indexes[lang].search(query["q"]):
            differ.append(f"{query['q']}: browser {sorted(found)}")
    screenshot(page, "search-relevance-last-query")
    assert not differ, differ
    assert search(page, "והתזכורות", lang="he")  # the issue's own example finds its documents
