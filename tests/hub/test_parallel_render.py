"""Item pages converted and written in worker processes make the same site as MkDocs makes.

``workers: N`` hands item pages to N worker processes (``kehila/mkdocs/workers.py``); MkDocs takes a
page from them when it reaches it, or converts (writes) it itself if no worker has started it.
Here MkDocs waits for the workers instead (``render.SHARE = False``), so every item page really
comes from a worker (``renderer.stats`` proves it), and the site is compared file by file with
the same hub built with ``workers: 0``.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from kehila.mkdocs import workers as render
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from mkdocs.utils.yaml import get_yaml_loader

from ..conftest import ROOT
from ..projects import add_hooks

#: Kills every worker as soon as the pages are handed out: MkDocs converts them all itself.
KILL_HOOK = """
import multiprocessing, os, signal
from mkdocs.plugins import event_priority

@event_priority(-200)
def on_nav(nav, config, files):
    for child in multiprocessing.active_children():
        if child.name.startswith("SpawnProcess"):
            os.kill(child.pid, signal.SIGKILL)
"""

#: Kills every worker once MkDocs handed them the pages to write (it writes its first template,
#: sitemap.xml, right after): MkDocs writes the pages that no worker wrote.
KILL_WRITING_HOOK = """
import multiprocessing, os, signal

def on_pre_template(template, template_name, config):
    for child in multiprocessing.active_children():
        if child.name.startswith("SpawnProcess"):
            os.kill(child.pid, signal.SIGKILL)
    return template
"""

#: Another plugin that finishes pages after the theme: MkDocs writes every page itself.
POST_PAGE_HOOK = """
def on_post_page(output, page, config):
    return output.replace("</body>", "<!-- seen by another plugin --></body>")
"""

#: Another plugin changing item pages' Markdown after the workers were handed the pages.
MARKDOWN_HOOK = """
def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.startswith("questions/"):
        return markdown + "\\n\\nAdded by another plugin.\\n"
    return markdown
"""

#: Harvested text with a Markdown link that hides a script URL behind an entity.
HARVESTED = """\
---
id: test:smuggle
kind: qa
status: published
title: A harvested question with tricks
slug: harvested-tricks
date: 2025-05-01
language: en
tags: [export]
answers:
  - accepted: true
    author: {name: helper}
    body: "[entity link](jav&#x61;script:alert(3)) and <b onclick=alert(1)>bold</b>"
source:
  {name: forum, type: discourse, url: 'https://forum.example/t/1', harvested: 2025-05-02T00:00:00Z}
---

How do I export? [missing page](no-such-page.md) <img src=x onerror=alert(2)>
"""


def _project(
    tmp_path: Path,
    name: str,
    *,
    workers: int,
    hooks: list[str] = (),
    theme: str | None = None,
    nav: list[object] = (),
) -> Path:
    project = tmp_path / name
    project.mkdir()
    shutil.copytree(ROOT / "content", project / "content")
    (project / "content" / "questions" / "harvested-tricks.md").write_text(HARVESTED, "utf-8")
    # An item whose unclosed comment swallows the hub's markers: converted the slow way.
    open_comment = project / "content" / "questions" / "2025-04-02-export-ical-feed.md"
    open_comment.write_text(open_comment.read_text("utf-8") + "\n<!-- left open\n", "utf-8")
    # MkDocs' own loader: the demo's mkdocs.yml reads the site's language with !ENV.
    config = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=get_yaml_loader())
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "kehila" in plugin:
            plugin["kehila"] = {**(plugin["kehila"] or {}), "workers": workers}
    if theme is not None:
        config["theme"] = {"name": theme}
    config["nav"] += nav
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    add_hooks(project, *hooks)
    return project


def _build(project: Path, *, strict: bool = False) -> tuple[Path, dict[str, int]]:
    config = load_config(str(project / "mkdocs.yml"), strict=strict)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
        return Path(config.site_dir), dict(config.plugins["kehila"].renderer.stats)
    finally:
        config.plugins.on_shutdown()


def _files(site: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            # gzip records a time in its header; what matters is what it holds.
            out[path.relative_to(site).as_posix()] = (
                gzip.decompress(data) if path.suffix == ".gz" else data
            )
    return out


def _without_build_date(files: dict[str, bytes]) -> dict[str, bytes]:
    """MkDocs' own theme shows the time of the build on the home page."""
    return {name: BUILD_DATE.sub(b"", data) for name, data in files.items()}


BUILD_DATE = re.compile(rb"Build Date UTC : [^\n]*")


def _content(path: Path) -> Tag:
    # Material puts a page in <article>, MkDocs' own theme in the "main" role.
    return BeautifulSoup(path.read_text("utf-8"), "html.parser").select_one("article, [role=main]")


def _unsafe(content: Tag) -> list[str]:
    """Event handler attributes and script URLs left in a page's content."""
    found = []
    for element in content.find_all(True):
        for name, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else value
            if name.startswith("on") or "script:" in text.replace(" ", "").lower():
                found.append(f"<{element.name} {name}={text!r}>")
    return found


