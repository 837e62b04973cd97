"""``kehila tags``: the tags in use, their names per language, and stubs for the missing names.

Tag names live in ``<content>/.kehila/tags.yml`` (``tag -> language -> name``, see
:mod:`kehila.desk.checks`). A name is *missing* when an item that is not rejected uses the tag
in a language that has no name for it (a regional language such as ``pt-BR`` may use ``pt``'s).
:func:`write_stubs` adds those languages with an empty name, keeping every entry and comment of
the file as it was (ruamel.yaml round trip), so the editor only fills in the blanks.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from ..content import TAG_NAMES_FILE, load_tag_names
from ..fileio import atomic_write, locked
from ..itemfile import round_trip_yaml
from .queue import Desk, DeskError

#: The first lines of a tags file that ``kehila tags --write`` creates.
HEADER = (
    "# Tag names as readers see them, per language: tag -> language (BCP 47) -> name.\n"
    "# `kehila tags` lists the tags in use; `kehila tags --write` adds an empty name for each\n"
    "# missing one. Fill them in: `kehila check` reports the tags of published items without\n"
    "# a name in the item's language.\n"
)


@dataclass
class TagUse:
    """One tag: how many items use it, in which languages, its names, and the names missing."""

    tag: str
    items: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    names: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def tag_report(desk: Desk) -> tuple[list[TagUse], list[str]]:
    """Every tag used by an item that is not rejected, by name; and the file's problems."""
    names, problems = load_tag_names(desk.content_dir)
    uses: dict[str, TagUse] = {}
    for item in desk.items:
        if item.status == "rejected":
            continue
        for tag in item.tags:
            use = uses.setdefault(tag, TagUse(tag))
            use.items += 1
            use.languages[item.language] += 1
    for use in uses.values():
        use.names = dict(sorted(names.names.get(use.tag, {}).items()))
        use.missing = sorted(
            language for language in use.languages if names.lookup(use.tag, language) is None
        )
    missing_file = [p for p in problems if p.startswith("file not found")]
    return sorted(uses.values(), key=lambda u: u.tag), [
        p for p in problems if p not in missing_file
    ]


def write_stubs(desk: Desk, uses: list[TagUse]) -> list[tuple[str, str]]:
    """Add an empty name for every missing one to the tags file; return ``(tag, language)`` added.

    Existing entries, their order and the comments stay; new tags go at the end, sorted.

    Raises:
        DeskError: the file cannot be read as a mapping (it is left as it was).
    """
    wanted = [(u.tag, language) for u in uses for language in u.missing]
    path = desk.content_dir / TAG_NAMES_FILE
    shown = path.as_posix()
    if not wanted:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        existing = path.read_text(encoding="utf-8") if path.is_file() else ""
        try:
            data = round_trip_yaml().load(existing)
        except YAMLError as exc:
            raise DeskError(f"{shown}: not valid YAML, nothing written: {exc}") from None
        # No file, an empty one or comments only: the mapping starts after them (or the header).
        fresh = data is None
        if fresh:
            data = CommentedMap()
        if not isinstance(data, CommentedMap):
            raise DeskError(f"{shown}: expected a mapping of tag -> language -> name")
        added = []
        for tag, language in wanted:
            entry = data.get(tag)
            if entry is None:
                entry = data[tag] = CommentedMap()
            if not isinstance(entry, CommentedMap):
                raise DeskError(f"{shown}: tag '{tag}': expected a mapping of language -> name")
            if language not in entry:
                entry[language] = None
                added.append((tag, language))
        out = io.StringIO()
        round_trip_yaml().dump(data, out)
        result = out.getvalue()
        if fresh:
            result = (existing if existing.strip() else HEADER).rstrip("\n") + "\n" + result
        atomic_write(path, result)
    return added
