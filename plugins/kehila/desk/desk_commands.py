"""The desk's commands: ``kehila review``, ``kehila stats``, ``kehila tags``, ``kehila check``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.table import Table
from rich.text import Text

from ..cli_options import iso_date
from ..model import CONSENT_METHODS, DISCLOSURES, KINDS
from ..terminal import clean, make_console, shown
from . import actions
from .checks import TAGS_FILE, check_content
from .duplicates import DEFAULT_THRESHOLD
from .queue import ANY_STATUS_FLAGS, FLAGS, Desk, DeskError, Entry, source_name
from .render import item_panel, queue_table
from .stats import compute_stats
from .tags import tag_report, write_stubs


def _content_option(default: Any = "content") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--content",
        "content_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        envvar="KEHILA_CONTENT",
        show_default=default is not None,
        help="The content folder with the items (or set KEHILA_CONTENT)."
        + (
            ""
            if default is not None
            else " Default: the one given to `kehila review`, else content."
        ),
    )


def _threshold_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--threshold",
        type=click.FloatRange(0, 100),
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Similarity (0-100) from which two texts by the same author count as duplicates.",
    )(f)


def _error(message: str) -> None:
    # Plain click output, never re-wrapped: the message may end with a command to copy.
    click.secho(clean(f"Error: {message}"), fg="red", err=True)


def _fail(message: str) -> NoReturn:
    _error(message)
    sys.exit(1)


def _desk(ctx: click.Context, content_dir: Path | None) -> Desk:
    obj = ctx.find_object(dict) or {}
    folder = content_dir or obj.get("content_dir") or Path("content")
    status = make_console(stderr=True)
    try:
        # A spinner on a terminal while a large hub is read; nothing when output is redirected.
        with (
            status.status(shown(f"Reading {folder.as_posix()}…"))
            if status.is_terminal
            else nullcontext()
        ):
            return Desk.load(folder, threshold=obj.get("threshold", DEFAULT_THRESHOLD))
    except DeskError as exc:
        _fail(str(exc))


def _resolve(desk: Desk, ident: str) -> Entry:
    try:
        return desk.resolve(ident)
    except DeskError as exc:
        _fail(str(exc))


# -- kehila review --------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@_content_option()
@click.option("--kind", type=click.Choice(KINDS), help="Only items of this kind.")
@click.option(
    "--source",
    "source",
    metavar="NAME",
    help="Only items from this source ('manual' for hand-written).",
)
@click.option("--language", metavar="TAG", help="Only items in this language (e.g. en, he).")
@click.option("--tag", metavar="TAG", help="Only items with this tag.")
@click.option(
    "--flag",
    "flags",
    type=click.Choice(list(FLAGS)),
    multiple=True,
    help="Only items with this flag (repeat to require several).",
)
@_threshold_option
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON instead of a table.")
@click.option(
    "-i",
    "--interactive",
    is_flag=True,
    help="Step through the queue with single-key actions (the keys are listed above).",
)
@click.pass_context
def review(
    ctx: click.Context,
    content_dir: Path,
    kind: str | None,
    source: str | None,
    language: str | None,
    tag: str | None,
    flags: tuple[str, ...],
    threshold: float,
    as_json: bool,
    interactive: bool,
) -> None:
    """Review the queue: pending items, newest first, with their flags.

    \b
    Flags:
      no consent        a story without `consent` (needed before publishing)
      disclosure?       a story without `disclosure` (needed before publishing)
      upstream changed  the source changed after an editor edited the file
      duplicate?        same author and near-identical text as another item
      not on the wall   a story without a pull quote (the wall shows quotes)

    With --flag upstream or --flag wall, items of every status are listed.

    Without a sub-command, lists the queue; with -i, steps through it, one key each:

    \b
    Keys of -i:
      a  approve (refused, with the reason, if the item cannot be published)
      r  reject (asks for the reason)
      s  skip to the next item
      e  edit the file in $EDITOR (the item is shown again, re-read)
      q  quit
      t  quick edit: the title (asks for it; Enter keeps the old one)
      u  quick edit: the quote (an empty one removes it)
      g  quick edit: the tags, comma-separated
      f  quick edit: featured on/off
    """
    ctx.ensure_object(dict)
    ctx.obj.update(content_dir=content_dir, threshold=threshold)
    if ctx.invoked_subcommand is not None:
        return
    desk = _desk(ctx, content_dir)
    # Upstream changes and quotes concern published items most: then every status is listed.
    any_status = bool(ANY_STATUS_FLAGS & set(flags))
    candidates = desk.newest_first(desk.items) if any_status else desk.queue()
    items = [
        item
        for item in candidates
        if (kind is None or item.kind == kind)
        and (source is None or source_name(item) == source)
        and (language is None or item.language.lower() == language.lower())
        and (tag is None or tag in item.tags)
        and all(flag in desk.flags(item) for flag in flags)
    ]
    console = make_console()
    if interactive:
        if not sys.stdin.isatty():
            raise click.UsageError("interactive mode (-i) needs a terminal")
        from .interactive import run

        tally = run(desk, items, console)
        console.print(
            f"Reviewed {sum(tally.values())} of {len(items)}: {tally['approved']} approved, "
            f"{tally['rejected']} rejected, {tally['skipped']} skipped."
        )
        return
    if as_json:
        data = [
            {
                "id": i.id,
                "path": i.path,
                "kind": i.kind,
                "status": i.status,
                "title": i.title,
                "source": source_name(i),
                "date": i.date.isoformat(),
                "language": i.language,
                "tags": i.tags,
                "flags": desk.flags(i),
                "duplicates": [
                    {"id": other, "similarity": score}
                    for other, score in desk.duplicates.get(i.id, [])
                ],
            }
            for i in items
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if items:
        console.print(queue_table(desk, items, status=any_status))
    flagged = {flag: sum(1 for i in items if flag in desk.flags(i)) for flag in FLAGS}
    details = ", ".join(f"{n} {flag}" for flag, n in flagged.items() if n)
    if any_status:
        console.print(
            f"{_plural(len(items), 'item')} of any status"
            + (f" (flags: {details})" if details else "")
            + "; `kehila review show ID` shows one."
        )
        return
    pending = len(desk.queue())
    count = f"{len(items)} of {pending}" if len(items) != pending else str(pending)
    console.print(
        f"{count} pending item{'s' if pending != 1 else ''}"
        + (f" (flags: {details})" if details else "")
        + "."
    )
    # Published stories without a quote are invisible on the wall: say so under the queue.
    off_wall = [i for i in desk.items if i.is_public and "wall" in desk.flags(i)]
    if off_wall:
        console.print(
            shown(
                f"{_plural(len(off_wall), 'published story', 'published stories')} not on the "
                "wall (no quote): `kehila review --flag wall` lists them, "
                "`kehila review edit ID --quote TEXT` adds one.",
                "blue",
            )
        )


@review.command()
@click.argument("ident", metavar="ID")
@_content_option(None)
@click.pass_context
def show(ctx: click.Context, ident: str, content_dir: Path | None) -> None:
    """Show one item readably: fields, provenance, flags, quote, body and answers.

    ID is an item id, a file path, a file name without .md, or a slug.
    """
    desk = _desk(ctx, content_dir)
    make_console().print(item_panel(desk, _resolve(desk, ident)))


def _each(
    ctx: click.Context,
    content_dir: Path | None,
    idents: tuple[str, ...],
    act: Callable[[Desk, Entry], str],
) -> None:
    """Run ``act`` on every item; report each; exit 1 if any was refused."""
    desk = _desk(ctx, content_dir)
    failed = 0
    for ident in idents:
        try:
            entry = desk.resolve(ident)
            click.echo(clean(f"{entry.id}: {act(desk, entry)} ({entry.path})"))
        except DeskError as exc:
            _error(str(exc))
            failed += 1
    if len(idents) > 1:
        click.echo(
            f"{len(idents) - failed} of {len(idents)} done"
            + (f", {failed} refused." if failed else ".")
        )
    if failed:
        sys.exit(1)


@review.command()
@click.argument("idents", metavar="ID...", nargs=-1, required=True)
@_content_option(None)
@click.pass_context
def approve(ctx: click.Context, idents: tuple[str, ...], content_dir: Path | None) -> None:
    """Publish items (status: published).

    A story is refused until it records both consent and disclosure; the message gives the
    command that sets the missing field. An item the content model rejects is refused too.

    Each ID is an item id, a file path, a file name without .md, or a slug.
    """
    _each(ctx, content_dir, idents, actions.approve)


@review.command()
@click.argument("idents", metavar="ID...", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the items are rejected (kept in front matter).")
@_content_option(None)
@click.pass_context
def reject(
    ctx: click.Context, idents: tuple[str, ...], reason: str, content_dir: Path | None
) -> None:
    """Reject items: status: rejected, with `rejected: {reason, date}`.

    Rejected items stay on disk, so a later harvest never brings them back.

    Each ID is an item id, a file path, a file name without .md, or a slug.
    """
    _each(ctx, content_dir, idents, lambda desk, entry: actions.reject(desk, entry, reason))


@review.command()
@click.argument("ident", metavar="ID")
@click.option(
    "--method",
    type=click.Choice(CONSENT_METHODS),
    required=True,
    help="How the author agreed: a form answer, an email, or a public post.",
)
@click.option(
    "--date",
    "date",
    required=True,
    callback=iso_date,
    metavar="DATE",
    help="When the author agreed (ISO 8601, e.g. 2025-11-03).",
)
@click.option("--note", help="A note on the consent, e.g. the wording the author agreed to.")
@click.option("--url", help="Where the consent can be seen (e.g. the public post).")
@_content_option(None)
@click.pass_context
def consent(
    ctx: click.Context,
    ident: str,
    method: str,
    date: dt.datetime,
    note: str | None,
    url: str | None,
    content_dir: Path | None,
) -> None:
    """Record the author's consent to publication (replaces an earlier record).

    ID is an item id, a file path, a file name without .md, or a slug.
    """

    def act(desk: Desk, entry: Entry) -> str:
        actions.record_consent(desk, entry, method=method, date=date, note=note, url=url)
        return f"consent recorded ({method}, {date.date().isoformat()})"

    _each(ctx, content_dir, (ident,), act)


@review.command()
@click.argument("ident", metavar="ID")
@click.argument("kind", metavar="TYPE", type=click.Choice(DISCLOSURES))
@click.option("--text", help="The disclosure as readers will see it, e.g. 'Received a free year.'")
@_content_option(None)
@click.pass_context
def disclose(
    ctx: click.Context, ident: str, kind: str, text: str | None, content_dir: Path | None
) -> None:
    """Record the author's connection to the brand: employee, paid, gifted, partner or none.

    ID is an item id, a file path, a file name without .md, or a slug.
    """

    def act(desk: Desk, entry: Entry) -> str:
        actions.record_disclosure(desk, entry, kind, text=text)
        return f"disclosure recorded ({kind})"

    _each(ctx, content_dir, (ident,), act)


@review.command()
@click.argument("ident", metavar="ID")
@click.option("--title", help="The title readers see.")
@click.option("--quote", help="The pull quote on the wall ('' removes it).")
@click.option("--author", "author", metavar="NAME", help="The author's name as shown.")
@click.option("--author-url", metavar="URL", help="The author's profile link ('' removes it).")
@click.option(
    "--tags",
    metavar="A,B",
    help="The tags, comma-separated; they replace the old ones ('' for none).",
)
@click.option(
    "--featured/--no-featured",
    default=None,
    help="Feature the story on the home page (or stop featuring it).",
)
@click.option("--language", metavar="TAG", help="The BCP 47 language tag (en, he, pt-BR).")
@_content_option(None)
@click.pass_context
def edit(
    ctx: click.Context,
    ident: str,
    title: str | None,
    quote: str | None,
    author: str | None,
    author_url: str | None,
    tags: str | None,
    featured: bool | None,
    language: str | None,
    content_dir: Path | None,
) -> None:
    """Fix an item's title, quote, author, tags, featured or language without opening the file.

    Only the fields given change; every other byte of the file stays (comments and quoting
    included). A value the content model refuses is refused with its message.

    \b
    Examples:
      kehila review edit 2025-11-02-pending-agency --quote "We book in minutes." --featured
      kehila review edit csv:autumn-survey:row-4 --tags agencies,booking --language en-us

    ID is an item id, a file path, a file name without .md, or a slug.
    """
    fields = dict(
        title=title,
        quote=quote,
        author=author,
        author_url=author_url,
        tags=None if tags is None else tags.split(","),
        featured=featured,
        language=language,
    )
    if all(value is None for value in fields.values()):
        raise click.UsageError("give at least one field to change, e.g. --title or --tags")

    def act(desk: Desk, entry: Entry) -> str:
        changed = actions.edit(desk, entry, **fields)
        return f"changed {', '.join(changed)}" if changed else "unchanged"

    _each(ctx, content_dir, (ident,), act)


@review.command("accept-upstream")
@click.argument("idents", metavar="ID...", nargs=-1, required=True)
@_content_option(None)
@click.pass_context
def accept_upstream(ctx: click.Context, idents: tuple[str, ...], content_dir: Path | None) -> None:
    """Take the upstream version harvest kept for items an editor had changed or reviewed.

    Everything comes from upstream except the editors' decisions: status, featured, private,
    consent, disclosure, and notes the model does not know. The item counts as unedited again
    (its fingerprint is upstream's) and loses the upstream flag. `kehila review show ID` shows
    what changes.

    Each ID is an item id, a file path, a file name without .md, or a slug.
    """
    _each(ctx, content_dir, idents, actions.accept_upstream)


@review.command("keep-mine")
@click.argument("idents", metavar="ID...", nargs=-1, required=True)
@_content_option(None)
@click.pass_context
def keep_mine(ctx: click.Context, idents: tuple[str, ...], content_dir: Path | None) -> None:
    """Keep the file as it is and dismiss the upstream version harvest kept.

    The upstream flag goes, and the next harvest leaves the item alone until upstream changes
    again.

    Each ID is an item id, a file path, a file name without .md, or a slug.
    """
    _each(ctx, content_dir, idents, actions.keep_mine)


@review.command()
@click.argument("keep", metavar="A")
@click.argument("other", metavar="B")
@_content_option(None)
@click.pass_context
def merge(ctx: click.Context, keep: str, other: str, content_dir: Path | None) -> None:
    """Merge duplicate B into A: A keeps both sources' provenance, B is retired.

    A gains `merged: [{id, date, source}]` with B's provenance, B's tags, and B's consent and
    disclosure when A has none. B stays on disk as rejected (`merged_into: A`), so harvest
    never brings it back.

    A and B are each an item id, a file path, a file name without .md, or a slug.
    """
    desk = _desk(ctx, content_dir)
    a, b = _resolve(desk, keep), _resolve(desk, other)
    try:
        filled = actions.merge(desk, a, b)
    except DeskError as exc:
        _fail(str(exc))
    extra = f"; took {', '.join(filled)} from it" if filled else ""
    click.echo(clean(f"merged {b.id} into {a.id}{extra}; {b.path} is now rejected."))


# -- kehila stats ------------------------------------------------------------------------------


@click.command()
@_content_option()
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON (for dashboards).")
@click.option(
    "--at",
    "at",
    callback=iso_date,
    metavar="DATE",
    help="Measure queue waits up to this moment instead of now (ISO 8601).",
)
@click.pass_context
def stats(ctx: click.Context, content_dir: Path, as_json: bool, at: dt.datetime | None) -> None:
    """Counts by kind, status, source and language; queue waits; stories without consent."""
    desk = _desk(ctx, content_dir)
    data = compute_stats(desk, at=at or actions.now())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = make_console()
    grid = Table.grid(padding=(0, 4))
    keys = ("kind", "status", "source", "language")
    for _ in keys:
        grid.add_column()
    grid.add_row(*[_counts_table(data, key) for key in keys])
    console.print(
        f"{data['items']} items"
        + (f", {data['invalid']} invalid (run `kehila check`)" if data["invalid"] else "")
    )
    console.print(grid)
    queue = data["queue"]
    if queue["pending"]:
        line = (
            f"Queue: {queue['pending']} pending; median wait {queue['median_wait_days']} days; "
            f"oldest {queue['oldest_id']} waiting {queue['oldest_wait_days']} days."
        )
        console.print(Text(clean(line)))
    else:
        console.print("Queue: empty.")
    count = data["published_stories_without_consent"]
    style = "red" if count else "green"
    console.print(Text(f"Published stories without consent: {count}", style=style))
    for path in data["published_stories_without_consent_paths"]:
        console.print(Text(clean(f"  {path}"), style=style))


def _counts_table(data: dict[str, Any], key: str) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column(key.capitalize(), no_wrap=True)
    table.add_column("Items", justify="right")
    for name, count in data[f"by_{key}"].items():
        table.add_row(Text(clean(name)), str(count))
    return table


# -- kehila tags -------------------------------------------------------------------------------


@click.command()
@_content_option()
@click.option(
    "--write",
    is_flag=True,
    help="Add an empty name for every missing one to <content>/.kehila/tags.yml (entries and "
    "comments kept), ready to fill in.",
)
@click.pass_context
def tags(ctx: click.Context, content_dir: Path, write: bool) -> None:
    """The tags in use: how many items use each, their names per language, the names missing.

    A name is missing when an item that is not rejected uses the tag in a language without a
    name for it in <content>/.kehila/tags.yml (`kehila check` requires them for published
    items). Exits 1 when the file itself has problems, such as a key written twice.
    """
    desk = _desk(ctx, content_dir)
    uses, problems = tag_report(desk)
    console = make_console()
    shown_file = (desk.content_dir / TAGS_FILE).as_posix()
    for problem in problems:
        console.print(shown(f"{shown_file}: {problem}", "red"), soft_wrap=True)
    if problems:
        sys.exit(1)
    if write:
        try:
            added = write_stubs(desk, uses)
        except DeskError as exc:
            _fail(str(exc))
        if added:
            console.print(
                shown(f"Added {_plural(len(added), 'empty name')} to {shown_file}: fill them in.")
            )
            uses, _ = tag_report(desk)
        elif any(u.missing for u in uses):
            console.print(shown(f"Every missing name already waits in {shown_file}: fill them in."))
        else:
            console.print(shown(f"No name is missing; {shown_file} is unchanged."))
    if not uses:
        console.print("No tags in use.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("Tag", no_wrap=True, style="bold")
    table.add_column("Items", justify="right")
    table.add_column("Names")
    table.add_column("Missing")
    for use in uses:
        names = ", ".join(f"{language}: {name}" for language, name in use.names.items())
        table.add_row(
            use.tag,
            str(use.items),
            names or "—",
            shown(", ".join(use.missing), "red") if use.missing else shown("—", "green"),
        )
    console.print(table)
    incomplete = sum(1 for u in uses if u.missing)
    summary = f"{_plural(len(uses), 'tag')} in use"
    if incomplete:
        summary += f", {incomplete} without a name in some language"
        if not write:
            summary += f" (`kehila tags --write` adds empty names to {shown_file})"
    console.print(shown(summary + "."))


# -- kehila check ------------------------------------------------------------------------------


@click.command()
@_content_option()
@click.pass_context
def check(ctx: click.Context, content_dir: Path) -> None:
    """Validate every item, links between items and tag translations; exit 1 on problems.

    \b
    Reports, one line each as <file>: <problem>:
      - items that break the content model (the model's exact message);
      - relative links to .md files that point at no file, or from a
        published item to one that is not published;
      - tags without a name in the item's language in <content>/.kehila/tags.yml
        (a mapping tag -> language -> name).

    Suitable for a pre-commit hook and CI.
    """
    desk = _desk(ctx, content_dir)
    problems = check_content(desk)
    console = make_console()
    for problem in problems:
        console.print(Text(clean(str(problem))), soft_wrap=True)
    files = len({p.path for p in problems})
    if problems:
        console.print(
            Text(
                f"{_plural(len(problems), 'problem')} in {_plural(files, 'file')}.",
                style="red",
            )
        )
        sys.exit(1)
    console.print(
        Text(
            f"All {len(desk.entries)} items are valid; links and tag names are fine.", style="green"
        )
    )


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def register(group: click.Group) -> None:
    """Add the desk's commands to the ``kehila`` command group."""
    for command in (review, stats, tags, check):
        group.add_command(command)
