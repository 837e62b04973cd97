"""``kehila newsletter``: an issue's email, a draft issue from the community's best, sending."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from kehila.harvest.store import ItemStore, Outcome, harvest_lock

from ..cli_options import config_option, iso_date
from ..fileio import atomic_write
from ..model import Item
from .draft import compose, last_issue_date, select
from .issue_email import EmailError, render_issue
from .send import (
    UNSUBSCRIBE_SECRET,
    SendError,
    SendReport,
    SmtpSettings,
    read_recipients,
    send_issue,
)
from .site import NewsletterSite, SiteError, load_site
from .stylesheet import StylesheetError

_CONFIG_OPTION = config_option(
    "The hub's mkdocs.yml (its site_url, URL formats and 'newsletter:' block)."
)


def _fail(message: str) -> NoReturn:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


def _site(config_file: Path) -> NewsletterSite:
    try:
        return load_site(config_file)
    except (SiteError, StylesheetError) as exc:
        _fail(str(exc))


def _issues(site: NewsletterSite, idents: tuple[str, ...], *, draft: bool) -> list[Item]:
    """The issues named, all found and allowed before anything is written."""
    issues = []
    for ident in idents:
        try:
            item = site.issue(ident)
        except SiteError as exc:
            _fail(str(exc))
        if not item.is_public and not draft:
            state = "private" if item.private else item.status
            _fail(
                f"{item.path}: the issue is {state}, not published; publish it first, or give "
                "--draft to export it for a test send"
            )
        issues.append(item)
    slugs: dict[str, Item] = {}
    for item in issues:
        other = slugs.setdefault(item.url_slug, item)
        if other is not item:
            _fail(
                f"{other.path} and {item.path} would both be written as {item.url_slug}.*: "
                "give one of them another 'slug'"
            )
    return issues


@click.group("newsletter")
def newsletter() -> None:
    """Write the newsletter once: the email of an issue, a draft issue, sending.

    The issue's Markdown file in content/ is both the archive page on the hub and the email.
    """


@newsletter.command("email")
@_CONFIG_OPTION
@click.argument("idents", metavar="ID...", nargs=-1, required=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write <slug>.html, <slug>.txt and <slug>.eml into (created if needed).",
)
@click.option(
    "--draft", is_flag=True, help="Also export an issue that is not published (for a test send)."
)
def email_command(config_file: Path, idents: tuple[str, ...], out_dir: Path, draft: bool) -> None:
    """Export newsletter issues as email files.

    ID is an issue's id, slug or file name. For each issue, writes the HTML for an email
    service (inlined styles, table layout, the service's unsubscribe placeholder), the plain
    text alternative and a ready .eml message (multipart/alternative).

    \b
    Example:
      kehila newsletter email tavla-notes-12 --out outbox/
    """
    site = _site(config_file)
    issues = _issues(site, idents, draft=draft)
    for item in issues:
        try:
            issue = render_issue(item, site.email)
        except EmailError as exc:
            _fail(str(exc))
        message = issue.message(site.settings)
        files = {
            "html": issue.html,
            "txt": issue.text,
            "eml": message.as_string(),
        }
        for suffix, text in files.items():
            # Whole files or none, but not flushed one by one: exports can be made again.
            atomic_write(out_dir / f"{issue.slug}.{suffix}", text, sync=False)
        click.echo(f"Wrote {out_dir.as_posix()}/{issue.slug}.{{html,txt,eml}}")
    if not site.settings.has_sender:
        click.echo(
            "Note: no 'from:' in the newsletter block of mkdocs.yml; the .eml files carry a "
            "placeholder sender.",
            err=True,
        )


@newsletter.command("draft")
@_CONFIG_OPTION
@click.option(
    "--since",
    callback=iso_date,
    help="Take what was published after this date (ISO 8601, e.g. 2025-10-01).",
)
@click.option(
    "--since-last",
    is_flag=True,
    help="Take what was published after the newest published issue (the default).",
)
@click.option("--dry-run", is_flag=True, help="Print the draft's Markdown instead of writing it.")
def draft_command(
    config_file: Path, since: dt.datetime | None, since_last: bool, dry_run: bool
) -> None:
    """Compose a pending issue from the stories and answered questions published since the
    last issue (or --since DATE), in the site's language.

    Each story comes with its title linked to its page, its pull quote and its disclosure; each
    question with its title linked to its page. Nothing unpublished is used. The draft lands in
    the desk's queue (kehila review) as a pending item, for the editor to rewrite and publish.

    \b
    Example:
      kehila newsletter draft                    # since the last published issue
      kehila newsletter draft --since 2025-10-01
    """
    if since is not None and since_last:
        raise click.BadParameter(
            "give --since DATE or --since-last, not both", param_hint="--since"
        )
    site = _site(config_file)
    if since is None:
        since = last_issue_date(site.catalog)
    content = select(site.catalog, since)
    after = f"since {since.date().isoformat()}" if since else "so far"
    if not content.stories and not content.questions:
        click.echo(f"Nothing was published {after}: no draft written.")
        return
    options = site.hub.options
    item = compose(
        content,
        site_name=site.email.site_name,
        language=options.site_language,
        content_label=options.content_label,
        now=dt.datetime.now(dt.UTC),
    )
    if dry_run:
        click.echo(item.to_text(), nl=False)
        return
    store = ItemStore(site.content_dir)
    with harvest_lock(site.content_dir):
        result = store.put(item)
    if result.outcome is not Outcome.NEW or result.path is None:
        _fail(f"the draft was not written: {result.reason or result.outcome.value}")
    shown = _shown(result.path)
    click.echo(
        f"Wrote {shown} (pending): {len(content.stories)} stories and "
        f"{len(content.questions)} answered questions published {after}. "
        f"Edit it, then publish it with: kehila approve {item.id}"
    )


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


@newsletter.command("send")
@_CONFIG_OPTION
@click.argument("ident", metavar="ID")
@click.option(
    "--to",
    "list_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV list of recipients: email[,name] per line (a header row is allowed).",
)
@click.option(
    "--send",
    "really",
    is_flag=True,
    help="Really send. Without it, a dry run: says who would get the issue, sends nothing.",
)
@click.option(
    "--retry-uncertain",
    is_flag=True,
    help="Also send to addresses an interrupted run may or may not have reached.",
)
def send_command(
    config_file: Path, ident: str, list_file: Path, really: bool, retry_uncertain: bool
) -> None:
    """Send a published issue to a list over SMTP (a dry run unless --send).

    Each message carries its reader's own unsubscribe link (newsletter.unsubscribe_url) and
    List-Unsubscribe with one-click POST (RFC 8058). What was sent is logged in
    content/.kehila/newsletter/, so a rerun never sends twice. The SMTP server comes from
    KEHILA_SMTP_HOST, KEHILA_SMTP_PORT, KEHILA_SMTP_USER, KEHILA_SMTP_PASSWORD and
    KEHILA_SMTP_SECURITY (starttls, ssl or none; default starttls); {token} in the unsubscribe
    URL is signed with KEHILA_UNSUBSCRIBE_SECRET.

    \b
    Example:
      kehila newsletter send tavla-notes-20 --to subscribers.csv          # dry run
      KEHILA_SMTP_HOST=smtp.example.net kehila newsletter send tavla-notes-20 \\
        --to subscribers.csv --send
    """
    site = _site(config_file)
    (item,) = _issues(site, (ident,), draft=False)
    try:
        recipients = read_recipients(list_file)
        smtp = SmtpSettings.from_environment(os.environ) if really else None
        issue = render_issue(item, site.email)
        report = send_issue(
            issue,
            site.settings,
            recipients,
            state_dir=site.state_dir,
            smtp=smtp,
            secret=os.environ.get(UNSUBSCRIBE_SECRET),
            retry_uncertain=retry_uncertain,
        )
    except (SendError, EmailError) as exc:
        _fail(str(exc))
    _print_report(report, issue.slug, dry_run=not really)
    if report.stopped:
        _fail(f"stopped early: {report.stopped}. Run the command again to go on.")


def _print_report(report: SendReport, slug: str, *, dry_run: bool) -> None:
    if dry_run:
        click.echo(f"Dry run: {len(report.to_send)} would get {slug} (give --send to send).")
        for address in report.to_send:
            click.echo(f"  {address}")
    else:
        click.echo(f"Sent {slug} to {len(report.sent)}.")
    if report.already:
        click.echo(f"Already sent earlier: {len(report.already)}.")
    for address, reason in report.refused:
        click.echo(f"Refused: {address} ({reason})")
    for address in report.uncertain:
        click.echo(
            f"Uncertain: {address} (an interrupted run may have reached it; not sent again "
            "unless --retry-uncertain)"
        )


def register(group: click.Group) -> None:
    """Add ``kehila newsletter`` to the ``kehila`` command."""
    group.add_command(newsletter)
