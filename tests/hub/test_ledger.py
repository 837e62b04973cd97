"""The URL ledger: which old URLs redirect, which say "removed", and how the file is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kehila.ledger import Ledger, LedgerError, redirect_path, src_uri_for_url

from ..conftest import build


def test_plan_redirects_moved_items_and_removes_unpublished_ones() -> None:
    ledger = Ledger({"a/old/": "id:1", "a/gone/": "id:2", "a/same/": "id:3", "a/index/": "id:4"})
    plan = ledger.plan({"a/new/": "id:1", "a/same/": "id:3"}, taken={"a/index/"})
    assert plan.redirects == {"a/old/": "a/new/"}
    assert plan.removed == ["a/gone/"]
    # Old URLs stay in the ledger, so that a URL that moved twice still redirects.
    assert plan.ledger is not None
    assert plan.ledger.urls == {
        "a/old/": "id:1",
        "a/gone/": "id:2",
        "a/same/": "id:3",
        "a/index/": "id:4",
        "a/new/": "id:1",
    }


def test_file_round_trip_is_sorted_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "urls.json"
    path.write_text(Ledger({"b/": "2", "a/": "1"}).dumps(), "utf-8")
    text = path.read_text("utf-8")
    assert text.index('"a/"') < text.index('"b/"')
    assert Ledger.load(path).dumps() == text
    assert Ledger.load(tmp_path / "missing.json").urls == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{oops", "not valid JSON"),
        ('{"urls": ["a/"]}', "expected an object with 'urls' mapping each URL to an item id"),
        ('{"urls": {"a/": 3}}', "expected an object with 'urls' mapping each URL to an item id"),
    ],
)
def test_bad_ledger_files_are_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "urls.json"
    path.write_text(text, "utf-8")
    with pytest.raises(LedgerError, match=rf"^content/urls\.json: {problem}"):
        Ledger.load(path, label="content/urls.json")


@pytest.mark.parametrize(
    ("url", "src_uri", "html"),
    [
        ("stories/acme/", "stories/acme.md", "stories/acme/index.html"),
        ("stories/acme.html", "stories/acme.md", "stories/acme.html"),
        ("", "index.md", "index.html"),
    ],
)
def test_paths_for_old_urls(url: str, src_uri: str, html: str) -> None:
    assert src_uri_for_url(url) == src_uri
    assert redirect_path(url) == html


def test_switching_url_style_keeps_old_urls_working(demo_project: Path) -> None:
    build(demo_project)
    config = demo_project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8") + "use_directory_urls: false\n", "utf-8")
    site = build(demo_project)
    old = (site / "stories" / "kodlab-zayavki" / "index.html").read_text("utf-8")
    assert 'content="0; url=../kodlab-zayavki.html"' in old
    urls = json.loads((demo_project / "content" / ".kehila" / "urls.json").read_text("utf-8"))
    assert urls["urls"]["stories/kodlab-zayavki.html"] == urls["urls"]["stories/kodlab-zayavki/"]
