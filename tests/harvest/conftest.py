"""Helpers for harvest tests: a tiny hub in tmp_path, feeds served by a real local HTTP server.

Feeds come from the shared corpus (see its SOURCES.md); each test names the origin of the files
it serves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from kehila.cli import main
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

#: A Medium publication feed captured by rbren/rss-parser (MIT): CDATA titles, full
#: content:encoded HTML, dc:creator, categories; it stands in for a newsletter platform.
MEDIUM = "feeds/rss-parser/content-encoded.rss"


def write_project(root: Path, sources: list[dict[str, Any]], **plugin: Any) -> Path:
    """A minimal hub: mkdocs.yml (docs_dir content) with these sources; returns the config."""
    config = {
        "site_name": "Test hub",
        "docs_dir": "content",
        "plugins": [{"kehila": {"sources": sources, **plugin}}],
    }
    (root / "content").mkdir(parents=True, exist_ok=True)
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def harvest(config: Path, *args: str) -> Result:
    """Run ``kehila harvest --config <config> ...`` in-process (like the console command)."""
    return CliRunner().invoke(
        main, ["harvest", "--config", str(config), *args], catch_exceptions=False
    )


def summary(output: str) -> dict[str, dict[str, str]]:
    """The summary table of ``kehila harvest`` as ``{source: {column: cell}}``."""
    rows = [line for line in output.splitlines() if line.startswith(("┃", "│"))]
    header = [cell.strip() for cell in rows[0].strip("┃").split("┃")]
    table = {}
    for line in rows[1:]:
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        table[cells[0]] = dict(zip(header, cells, strict=True))
    return table


def counts(output: str, source: str) -> tuple[int, ...]:
    """(new, updated, unchanged, kept-because-edited, skipped, errors) of one source."""
    row = summary(output)[source]
    columns = ("new", "updated", "unchanged", "kept-because-edited", "skipped", "errors")
    return tuple(int(row[c]) for c in columns)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every Markdown file under ``folder``: bytes and mtime (ns), to prove nothing changed.

    Harvest state under ``.kehila/`` (such as upstream versions kept for the desk) included.
    """
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*.md"))
    }


class FeedServer:
    """Serves byte strings at paths with ETag/304 support; the body can be swapped mid-test."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.bodies: dict[str, tuple[bytes, str]] = {}
        self.statuses: list[tuple[str, int]] = []

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> str:
        if path not in self.bodies:
            self.server.expect_request(path).respond_with_handler(self._handler(path))
        self.bodies[path] = (body, content_type)
        return self.server.url_for(path)

    def _handler(self, path: str) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            body, content_type = self.bodies[path]
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                self.statuses.append((path, 304))
                return Response(status=304, headers={"ETag": etag})
            self.statuses.append((path, 200))
            return Response(body, content_type=content_type, headers={"ETag": etag})

        return handle


@pytest.fixture
def feeds(httpserver: HTTPServer) -> FeedServer:
    return FeedServer(httpserver)