# Material (the demo's theme) and MkDocs' own: the workers write pages with whichever it is.
@pytest.mark.parametrize("theme", [None, "mkdocs"])
def test_pages_from_workers_make_the_same_site(
    tmp_path: Path, monkeypatch, caplog, theme: str | None
) -> None:
    caplog.set_level(logging.INFO, logger="mkdocs")
    here, here_stats = _build(_project(tmp_path, "here", workers=0, theme=theme))
    assert here_stats["workers"] == 0 and here_stats["submitted"] == 0
    # MkDocs' process waits for the workers: every item page below is converted and written
    # by a worker.
    monkeypatch.setattr(render, "SHARE", False)
    workers, stats = _build(_project(tmp_path, "workers", workers=2, theme=theme))
    manifest = json.loads((here / "kehila-search" / "manifest.json").read_text("utf-8"))
    published = sum(language["docs"] for language in manifest["languages"].values())
    assert stats["workers"] == 2 and published >= 10
    # Every page that MkDocs would give a plain Page (items, tags, later index pages)
    assert stats["taken"] == stats["submitted"] > published and stats["here"] == 0, stats
    assert stats["written"] == stats["handed out"] == stats["to write"] == stats["submitted"]
    # MkDocs wrote none of them, and does not say it skipped them (it did not: they are there).
    assert not [r for r in caplog.records if "Page skipped" in r.getMessage()]
    expected, actual = _without_build_date(_files(here)), _without_build_date(_files(workers))
    assert sorted(actual) == sorted(expected)
    different = [name for name in expected if expected[name] != actual[name]]
    assert not different, different
    # The worker sanitised the harvested page and finished the slow-path item the same way.
    content = _content(workers / "questions" / "harvested-tricks" / "index.html")
    assert "How do I export?" in content.get_text() and "bold" in content.get_text()
    assert _unsafe(content) == []
    slow = (workers / "questions" / "ical-subscription" / "index.html").read_text("utf-8")
    assert "kehila-answer--accepted" in slow and "<!--kehila-" not in slow


def test_warnings_from_workers_reach_the_build_log(tmp_path: Path, caplog, monkeypatch) -> None:
    caplog.set_level(logging.WARNING, logger="mkdocs")
    monkeypatch.setattr(render, "SHARE", False)
    project = _project(tmp_path, "strict", workers=1)
    with pytest.raises(Abort, match="warnings in strict mode"):
        _build(project, strict=True)
    messages = [r.getMessage() for r in caplog.records]
    assert any("questions/harvested-tricks" in m and "'no-such-page.md'" in m for m in messages), (
        messages
    )


def test_another_plugins_markdown_is_converted_here(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(render, "SHARE", False)
    site, stats = _build(_project(tmp_path, "hook", workers=1, hooks=[MARKDOWN_HOOK]))
    content = _content(site / "questions" / "harvested-tricks" / "index.html")
    assert "Added by another plugin." in content.get_text()
    assert _unsafe(content) == []  # and still sanitised
    assert stats["taken"] > 0  # stories and newsletter issues still came from the worker


def test_killed_workers_leave_the_pages_to_mkdocs(tmp_path: Path) -> None:
    here, _ = _build(_project(tmp_path, "here", workers=0))
    killed, stats = _build(_project(tmp_path, "killed", workers=1, hooks=[KILL_HOOK]))
    assert stats["submitted"] > 0 and stats["here"] > 0
    assert _files(killed) == _files(here)


def test_pages_handed_out_as_mkdocs_goes(tmp_path: Path, monkeypatch) -> None:
    """Pages to write go to the workers a few at a time, as MkDocs writes its own: each page is
    written once, by one of them, and the site is the same."""
    here, _ = _build(_project(tmp_path, "here", workers=0))
    monkeypatch.setattr(render, "WRITE_CHUNK", 2)
    monkeypatch.setattr(render, "WRITE_AHEAD_FIRST", 1)
    monkeypatch.setattr(render, "WRITE_AHEAD", 1)
    site, stats = _build(_project(tmp_path, "paced", workers=1))
    assert stats["to write"] >= 20, stats
    assert stats["written"] <= stats["handed out"] <= stats["to write"], stats
    assert _files(site) == _files(here)


def test_an_item_in_the_nav_is_written_by_mkdocs(tmp_path: Path, monkeypatch) -> None:
    """mkdocs.yml may list an item after all: its page shows where it is in the nav, which only
    MkDocs' own nav knows."""
    nav = [{"Featured question": "questions/harvested-tricks.md"}]
    here, _ = _build(_project(tmp_path, "here", workers=0, nav=nav))
    monkeypatch.setattr(render, "SHARE", False)
    site, stats = _build(_project(tmp_path, "nav", workers=1, nav=nav))
    assert stats["written"] == stats["to write"] == stats["submitted"] - 1, stats
    assert _without_build_date(_files(site)) == _without_build_date(_files(here))
    page = BeautifulSoup(
        (site / "questions/harvested-tricks/index.html").read_text("utf-8"), "html.parser"
    )
    assert page.select_one(".md-nav__link--active") is not None


def test_killed_writers_leave_the_pages_to_mkdocs(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="mkdocs")
    here, _ = _build(_project(tmp_path, "here", workers=0))
    killed, stats = _build(_project(tmp_path, "killed", workers=1, hooks=[KILL_WRITING_HOOK]))
    assert stats["to write"] > 0 and stats["written"] < stats["to write"], stats
    assert _files(killed) == _files(here)
    # MkDocs says nothing of pages it skipped: none was skipped.
    assert not [r for r in caplog.records if "Page skipped" in r.getMessage()]


def test_another_plugins_post_page_keeps_the_writing_here(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(render, "SHARE", False)
    site, stats = _build(_project(tmp_path, "post", workers=1, hooks=[POST_PAGE_HOOK]))
    assert stats["taken"] > 0 and stats["to write"] == stats["written"] == 0, stats
    page = site / "questions" / "harvested-tricks" / "index.html"
    assert "<!-- seen by another plugin -->" in page.read_text("utf-8")
