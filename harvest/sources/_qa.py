"""Helpers shared by the Q&A sources (``discourse``, ``github``, ``stackexchange``).

HTML bodies through the shared sanitiser (with forum-relative links made absolute), and the
parts of a ``story`` item that do not depend on the forum (its quote and consent).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from kehila.harvest import to_markdown
from kehila.model import Consent, Person, Provenance

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s")
_QUOTE_LIMIT = 280


def sanitize_html(html: str, *, base_url: str | None = None, mask: bool = True) -> str:
    """Harvested HTML as safe Markdown, through :mod:`kehila.harvest.to_markdown`.

    Forums write links to their own pages as ``/t/...``, ``../uploads/...`` or ``//cdn/...``:
    they are resolved against ``base_url`` (the post's page) so that they still work on the hub;
    without a base they are dropped.
    """
    return to_markdown.html_to_markdown(html, base_url=base_url, mask=mask)


def plain(value: str, *, mask: bool = True) -> str:
    """A one-line plain string (a title or a quote) from text that may hold HTML or entities."""
    return to_markdown.plain_text(value, mask=mask)


def provenance(source: Any, url: str, extra: Mapping[str, Any] | None = None) -> Provenance:
    """The ``source`` of an item: which configured source found it, where, and when."""
    return Provenance(
        name=source.name,
        type=source.type,
        url=url,
        harvested=source.context.now,
        extra=dict(extra or {}),
    )


def first_sentence(markdown: str) -> str | None:
    """The first sentence of a post's text, as the quote of a story.

    >>> first_sentence("We cut our build time in half. Here is how!")
    'We cut our build time in half.'
    >>> first_sentence("![logo](x.png)\\n\\n**Big** win for [us](https://example.org)")
    'Big win for us'
    """
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", markdown)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+", "", text, flags=re.M)  # block marks
    text = re.sub(r"(\*\*|__|\*|_|`)", "", text)
    text = " ".join(text.split())
    if not text:
        return None
    match = _SENTENCE_END.search(text + " ")
    sentence = text[: match.start()] if match else text
    sentence = sentence.strip()
    if len(sentence) > _QUOTE_LIMIT:
        sentence = sentence[:_QUOTE_LIMIT].rsplit(" ", 1)[0] + "…"
    return sentence


def public_post_consent(date: dt.datetime, url: str) -> Consent:
    """The consent of a story taken from a public forum post: the post itself, with its date."""
    return Consent(method="public-post", date=date, url=url)


def person_or_ghost(name: str | None, url: str | None) -> Person:
    """An author; deleted accounts (no name) become ``ghost`` as the forums show them."""
    return Person(name=name or "ghost", url=url if name else None)
