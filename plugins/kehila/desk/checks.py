"""Health checks of a content folder, for a pre-commit hook and CI.

Three kinds of problem are reported, one line each, in the form ``<path>: <problem>``:

* items that do not follow the content model (the model's own message, unchanged);
* broken links between items: a relative link (or image) to a ``.md`` file in an item's body or
  answers, read as the build reads it (:func:`kehila.links.links`), must point at an existing
  file under the content folder, and a public item must not link to an item that is not public
  (that page does not exist on the hub);
* tag names without a translation: every tag of a published item needs a name in the
  item's language in the tag translations file, ``<content>/.kehila/tags.yml``::

      # tag -> language -> display name
      reminders:
        en: Reminders
        he: תזכורות
        ru: Напоминания

  A regional language (``pt-BR``) may fall back to its primary language (``pt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..content import TAG_NAMES_FILE, TagNames, resolve_file_link
from ..content import load_tag_names as read_tag_names
from ..links import links
from ..model import Item
from .queue import Desk

#: Where tag translations live, relative to the content folder.
TAGS_FILE = TAG_NAMES_FILE


@dataclass(frozen=True)
class Problem:
    """One thing to fix, located by file (and line, where known)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def check_content(desk: Desk) -> list[Problem]:
    """Every problem in the content folder: invalid items, broken links, missing tag names."""
    # The model's message, exactly: "<path>:<line>: field '<name>': <problem>".
    problems = [
        Problem(e.error.path, e.error.detail, e.error.line)
        for e in desk.entries
        if e.error is not None
    ]
    problems += check_links(desk)
    problems += check_tag_names(desk)
    return problems


def _targets(markdown: str) -> list[str]:
    """Where the links and images of a Markdown text lead, as the build reads them."""
    return [link.href for link in links(markdown) if link.kind in ("link", "image", "autolink")]


def check_links(desk: Desk) -> list[Problem]:
    """Relative links to ``.md`` files in item texts that lead nowhere on the hub."""
    root = desk.content_dir.as_posix()
    by_path = {e.path: e for e in desk.entries}
    problems = []
    for item in desk.items:
        assert item.path is not None
        texts = [item.body, *(answer.body for answer in item.answers)]
        for target in (t for text in texts for t in _targets(text)):
            found = resolve_file_link(item.path, target)
            if found is None:
                continue
            resolved = found[0]
            shown = f"link to '{target}'"
            if not resolved.startswith(root.rstrip("/") + "/") and root != ".":
                problems.append(Problem(item.path, f"{shown} points outside {root}/"))
            elif not Path(resolved).is_file():
                problems.append(Problem(item.path, f"{shown}: no such file ({resolved})"))
            elif resolved in by_path:
                linked = by_path[resolved]
                if linked.item is None:
                    problems.append(Problem(item.path, f"{shown}: the linked item is invalid"))
                elif item.is_public and not linked.item.is_public:
                    state = "private" if linked.item.private else linked.item.status
                    problems.append(
                        Problem(item.path, f"{shown}: the linked item is not published ({state})")
                    )
    return problems


def load_tag_names(content_dir: Path) -> tuple[TagNames, list[Problem]]:
    """Read ``.kehila/tags.yml`` (see :func:`kehila.content.load_tag_names`), problems located."""
    names, messages = read_tag_names(content_dir)
    shown = (content_dir / TAGS_FILE).as_posix()
    return names, [Problem(shown, message) for message in messages]


def check_tag_names(desk: Desk) -> list[Problem]:
    """Tags of published items without a name in the item's language.

    Only what readers see must be named: a fresh harvest (pending items) still passes, so that
    ``kehila check`` can guard commits of harvested content; the names are due when an editor
    publishes.
    """
    names, problems = load_tag_names(desk.content_dir)
    shown = (desk.content_dir / TAGS_FILE).as_posix()
    missing: dict[tuple[str, str], list[Item]] = {}
    for item in desk.items:
        if not item.is_public:
            continue
        for tag in item.tags:
            if names.lookup(tag, item.language) is None:
                missing.setdefault((tag, item.language), []).append(item)
    if not missing:
        # Without tags in use, a missing file is no problem.
        return [p for p in problems if not p.message.startswith("file not found")]
    for (tag, language), items in sorted(missing.items()):
        used = ", ".join(sorted(str(i.path) for i in items))
        problems.append(
            Problem(shown, f"tag '{tag}' has no name in language '{language}' (used by {used})")
        )
    return problems
