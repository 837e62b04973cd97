"""``kehila review -i``: step through the queue with one key per decision."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from ..model import Item
from ..terminal import clean
from . import actions
from .queue import Desk, DeskError, Entry
from .render import item_panel

KEYS = (
    "[a]pprove  [r]eject  [s]kip  [e]dit in $EDITOR  [q]uit\n"
    "quick edits: [t]itle  q[u]ote  ta[g]s  [f]eatured on/off"
)

#: Quick edits: key -> (field, prompt). Each shows the item again, re-read, afterwards.
QUICK_EDITS = {
    "t": ("title", "Title"),
    "u": ("quote", "Quote (empty removes it)"),
    "g": ("tags", "Tags, comma-separated"),
}


def run(desk: Desk, items: list[Item], console: Console) -> Counter[str]:
    """Show each item in turn and act on single keys; returns how many items got which decision.

    Approving or rejecting moves on; a refused approval or an edit in ``$EDITOR`` shows the item
    again (re-read from disk), so the editor can fix it and decide.
    """
    tally: Counter[str] = Counter()
    total = len(items)
    ids = [item.id for item in items]
    position = 0
    while position < total:
        # Re-read the folder each time: the editor (or a colleague) may have changed files.
        fresh = Desk.load(desk.content_dir, threshold=desk.threshold)
        entry = next((e for e in fresh.entries if e.id == ids[position]), None)
        if entry is None:
            console.print(Text(clean(f"{ids[position]} is gone, skipping"), style="yellow"))
            position += 1
            continue
        console.rule(f"{position + 1}/{total}")
        console.print(item_panel(fresh, entry))
        console.print(Text(KEYS))
        key = click.getchar().lower()
        if key in ("q", "\x03", "\x04"):
            console.print("quit")
            break
        try:
            if key == "a":
                result = actions.approve(fresh, entry)
                console.print(Text(clean(f"approved {entry.id} ({result})"), style="green"))
                tally["approved"] += 1
            elif key == "r":
                reason = click.prompt("Reason for rejecting", prompt_suffix=": ")
                actions.reject(fresh, entry, reason)
                console.print(Text(clean(f"rejected {entry.id}"), style="red"))
                tally["rejected"] += 1
            elif key == "s":
                console.print(Text(clean(f"skipped {entry.id}")))
                tally["skipped"] += 1
            elif key == "e":
                click.edit(filename=str(Path(entry.path)))
                console.print(Text(clean(f"edited {entry.path}")))
                continue
            elif key in QUICK_EDITS or key == "f":
                _quick_edit(fresh, entry, key, console)
                continue
            else:
                console.print(Text(clean(f"unknown key {key!r}: {KEYS}"), style="yellow"))
                continue
        except DeskError as exc:
            console.print(Text(clean(str(exc)), style="red"))
            continue
        position += 1
    return tally


def _quick_edit(desk: Desk, entry: Entry, key: str, console: Console) -> None:
    """Change one field from a prompt (``f`` toggles ``featured``), through the desk's writer."""
    item = entry.item
    if key == "f":
        featured = not (item is not None and item.featured)
        changed = actions.edit(desk, entry, featured=featured)
    else:
        name, label = QUICK_EDITS[key]
        current = {
            "title": item.title if item else "",
            "quote": (item.quote or "") if item else "",
            "tags": ", ".join(item.tags) if item else "",
        }[name]
        value = click.prompt(label, default=current, show_default=bool(current), prompt_suffix=": ")
        if name == "tags":
            changed = actions.edit(desk, entry, tags=value.split(","))
        else:
            changed = actions.edit(desk, entry, **{name: value.strip()})
    console.print(Text(clean(f"changed {', '.join(changed)}" if changed else "unchanged")))
