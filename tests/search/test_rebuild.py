"""Rebuilds under ``mkdocs serve --dirty``: an edit is rebuilt, everything unchanged is left alone,
and the search index follows the edit (and still holds nothing unpublished)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"


def _serve_build(project: Path, site: Path):
    """One rebuild as ``mkdocs serve --dirty`` runs it (same process, plugin kept)."""
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    config.site_url = SERVE_URL
    config.plugins.on_startup(command="serve", dirty=True)
    mkdocs_build(config, serve_url=SERVE_URL, dirty=True)
    return config.plugins["kehila"]


def _index_text(site: Path) -> str:
    return "".join(p.read_text("utf-8") for p in (site / "kehila-search").rglob("*.json"))


def test_dirty_rebuild_renders_only_what_changed(demo_project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin = _serve_build(demo_project, site)
    plugin.search.wait()
    edited = site / "questions" / "recurring-shifts-dst" / "index.html"
    untouched = site / "stories" / "northwind-clinics-no-shows" / "index.html"
    listing = site / "questions" / "index.html"
    # The editor's preview shows the pending item (it has no slug: the URL comes from its title).
    preview = site / "questions" / "webhook-signature-mismatch-platypus-pending-marker-2x"
    assert "Platypus" in (preview / "index.html").read_text("utf-8")
    past = 1_000_000_000
    for page in (edited, untouched, listing):
        os.utime(page, (past, past))

    source = demo_project / "content" / "questions" / "2025-02-11-recurring-shifts-timezone.md"
    text = source.read_text("utf-8")
    source.write_text(
        re.sub(r"^title: .*$", "title: Shifts jump an hour after DST", text, count=1, flags=re.M),
        "utf-8",
    )
    plugin = _serve_build(demo_project, site)
    counts = plugin.search.wait()

    assert "Shifts jump an hour after DST" in edited.read_text("utf-8")
    assert edited.stat().st_mtime > past
    # The index page lists the edited title, so it is rebuilt too; an unrelated story is not.
    assert "Shifts jump an hour after DST" in listing.read_text("utf-8")
    assert untouched.stat().st_mtime == past
    # The index follows the edit, and the pending item shown as a preview is not in it.
    assert counts == {"en": 7, "he": 3, "ru": 3, "ar": 2}
    index = _index_text(site)
    assert "Shifts jump an hour after DST" in index
    assert "Recurring shifts move by one hour" not in index
    assert "Platypus" not in index
    manifest = json.loads((site / "kehila-search" / "manifest.json").read_text("utf-8"))
    assert manifest["languages"]["en"]["docs"] == 7
