"""Small hub projects for the security and fault suites: write, harvest, publish, build.

A project is a folder with a ``mkdocs.yml`` (Material theme, the ``kehila`` plugin with every
feature on, the given harvest ``sources:``) and a ``content/`` folder. The theme's web fonts are
switched off (``font: false``) so that the only requests a page makes go to the local server:
the browser suites fail on any request to another host.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from kehila.cli import main
from kehila.content import iter_markdown
from kehila.model import Consent, Disclosure, Item

MARKDOWN_EXTENSIONS = [
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    {"toc": {"permalink": True}},
    "pymdownx.highlight",
    "pymdownx.superfences",
]


def write_project(
    root: Path,
    sources: list[dict[str, Any]] | None = None,
    *,
    plugin: dict[str, Any] | None = None,
    site_name: str = "Kehila test hub",
) -> Path:
    """Write ``root/mkdocs.yml`` (and an empty ``content/``); returns the config path."""
    config = {
        "site_name": site_name,
        "site_url": "https://hub.example/",
        "docs_dir": "content",
        "site_dir": "site",
        "theme": {"name": "material", "language": "en", "font": False},
        "plugins": [{"kehila": {**(plugin or {}), "sources": sources or []}}],
        "markdown_extensions": MARKDOWN_EXTENSIONS,
    }
    (root / "content").mkdir(parents=True, exist_ok=True)
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def add_hooks(root: Path, *hooks: str) -> None:
    """Add MkDocs hooks (Python source) to the project's ``mkdocs.yml``."""
    path = root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.setdefault("hooks", [])
    for source in hooks:
        name = f"hook{len(config['hooks'])}.py"
        (root / name).write_text(textwrap.dedent(source), encoding="utf-8")
        config["hooks"].append(name)
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def harvest(project: Path, *args: str) -> Result:
    """``kehila harvest -f <project>/mkdocs.yml [args]`` in this process (click's runner)."""
    return CliRunner().invoke(
        main, ["harvest", "-f", str(project / "mkdocs.yml"), *args], catch_exceptions=False
    )


def kehila_command(project: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the installed ``kehila`` command in ``project`` (a real process, for kill trials)."""
    return subprocess.run(
        [kehila_executable(), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


def kehila_executable() -> str:
    """The ``kehila`` console script of the running interpreter's environment."""
    return str(Path(sys.executable).with_name("kehila"))


def items(content: Path) -> list[tuple[Path, Item]]:
    """Every item under ``content`` with its file (raises on an invalid item)."""
    found = []
    for display, text in iter_markdown(content, label=""):
        found.append((content / display, Item.from_text(text, path=display)))
    return found


def publish_all(content: Path, *, when: dt.datetime | None = None) -> int:
    """Publish every item as an editor would: ``status: published``, and for stories the
    consent (a public post) and disclosure (none) that publishing requires, where missing."""
    when = when or dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    count = 0
    for path, item in items(content):
        item.status = "published"
        if item.kind == "story":
            item.consent = item.consent or Consent(method="public-post", date=when)
            item.disclosure = item.disclosure or Disclosure(type="none")
        item.validate()
        path.write_text(item.to_text(), encoding="utf-8")
        count += 1
    return count


def name_all_tags(content: Path) -> None:
    """Give every tag in use a name in its item's language in ``content/.kehila/tags.yml``, as
    editors do (``kehila check`` reports a tag without one)."""
    names: dict[str, dict[str, str]] = {}
    for _, item in items(content):
        for tag in item.tags:
            names.setdefault(tag, {})[item.language] = tag
    path = content / ".kehila" / "tags.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(names, allow_unicode=True), encoding="utf-8")


def check(content: Path) -> Result:
    """``kehila check --content <content>`` in this process."""
    return CliRunner().invoke(main, ["check", "--content", str(content)])


def story_file(
    number: int,
    *,
    tags: list[str],
    quote: str | None = None,
    disclosure: str | dict[str, str] = "none",
    body: str = "Body.",
) -> str:
    """A published, consented story ``Story <number>`` dated 2025-0<number>-01, as a file's text."""
    data = {
        "id": f"s{number}",
        "kind": "story",
        "status": "published",
        "title": f"Story {number}",
        "date": f"2025-0{number}-01",
        "language": "en",
        "tags": tags,
        "quote": quote or f"Quote {number}.",
        "consent": {"method": "form", "date": "2025-01-01"},
        "disclosure": disclosure,
    }
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{body}\n"
