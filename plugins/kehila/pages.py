"""The pages the hub generates: :class:`PageSpec`, the HTML blocks kept out of Markdown, and the
words and dates every page shares."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import babel.dates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .i18n import N_, direction, locale
from .model import Item

#: What each disclosure type says beside a quote (the law of testimonials wants it visible);
#: catalog messages, shown in the site's language.
DISCLOSURE_LABELS = {
    "employee": N_("Works for us"),
    "paid": N_("Paid testimonial"),
    "gifted": N_("Received a free product"),
    "partner": N_("Business partner"),
}

#: The title of the page left at the URL of an item that is no longer published.
REMOVED_TITLE = N_("This item was removed")


#: How feed formats are named for readers.
FEED_FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


class HubError(ValueError):
    """Two generated pages would share one path (a configuration mistake)."""


@dataclass
class PageSpec:
    """One page to generate."""

    src_uri: str
    title: str
    markdown: str
    item: Item | None = None
    draft: bool = False
    """A preview page (pending item on ``serve``): never part of a build."""
    harvested: bool = False
    """The page shows text harvested from strangers: its HTML must be sanitised."""
    view: str = "item"
    """What the page is: item, index, wall, tag, tags, year, home, feeds, embed or removed."""
    section: str | None = None
    """The section (stories, questions, newsletter) the page belongs to, for feeds and crumbs."""
    feeds: str | None = None
    """The feeds the page offers readers (``<link rel="alternate">``) when they are not its
    section's: a tag's (``tags/<slug>``)."""
    crumbs: list[tuple[str, str]] = field(default_factory=list)
    """Ancestors as (title, src_uri), home first; the page itself is not included."""
    noindex: bool = False
    """Search engines should not index the page (pagination, removed items)."""
    fast_markdown: str | None = None
    """:attr:`markdown` with every HTML block replaced by a marker (an HTML comment): what the
    MkDocs plugin hands to MkDocs. Only the items' own Markdown goes through Markdown; the
    hub's HTML (metadata, answers' frames, lists of items) is put in place afterwards by
    :meth:`finish`, so that no HTML is parsed by Markdown (``md_in_html``) on every page."""
    fragments: tuple[str, ...] = ()
    """The HTML blocks that :attr:`fast_markdown`'s markers stand for, in order."""

    @property
    def source(self) -> str:
        """The Markdown that MkDocs converts: :attr:`fast_markdown` where there is one."""
        return self.fast_markdown if self.fast_markdown is not None else self.markdown

    def finish(self, html: str) -> str | None:
        """Put the HTML blocks in place of their markers in the HTML converted from
        :attr:`fast_markdown`; ``None`` if a marker went missing or was repeated (an item's
        Markdown swallowed it, e.g. an unclosed code fence): convert :attr:`markdown` instead.
        """
        return finish_html(html, self.fragments)

    @property
    def language(self) -> str | None:
        return self.item.language if self.item else None

    @property
    def direction(self) -> str | None:
        return self.item.direction if self.item else None


class Rendered(NamedTuple):
    """A template rendered for both ways of converting it (see :attr:`PageSpec.fast_markdown`)."""

    markdown: str
    fast_markdown: str
    fragments: tuple[str, ...]

    def spec_fields(self) -> dict[str, object]:
        return {"fast_markdown": self.fast_markdown, "fragments": self.fragments}


#: Marker of the n-th HTML block of a page: random per process, so that no item's text can
#: hold one (a rebuild under ``serve`` compares pages of the same process).
_NONCE = secrets.token_hex(6)
_MARKER = re.compile(rf"<!--kehila-{_NONCE}-(\d+)-->")


def marker_nonce() -> str:
    """This process's marker token (see :func:`use_marker_nonce`)."""
    return _NONCE


def use_marker_nonce(nonce: str) -> None:
    """Make this process's markers those of another (a worker rendering pages for the build)."""
    global _NONCE, _MARKER
    _NONCE, _MARKER = nonce, re.compile(rf"<!--kehila-{nonce}-(\d+)-->")


def marker(number: int) -> str:
    """The marker of a page's ``number``-th HTML block (see :func:`stash`)."""
    return f"<!--kehila-{_NONCE}-{number}-->"


def split_markers(text: str) -> list[str]:
    """``text`` split at its markers: text, a marker's number, text... (as ``re.split``)."""
    return _MARKER.split(text)


def finish_html(html: str, fragments: tuple[str, ...]) -> str | None:
    """``html`` with the n-th marker replaced by ``fragments[n]`` (see :meth:`PageSpec.finish`)."""
    if not fragments:
        return html
    parts = _MARKER.split(html)
    if parts[1::2] != [str(n) for n in range(len(fragments))]:
        return None
    out = parts[0::2]
    for number, fragment in enumerate(fragments):
        # md_in_html's attribute has no meaning outside Markdown (see Hub._render).
        out[number] += fragment.replace(" markdown>", ">")
    return "".join(out)


@dataclass
class Pager:
    """Where a paginated page sits among its siblings."""

    number: int
    count: int
    newer: str | None
    older: str | None


def expand_markers(fast: str, fragments: list[str]) -> str:
    """``fast`` with every marker replaced by its HTML block (the page's whole Markdown)."""
    return _MARKER.sub(lambda m: fragments[int(m[1])], fast) if fragments else fast


@pass_context
def stash(context: Context, html: str) -> Markup:
    """Keep a block of HTML out of the Markdown: a marker stands in its place (``{% filter
    stash %}``); see :attr:`PageSpec.fast_markdown`."""
    fragments: list[str] = context["_fragments"]
    fragments.append(str(html).strip("\n"))
    return Markup(f"\n\n{marker(len(fragments) - 1)}\n\n")


def check_unique(pages: Sequence[PageSpec]) -> None:
    seen: dict[str, PageSpec] = {}
    for page in pages:
        other = seen.setdefault(page.src_uri, page)
        if other is not page:
            raise HubError(
                f"Two generated pages would be written to '{page.src_uri}': "
                f"'{other.title}' and '{page.title}'. Change one of the URL options."
            )


def time_element(value: dt.datetime, fmt: str = "long", *, language: str) -> Markup:
    """A date as a ``<time>``, written for the site's readers (issue 14).

    Kehila's words and dates follow the site's language, whatever the item's: a Portuguese
    story on a Hebrew hub says its date in Hebrew, as the cards beside it do. The date is isolated
    in ``<bdi>`` and says its language, since it usually stands in the item's text and direction.
    """
    return Markup('<bdi lang="{}" dir="{}"><time datetime="{}">{}</time></bdi>').format(
        language, direction(language), value.date().isoformat(), format_date(value, language, fmt)
    )


@functools.lru_cache(maxsize=65_536)
def format_date(value: dt.datetime, language: str = "en", fmt: str = "long") -> str:
    """A date as people of ``language`` write it (falls back to English for unknown tags)."""
    return babel.dates.format_date(value.date(), format=fmt, locale=locale(language))
