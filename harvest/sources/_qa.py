"""Helpers shared by the Q&A sources (``discourse``, ``github``, ``stackexchange``).

Option checking with messages that name the option, ``${VAR}`` expansion for secrets, HTML bodies
through the shared sanitiser, and the parts of a ``story`` item that do not depend on the forum.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Mapping
from typing import Any

import lxml.html

from kehila.harvest import sanitize
from kehila.harvest.sources.base import ConfigError
from kehila.model import Consent, Person

_ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s")
_QUOTE_LIMIT = 280


def check_options(source: str, options: Mapping[str, Any], known: Collection[str]) -> None:
    """Refuse unknown options (a typo would otherwise be silently ignored)."""
    for key in options:
        if key not in known:
            raise ConfigError(
                source, str(key), f"unknown option; expected one of {', '.join(sorted(known))}"
            )


def str_option(
    source: str, options: Mapping[str, Any], key: str, *, required: bool = False
) -> str | None:
    """A text option, or ``None`` when absent and not required."""
    value = options.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(source, key, "required option is missing")
        return None
    if not isinstance(value, str):
        raise ConfigError(source, key, f"expected text, got {value!r}")
    return value.strip()


def int_option(
    source: str,
    options: Mapping[str, Any],
    key: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
) -> Any:
    """A whole-number option (``default`` when absent), at least ``minimum`` if given."""
    value = options.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, key, f"expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(source, key, f"expected a number of at least {minimum}, got {value}")
    return value


def bool_option(source: str, options: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """A true/false option."""
    value = options.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError(source, key, f"expected true or false, got {value!r}")
    return value


def str_list_option(source: str, options: Mapping[str, Any], key: str) -> list[str]:
    """A list of text (a single text is a list of one)."""
    value = options.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(source, key, f"expected a list of text, got {value!r}")
    return [v.strip() for v in value]


def kind_option(source: str, options: Mapping[str, Any]) -> str:
    """``kind: qa`` (default, resolved threads) or ``kind: story`` (a show-and-tell category)."""
    kind = options.get("kind", "qa")
    if kind not in ("qa", "story"):
        raise ConfigError(source, "kind", f"expected qa or story, got {kind!r}")
    return kind


def secret_option(source: str, options: Mapping[str, Any], key: str) -> str | None:
    """A secret given literally or as ``${VAR}``, read from the environment.

    >>> os.environ["KEHILA_DOCTEST_KEY"] = "s3cret"
    >>> secret_option("forum", {"api_key": "${KEHILA_DOCTEST_KEY}"}, "api_key")
    's3cret'
    """
    value = str_option(source, options, key)
    if value is None:
        return None
    match = _ENV_REFERENCE.match(value)
    if not match:
        return value
    env = os.environ.get(match.group(1))
    if not env:
        raise ConfigError(source, key, f"environment variable {match.group(1)} is not set")
    return env


def sanitize_html(html: str, *, base_url: str | None = None, mask: bool = True) -> str:
    """Harvested HTML as safe Markdown, through the shared sanitiser (:mod:`kehila.harvest.sanitize`).

    Forums write links to their own pages as ``/t/...`` or ``/uploads/...``; with ``base_url``
    they are made absolute first, so that the sanitiser (which keeps only ``http(s)`` URLs) keeps
    them and they still work on the hub.
    """
    if base_url and re.search(r"""(?:href|src)\s*=\s*["']?/""", html):
        fragment = lxml.html.fragment_fromstring(html, create_parent="div")
        fragment.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
        html = lxml.html.tostring(fragment, encoding="unicode")
    return sanitize.html_to_markdown(html, mask=mask)


def plain(value: str, *, mask: bool = True) -> str:
    """A one-line plain string (a title or a quote) from text that may hold HTML or entities."""
    return sanitize.plain_text(value, mask=mask)


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
