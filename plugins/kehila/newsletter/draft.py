"""A draft issue composed from what the community published since the last issue.

The draft is an ordinary pending newsletter item, in the site's language: for each public
story, its title linked to its page, its pull quote with the author and the disclosure beside it;
for each answered question, its title linked to its page. Links point at the items' files
(``../stories/<file>.md``), which the hub turns into the pages' URLs on the archive page and in
the email, and which lose their target if an item is unpublished later. Nothing that is not
public is ever read into it. The editor rewrites and approves it at the desk like any pending
item; it is written by the item store (source ``manual``), as ``kehila add story`` writes.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..content import Catalog
from ..model import Item, Provenance
from ..pages import DISCLOSURE_LABELS, format_date
from . import messages

#: Where the store writes newsletter items, relative to the content folder (harvest's folders).
NEWSLETTER_FOLDER = "newsletter"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!])")


@dataclass(frozen=True)
class DraftContent:
    stories: list[Item]
    questions: list[Item]
    since: dt.datetime | None


def last_issue_date(catalog: Catalog) -> dt.datetime | None:
    """The date of the newest published issue (``None`` when there is none)."""
    issues = catalog.public("newsletter")
    return issues[0].date if issues else None


def select(catalog: Catalog, since: dt.datetime | None) -> DraftContent:
    """Public stories and answered questions dated after ``since`` (all of them if ``None``),
    oldest first, as a letter tells them."""

    def chosen(kind: str) -> list[Item]:
        items = [i for i in catalog.public(kind) if since is None or i.date > since]
        return sorted(items, key=lambda i: (i.date, i.id))

    return DraftContent(chosen("story"), chosen("qa"), since)


def compose(
    content: DraftContent,
    *,
    site_name: str,
    language: str,
    content_label: str,
    now: dt.datetime,
) -> Item:
    """The pending issue (not yet written).

    Args:
        content: From :func:`select`.
        site_name: The hub's name, in the title.
        language: The site's language: the draft's words and the issue's ``language``.
        content_label: How item paths start (``content``): links are made relative to the
            newsletter folder.
        now: When the draft is made (its date and id).
    """

    def t(message: str, **values: object) -> str:
        return messages.gettext(language, message, **values)

    here = f"{content_label.rstrip('/')}/{NEWSLETTER_FOLDER}"
    link = _linker(here)

    def attrs(item: Item) -> str:
        # An item in another language than the issue's keeps its own (and its direction).
        if item.language == language:
            return ""
        return f'{{ lang="{item.language}" dir="{item.direction}" }}'

    parts = [t(messages.DRAFT_INTRO)]
    if content.stories:
        parts.append(f"## {t(messages.DRAFT_STORIES)}")
        parts += [_story(item, link, t, attrs(item)) for item in content.stories]
    if content.questions:
        parts.append(f"## {t(messages.DRAFT_ANSWERS)}")
        parts.append(
            "\n".join(
                f"- [{_link_text(item.title)}]({link(item)}){attrs(item)}"
                for item in content.questions
            )
        )
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    return Item(
        id=f"manual:newsletter-draft:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
        kind="newsletter",
        status="pending",
        title=t(messages.DRAFT_TITLE, site=site_name, date=format_date(stamp, language)),
        date=stamp,
        language=language,
        tags=[],
        body="\n\n".join(parts) + "\n",
        summary=t(
            messages.DRAFT_SUMMARY,
            stories=len(content.stories),
            answers=len(content.questions),
        ),
        source=Provenance(
            name="manual",
            type="manual",
            url=f"kehila:newsletter-draft:{stamp.isoformat()}",
            harvested=stamp,
        ),
    )


def _story(item: Item, link: Callable[[Item], str], t: Callable[..., str], attrs: str) -> str:
    lines = [f"### [{_link_text(item.title)}]({link(item)}){' ' + attrs if attrs else ''}"]
    if item.quote:
        quote = [f"> {_escape(line)}" if line.strip() else ">" for line in item.quote.splitlines()]
        if attrs:
            quote.append(f"> {attrs}")
        if item.author:
            quote += [">", f"> — {_escape(item.author.name)}"]
        lines += ["", *quote]
    if item.disclosure is not None and item.disclosure.is_material:
        label = t(DISCLOSURE_LABELS[item.disclosure.type])
        text = f": {_escape(item.disclosure.text)}" if item.disclosure.text else ""
        lines += ["", f"*{t(messages.DISCLOSURE)}: {label}{text}*"]
    return "\n".join(lines)


def _linker(here: str) -> Callable[[Item], str]:
    def link(item: Item) -> str:
        assert item.path is not None
        return posixpath.relpath(item.path, here).replace(" ", "%20")

    return link


def _link_text(title: str) -> str:
    # Square brackets become round ones, which read the same: link text without brackets stays
    # a link for any Markdown reader, however it treats escapes (the hub's relinking, which
    # reads them as Markdown does, once ended a link's text at any bracket).
    return _escape(title.replace("[", "(").replace("]", ")"))


def _escape(text: str) -> str:
    """Text as Markdown shows it literally (quotes and titles come from strangers)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
