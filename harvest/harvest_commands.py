"""``kehila harvest`` and ``kehila add story``: bring new material into content/.

Both commands are registered on the ``kehila`` group in :mod:`kehila.cli`. They only write
through the item store (:mod:`kehila.harvest.store`), so editors' changes are never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from kehila.cli_options import config_option, iso_date
from kehila.model import Consent, Item, Person, Provenance
from kehila.terminal import make_console, shown
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from .harvest_config import HarvestConfig, build_sources, read_config
from .http import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES, DEFAULT_RETRIES, DEFAULT_TIMEOUT, HttpClient
from .sources.base import HarvestContext, HarvestError, Skipped
from .store import ItemStore, Outcome, StoreResult, harvest_lock
from .to_markdown import first_sentence, plain_text, text_to_markdown

log = logging.getLogger("kehila.harvest")

#: Exit status when the configuration is wrong (nothing was fetched).
EXIT_CONFIG = 2
#: Exit status when at least one source failed (the others were harvested).
EXIT_SOURCE_FAILED = 1

_CONFIG_OPTION = config_option(
    "The hub's mkdocs.yml (its docs_dir is the content folder; sources are read from "
    "the kehila plugin's 'sources:')."
)


@dataclass
class SourceReport:
    """What happened to one source, for the summary."""

    name: str
    type: str
    counts: Counter[str] = field(default_factory=Counter)
    details: list[tuple[str, str, str]] = field(default_factory=list)
    """``(outcome, what, reason)`` for kept, skipped and error records."""
    warnings: list[str] = field(default_factory=list)
    failure: str | None = None
    notice: str | None = None

    def record(self, result: StoreResult, project_dir: Path) -> None:
        self.counts[result.outcome.value] += 1
        if result.outcome in (Outcome.KEPT, Outcome.SKIPPED, Outcome.ERROR):
            where = result.ref
            if result.path is not None:
                where = _relative(result.path, project_dir)
            self.details.append((result.outcome.value, where, result.reason or ""))


@click.command("harvest")
@_CONFIG_OPTION
@click.option(
    "--source",
    "-s",
    "only",
    multiple=True,
    metavar="NAME",
    help="Harvest only this source (repeat for several). Default: every enabled source.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Fetch and report what would change, but write nothing (no items, no HTTP state).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for a server to connect or send data.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=DEFAULT_RETRIES,
    show_default=True,
    help="Retries of a request after a network error, 5xx, 429 or 503.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Largest response accepted (after decompression).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_DEADLINE,
    show_default=True,
    help="Seconds one response may take in all, however steadily the server drips bytes.",
)
def harvest(
    config_file: Path,
    only: tuple[str, ...],
    dry_run: bool,
    timeout: float,
    retries: int,
    max_bytes: int,
    deadline: float,
) -> None:
    """Pull new stories, answered questions and newsletter issues into content/.

    Every source declared under the kehila plugin's 'sources:' in mkdocs.yml is checked first
    (unknown types and bad options stop the harvest before anything is fetched), then harvested
    in turn. New items are written as 'status: pending' for an editor to review.

    Re-harvesting is safe: unchanged items are not rewritten, items an editor edited, published
    or rejected are never overwritten (they are reported as kept), and a rejected item never
    comes back. A summary per source ends the run.

    Exit status: 0 when every source was harvested, 1 when a source failed (the others still
    ran), 2 when the configuration is wrong.

    \b
    Examples:
      kehila harvest
      kehila harvest --source tavla-blog --dry-run
      kehila harvest -f path/to/mkdocs.yml --timeout 60
    """
    console = make_console(stderr=True)
    try:
        config = read_config(config_file)
    except HarvestError as exc:
        raise _config_failure(exc) from None
    client = HttpClient(
        timeout=timeout,
        retries=retries,
        max_bytes=max_bytes,
        deadline=deadline,
        state_path=config.state_dir / "http-state.json",
        on_retry=lambda url, wait, reason: console.print(
            shown(f"{url}: {reason}, waiting {wait:.1f}s", "yellow")
        ),
    )
    with client:
        reports = _run(config, client, console, only=only, dry_run=dry_run)
    _print_summary(reports, console, dry_run=dry_run, project_dir=config.project_dir)
    failed = [r.name for r in reports if r.failure]
    if failed:
        raise SystemExit(EXIT_SOURCE_FAILED)


def _run(
    config: HarvestConfig,
    client: HttpClient,
    console: Console,
    *,
    only: tuple[str, ...],
    dry_run: bool,
) -> list[SourceReport]:
    state: dict[str, Any] = {"report": None, "progress": None, "task": None}

    def warn(message: str) -> None:
        # Printed once: in the summary, under its source; live only when no source is running.
        report = state["report"]
        if report is not None:
            report.warnings.append(message)
        else:
            console.print(shown(f"warning: {message}", "yellow"))

    def progress(advance: int = 1, total: int | None = None) -> None:
        if state["progress"] is not None:
            state["progress"].update(state["task"], advance=advance, total=total)

    context = HarvestContext(
        project_dir=config.project_dir,
        state_dir=config.state_dir,
        http=client,
        warn=warn,
        progress=progress,
    )
    try:
        sources = build_sources(config, context, only=only)
    except HarvestError as exc:
        raise _config_failure(exc) from None
    if not sources:
        console.print("No sources to harvest: add some under the kehila plugin's 'sources:'.")
        return []
    store = ItemStore(config.content_dir, dry_run=dry_run)
    reports: list[SourceReport] = []
    with (
        _maybe_lock(config, dry_run),
        Progress(
            SpinnerColumn(),
            # The description is a source's name, shown as written (no markup).
            TextColumn("{task.description}", style="bold", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar,
    ):
        if not dry_run:
            for stale in store.remove_stale_temporaries():
                log.info("removed a temporary file left by an interrupted write: %s", stale)
        state["progress"] = bar
        for source in sources:
            report = SourceReport(name=source.name, type=source.type)
            reports.append(report)
            state["report"] = report
            state["task"] = bar.add_task(source.name, total=None)
            _harvest_one(source, store, report, bar, state["task"], config.project_dir)
            report.notice = getattr(source, "notice", None)
            if report.failure or report.counts[Outcome.ERROR.value] or dry_run:
                # Forget this source's new ETags: the next run must fetch it again in full.
                client.discard()
            else:
                client.commit()
            bar.update(state["task"], total=bar.tasks[-1].completed)
    return reports


def _harvest_one(
    source: Any,
    store: ItemStore,
    report: SourceReport,
    bar: Progress,
    task: Any,
    project_dir: Path,
) -> None:
    try:
        for found in source.items():
            if isinstance(found, Skipped):
                result = StoreResult(Outcome.SKIPPED, found.ref, reason=found.reason)
            else:
                result = store.put(found)
            report.record(result, project_dir)
            bar.update(task, advance=1)
    except HarvestError as exc:
        report.failure = str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken adapter must not stop the others
        log.exception("source %s failed", report.name)
        report.failure = f"source '{report.name}': unexpected {type(exc).__name__}: {exc}"


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _maybe_lock(config: HarvestConfig, dry_run: bool) -> Any:
    return _NoLock() if dry_run else harvest_lock(config.content_dir)


_COLUMNS = (
    ("new", Outcome.NEW),
    ("updated", Outcome.UPDATED),
    ("unchanged", Outcome.UNCHANGED),
    ("kept-because-edited", Outcome.KEPT),
    ("skipped", Outcome.SKIPPED),
    ("errors", Outcome.ERROR),
)


def _print_summary(
    reports: list[SourceReport], console: Console, *, dry_run: bool, project_dir: Path
) -> None:
    if not reports:
        return
    # Logs and CI: wide enough for every column, instead of rich's 80-column default.
    out = make_console(width=120)
    title = "Harvest summary (dry run: nothing written)" if dry_run else "Harvest summary"
    table = Table(title=title)
    table.add_column("source")
    table.add_column("type")
    for label, _ in _COLUMNS:
        table.add_column(label, justify="right")
    table.add_column("status")
    for report in reports:
        status = shown("failed", "red") if report.failure else shown("ok", "green")
        if report.notice and not report.failure:
            status.append(" (not modified)" if "304" in report.notice else f" ({report.notice})")
        table.add_row(
            report.name,
            report.type,
            *(str(report.counts[outcome.value]) for _, outcome in _COLUMNS),
            status,
        )
    out.print(table)
    for report in reports:
        if report.failure:
            out.print(shown(f"✗ {report.failure}", "red"), soft_wrap=True)
        skipped = Counter(r for o, _, r in report.details if o == "skipped")
        for reason, count in sorted(skipped.items()):
            out.print(shown(f"  {report.name}: skipped {count}× {reason}"), soft_wrap=True)
        for outcome, where, reason in report.details:
            if outcome == "kept":
                out.print(shown(f"  {report.name}: kept {where}: {reason}"), soft_wrap=True)
            elif outcome == "error":
                out.print(shown(f"  {report.name}: error {where}: {reason}", "red"), soft_wrap=True)
        for warning in report.warnings:
            out.print(shown(f"  {report.name}: warning: {warning}", "yellow"), soft_wrap=True)


def _config_failure(exc: HarvestError) -> click.exceptions.Exit:
    click.echo(f"Error: configuration: {exc}", err=True)
    return click.exceptions.Exit(EXIT_CONFIG)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


# -- kehila add story ----------------------------------------------------------------------------


@click.group("add")
def add() -> None:
    """Capture an item by hand (written as pending, like a harvested one)."""


@add.command("story")
@_CONFIG_OPTION
@click.option("--url", required=True, help="Where the customer posted it (the provenance).")
@click.option("--author", required=True, help="The customer's name as they show it publicly.")
@click.option("--author-url", help="A profile link of the author.")
@click.option("--quote", required=True, help="The words to quote, exactly as posted.")
@click.option("--title", help="Title of the story. Default: the quote's first sentence.")
@click.option(
    "--date",
    callback=iso_date,
    help="When it was posted (ISO 8601, e.g. 2025-03-04). Default: now.",
)
@click.option("--language", default="en", show_default=True, help="BCP 47 language tag.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for several).")
@click.option("--body", help="Longer text of the story (plain text; paragraphs kept).")
@click.option(
    "--consent",
    type=click.Choice(["public-post", "email", "form"]),
    help="Record how the author agreed to publication (dated now). Default: not recorded.",
)
@click.option(
    "--mask/--no-mask",
    default=True,
    show_default=True,
    help="Mask e-mail addresses and phone numbers in the quote and body.",
)
def add_story(
    config_file: Path,
    url: str,
    author: str,
    author_url: str | None,
    quote: str,
    title: str | None,
    date: dt.datetime | None,
    language: str,
    tags: tuple[str, ...],
    body: str | None,
    consent: str | None,
    mask: bool,
) -> None:
    """Write a pending story for something a customer posted about you.

    The item records where it came from (source 'manual' with the URL) and waits for an editor
    to check consent and disclosure and to publish it. Capturing the same URL again does not
    create a second story.

    \b
    Example:
      kehila add story --url https://social.example/@dana/1 --author "Dana W." \\
        --quote "Tavla's reminders halved our no-shows." --tag healthcare
    """
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(
            f"expected an http:// or https:// URL, got {url!r}", param_hint="--url"
        )
    try:
        config = read_config(config_file)
    except HarvestError as exc:
        raise _config_failure(exc) from None
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    when = date or now
    clean_quote = plain_text(quote, mask=mask)
    item = Item(
        id=f"manual:{url}",
        kind="story",
        status="pending",
        title=plain_text(title, mask=mask) if title else first_sentence(clean_quote),
        date=when,
        language=language,
        tags=list(dict.fromkeys(t.strip() for t in tags if t.strip())),
        body=text_to_markdown(body, mask=mask) if body else "",
        author=Person(name=plain_text(author, mask=False), url=author_url),
        quote=clean_quote,
        consent=Consent(method=consent, date=now, url=url) if consent else None,
        source=Provenance(name="manual", type="manual", url=url, harvested=now),
    )
    store = ItemStore(config.content_dir)
    with harvest_lock(config.content_dir):
        result = store.put(item)
    shown = _relative(result.path, Path.cwd()) if result.path else result.ref
    messages: dict[Outcome, Callable[[], str]] = {
        Outcome.NEW: lambda: f"Wrote {shown} (pending review).",
        Outcome.UNCHANGED: lambda: f"Already captured, unchanged: {shown}",
        Outcome.UPDATED: lambda: f"Updated {shown} (still pending).",
        Outcome.KEPT: lambda: f"Not changed: {shown} ({result.reason}).",
    }
    if result.outcome is Outcome.ERROR:
        raise click.ClickException(result.reason or "the story could not be written")
    click.echo(messages[result.outcome]())
