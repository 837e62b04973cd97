"""Hostile content through every harvest path, published, built and loaded in headless Chromium.

Every vector of the XSS corpus (see :mod:`.vectors`) goes through each harvest path as a real
recorded payload with hostile fields (see :mod:`.payloads`), served by a local HTTP server where
the source is networked. The harvested items are then published as an editor would (status, and
for stories consent and disclosure), the hub is built with every feature on, and every HTML page
of the site is loaded in Chromium: no dialog, no console message, no page error, no request to
another host, no ``javascript:`` URL and no inline event handler may appear (:mod:`.
browser_checks`). The hub's feeds are checked the same way for feed readers (:mod:`.
feed_checks`). Vectors are batched (``BATCH`` per item) to keep the browser run short.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build
from tests.faults import faultserver as fs
from tests.projects import harvest, publish_all, write_project

from ..security.browser_checks import visit_site
from ..security.feed_checks import feed_findings
from ..security.payloads import (
    CSV_COLUMNS,
    hostile_csv,
    hostile_discourse,
    hostile_feed,
    hostile_github,
    hostile_stackexchange,
)
from ..security.vectors import Vector, batches, load_vectors, sanitizer_feeds

pytestmark = pytest.mark.browser

BATCH = 160


@pytest.fixture(scope="session")
def vectors(corpus: Path) -> list[Vector]:
    found = load_vectors(corpus)
    assert len(found) > 2500, "the XSS corpus looks incomplete"
    return found


def publish_build_and_load(project: Path, page, serve_dir, proof, tried: int) -> int:  # noqa: ANN001
    """Publish every harvested item, build, load every page; fail on any finding."""
    published = publish_all(project / "content")
    assert published > 0, "nothing was harvested"
    site = build(project, strict=False)
    watch, loaded = visit_site(page, serve_dir(site), site)
    problems = watch.problems()
    assert not problems, f"{len(problems)} findings, first ones:\n" + "\n".join(problems[:40])
    # The hub's own feeds carry the same text to feed readers.
    checked, in_feeds = feed_findings(site)
    assert checked > 0
    assert not in_feeds, f"{len(in_feeds)} findings in feeds:\n" + "\n".join(in_feeds[:40])
    proof("vectors tried", tried)
    proof("pages loaded", loaded)
    return published


def assert_harvested(result, source: str) -> None:  # noqa: ANN001
    assert result.exit_code == 0, result.output
    assert f"source '{source}'" not in result.output, result.output
    assert " error " not in result.output, result.output


def test_feed_entries(vectors, corpus: Path, tmp_path: Path, page, serve_dir, proof) -> None:
    """Vectors as feed entry titles, bodies, authors and categories (stories and newsletter)."""
    groups = batches(vectors, BATCH)
    with fs.FaultServer() as server:
        url = server.route(
            "/feed.xml",
            fs.respond(hostile_feed(corpus, groups), content_type="application/rss+xml"),
        )
        write_project(
            tmp_path,
            [
                {"name": "hostile-stories", "type": "feed", "url": url, "kind": "story"},
                {"name": "hostile-letters", "type": "feed", "url": url, "kind": "newsletter"},
            ],
        )
        result = harvest(tmp_path, "--timeout", "5", "--retries", "0")
    assert_harvested(result, "hostile-stories")
    published = publish_build_and_load(tmp_path, page, serve_dir, proof, 2 * len(vectors))
    assert published == 2 * len(groups)


def test_feedparser_sanitizer_cases(corpus: Path, tmp_path: Path, page, serve_dir, proof) -> None:
    """feedparser's own sanitizer cases, each served as a feed of its own."""
    feeds = sanitizer_feeds(corpus)
    assert len(feeds) == 55
    sources = []
    with fs.FaultServer() as server:
        for number, path in enumerate(feeds):
            url = server.route(
                f"/{path.name}", fs.respond(path.read_bytes(), content_type="application/xml")
            )
            kind = "story" if number % 2 else "newsletter"
            sources.append({"name": f"case-{number}", "type": "feed", "url": url, "kind": kind})
        write_project(tmp_path, sources)
        result = harvest(tmp_path, "--timeout", "5", "--retries", "0")
    assert result.exit_code == 0, result.output
    publish_build_and_load(tmp_path, page, serve_dir, proof, len(feeds))


def test_discourse_posts(vectors, corpus: Path, tmp_path: Path, page, serve_dir, proof) -> None:
    """Vectors as Discourse topic titles, tags, posters' names and every post's ``cooked``."""
    groups = batches(vectors, BATCH)
    with fs.FaultServer() as server:
        for path, body in hostile_discourse(corpus, groups).items():
            server.route(path, fs.respond(body, content_type="application/json"))
        write_project(
            tmp_path, [{"name": "forum", "type": "discourse", "url": server.base_url, "kind": "qa"}]
        )
        result = harvest(tmp_path, "--timeout", "5", "--retries", "0")
    assert_harvested(result, "forum")
    published = publish_build_and_load(tmp_path, page, serve_dir, proof, len(vectors))
    assert published == len(groups)


def test_stackexchange_bodies(
    vectors, corpus: Path, tmp_path: Path, page, serve_dir, proof
) -> None:
    """Vectors as Stack Exchange question titles, tags, ``Body`` of question and answer, names."""
    groups = batches(vectors, BATCH)
    hostile_stackexchange(corpus, groups, tmp_path / "dump")
    write_project(
        tmp_path,
        [
            {
                "name": "se",
                "type": "stackexchange",
                "path": "dump",
                "site": "hostile.stackexchange.com",
            }
        ],
    )
    result = harvest(tmp_path)
    assert_harvested(result, "se")
    published = publish_build_and_load(tmp_path, page, serve_dir, proof, len(vectors))
    assert published == len(groups)


def test_csv_quotes(vectors, tmp_path: Path, page, serve_dir, proof) -> None:
    """Vectors as every answer of a testimonial form: name, headline, quote, story, role, tags."""
    groups = batches(vectors, BATCH)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "form.csv").write_bytes(hostile_csv(groups))
    write_project(
        tmp_path,
        [{"name": "form", "type": "csv", "path": "exports/form.csv", "columns": CSV_COLUMNS}],
    )
    result = harvest(tmp_path)
    assert_harvested(result, "form")
    published = publish_build_and_load(tmp_path, page, serve_dir, proof, len(vectors))
    assert published == len(groups)


def test_github_answers(
    vectors, tmp_path: Path, page, serve_dir, proof, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vectors as GitHub discussion titles, labels, logins and every ``bodyHTML``."""
    groups = batches(vectors, BATCH)
    monkeypatch.setenv("KEHILA_HOSTILE_GH_TOKEN", "t0ken")
    with fs.FaultServer() as server:
        url = server.route(
            "/api/graphql", fs.respond(hostile_github(groups), content_type="application/json")
        )
        source = {
            "name": "gh",
            "type": "github",
            "repo": "Codertocat/Hello-World",
            "api_url": url,
            "token_env": "KEHILA_HOSTILE_GH_TOKEN",
        }
        write_project(tmp_path, [source])
        result = harvest(tmp_path, "--timeout", "5", "--retries", "0")
    assert_harvested(result, "gh")
    published = publish_build_and_load(tmp_path, page, serve_dir, proof, len(vectors))
    assert published == len(groups)
