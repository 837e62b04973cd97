"""How the desk shows items in a terminal (rich)."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path, PurePosixPath

from rich.console import Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..itemfile import parse_date
from ..model import Item
from ..terminal import clean, shown
from .actions import hint, upstream_version
from .queue import FLAGS, UPSTREAM_CHANGED, Desk, Entry, is_edited, source_name

#: Short labels of the flags in the queue listing, with their colours.
FLAG_LABELS = {
    "consent": ("no consent", "red"),
    "disclosure": ("disclosure?", "yellow"),
    "upstream": ("upstream changed", "magenta"),
    "duplicate": ("duplicate?", "cyan"),
    "undated": ("undated", "yellow"),
    "wall": ("not on the wall", "blue"),
}


def flag_text(flags: list[str]) -> Text:
    text = Text()
    for index, flag in enumerate(flags):
        label, style = FLAG_LABELS[flag]
        if index:
            text.append(" ")
        text.append(f"[{label}]", style=style)
    return text


def queue_table(desk: Desk, items: list[Item], *, status: bool = False) -> Table:
    """One line per item: file name, kind, (status,) title, source, date, language and flags.

    Items are named by their file name (without ``.md``): shorter than most ids, and every
    review command accepts it.
    """
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("Item", no_wrap=True, style="bold")
    table.add_column("Kind", no_wrap=True)
    if status:
        table.add_column("Status", no_wrap=True)
    table.add_column("Title", no_wrap=True, overflow="ellipsis", max_width=60)
    table.add_column("Source", no_wrap=True)
    table.add_column("Date", no_wrap=True, min_width=10)
    table.add_column("Lang", no_wrap=True)
    table.add_column("Flags", no_wrap=True)
    for original in items:
        item = clean(original)
        table.add_row(
            PurePosixPath(str(item.path)).stem,
            item.kind,
            *([item.status] if status else []),
            item.title,
            source_name(item),
            item.date.date().isoformat(),
            item.language,
            flag_text(desk.flags(original)),
        )
    return table


def _when(value: object) -> str:
    """A moment as editors read it, in UTC; anything that is not a date is shown as it is."""
    try:
        moment = parse_date(value)
    except (TypeError, ValueError):
        return str(value)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def item_panel(desk: Desk, entry: Entry) -> Panel:
    """An item readably: its fields, provenance and flags, then quote, body and answers."""
    if entry.item is None:
        return Panel(
            Text(clean(str(entry.error)), style="red"),
            title=shown(entry.path),
            border_style="red",
        )
    original = entry.item
    item = clean(original)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()
    facts.add_row("ID", item.id)
    facts.add_row("File", clean(entry.path))
    facts.add_row("Kind / status", f"{item.kind} / {item.status}")
    facts.add_row("Date", _when(item.date))
    facts.add_row("Language", f"{item.language} ({item.direction})")
    facts.add_row("Tags", ", ".join(item.tags) or "—")
    if item.author:
        facts.add_row(
            "Author", item.author.name + (f" <{item.author.url}>" if item.author.url else "")
        )
    if item.consent:
        c = item.consent
        facts.add_row(
            "Consent",
            f"{c.method}, {_when(c.date)}"
            + (f" — {c.note}" if c.note else "")
            + (f" ({c.url})" if c.url else ""),
        )
    elif item.kind == "story":
        facts.add_row("Consent", Text("missing", style="red"))
    if item.disclosure:
        d = item.disclosure
        facts.add_row("Disclosure", d.type + (f" — {d.text}" if d.text else ""))
    elif item.kind == "story":
        facts.add_row("Disclosure", Text("unknown", style="yellow"))
    if item.source:
        s = item.source
        facts.add_row("Source", f"{s.name}" + (f" ({s.type})" if s.type else "") + f" {s.url}")
        facts.add_row("Harvested", _when(s.harvested))
        edited = is_edited(original)
        facts.add_row(
            "Edited since harvest",
            "unknown (no digest)" if edited is None else ("yes" if edited else "no"),
        )
        if s.extra.get(UPSTREAM_CHANGED):
            facts.add_row("Upstream changed", _when(s.extra[UPSTREAM_CHANGED]))
    else:
        facts.add_row("Source", "manual (written by hand)")
    for merged in item.extra.get("merged") or []:
        if isinstance(merged, dict):
            src = merged.get("source") or {}
            where = src.get("url", "") if isinstance(src, dict) else ""
            facts.add_row("Merged from", f"{merged.get('id')} {where}".strip())
    rejected = item.extra.get("rejected")
    if isinstance(rejected, dict):
        facts.add_row("Rejected", f"{_when(rejected.get('date'))}: {rejected.get('reason')}")
    flags = desk.flags(original)
    if flags:
        facts.add_row("Flags", flag_text(flags))
        for flag in flags:
            facts.add_row("", Text(FLAGS[flag], style="dim"))
    for other, score in desk.duplicates.get(original.id, []):
        facts.add_row("Possible duplicate", f"{clean(other)} (similarity {score:g}%)")

    parts: list[object] = [facts]
    if item.quote:
        parts += [
            Text(""),
            Panel(Text(item.quote, style="italic"), title="Quote", border_style="dim"),
        ]
    if item.body.strip():
        parts += [Text(""), Markdown(item.body)]
    for index, answer in enumerate(item.shown_answers):
        label = "Accepted answer" if answer.accepted else f"Answer {index + 1}"
        if answer.accepted_by:
            label += f" (accepted by {answer.accepted_by})"
        title = shown(f"{label} — {answer.author.name}")
        parts += [
            Text(""),
            Panel(
                Markdown(answer.body),
                title=title,
                border_style="green" if answer.accepted else "dim",
            ),
        ]
    changes = upstream_diff(desk, entry)
    if changes is not None:
        parts += [Text(""), changes]
    return Panel(Group(*parts), title=Text(item.title, style="bold"), title_align="left")


def upstream_diff(desk: Desk, entry: Entry) -> Panel | None:
    """What changed upstream against the file, as a unified diff (``None`` when nothing waits)."""
    found = upstream_version(desk, entry)
    if found is None:
        return None
    copy, upstream = found
    current = Path(entry.path).read_text(encoding="utf-8")
    lines = difflib.unified_diff(
        current.splitlines(keepends=True),
        upstream.splitlines(keepends=True),
        fromfile=f"{entry.path} (the file)",
        tofile=f"{copy.as_posix()} (upstream)",
    )
    text = Text()
    for line in lines:
        style = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")
        if line.startswith(("+++", "---")):
            style = "bold"
        text.append(clean(line if line.endswith("\n") else line + "\n"), style=style)
    ident = entry.id or entry.path
    return Panel(
        Group(
            text,
            Text(
                clean(
                    f"Take it: {hint(desk, 'accept-upstream', ident)}\n"
                    f"Keep yours: {hint(desk, 'keep-mine', ident)}"
                ),
                style="dim",
            ),
        ),
        title="Changed upstream",
        border_style="magenta",
    )
