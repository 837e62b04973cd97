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
from .queue import Desk, DeskError
from .render import item_panel

KEYS = "[a]pprove  [r]eject  [s]kip  [e]dit in $EDITOR  [q]uit"


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
            else:
                console.print(Text(clean(f"unknown key {key!r}: {KEYS}"), style="yellow"))
                continue
        except DeskError as exc:
            console.print(Text(clean(str(exc)), style="red"))
            continue
        position += 1
    return tally
