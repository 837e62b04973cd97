"""The ``newsletter:`` block of the ``kehila`` plugin's options: who sends the email, and how
readers subscribe and unsubscribe (engine-neutral: the MkDocs option only calls this).

::

    plugins:
      - kehila:
          newsletter:
            from: Tavla Community <news@tavla.example>
            reply_to: community@tavla.example
            subscribe_url: https://tavla.example/newsletter
            unsubscribe: "*|UNSUB|*"
            unsubscribe_url: https://tavla.example/unsubscribe?email={email}&token={token}
            stylesheet: email.css

``newsletter: true`` (the default) and ``newsletter: false`` keep their meaning (the archive on
or off); a mapping switches the archive on and configures the email.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..validation import Reader, url_problem

#: What the email files carry where each reader's unsubscribe link goes, per email service.
UNSUBSCRIBE_PRESETS = {
    "buttondown": "{{ unsubscribe_url }}",
    "listmonk": "{{ UnsubscribeURL }}",
    "mailchimp": "*|UNSUB|*",
    "mailerlite": "{$unsubscribe}",
    "sendgrid": "{{{unsubscribe}}}",
}
DEFAULT_UNSUBSCRIBE = "{{ unsubscribe_url }}"

#: The sender written into email files when the block names none (a reserved domain: it can
#: never reach anyone, and ``kehila newsletter send`` refuses it).
PLACEHOLDER_SENDER = "newsletter@example.invalid"


@dataclass(frozen=True)
class NewsletterSettings:
    """The email side of the newsletter, checked."""

    sender: str = PLACEHOLDER_SENDER
    """``From``: an address, optionally with a display name (``from`` in the block)."""
    reply_to: str | None = None
    subscribe_url: str | None = None
    """Where readers subscribe: the archive pages' "Subscribe" link and the email's footer."""
    unsubscribe: str = DEFAULT_UNSUBSCRIBE
    """What the email files carry in place of each reader's unsubscribe link: the email
    service's merge tag (a preset name such as ``mailchimp``, or the tag itself)."""
    unsubscribe_url: str | None = None
    """For ``kehila newsletter send``: each reader's unsubscribe link, an https URL with
    ``{email}`` and optionally ``{token}`` (an HMAC of the address)."""
    stylesheet: str | None = None
    """A CSS file (relative to mkdocs.yml) added to the email's own stylesheet."""

    @property
    def has_sender(self) -> bool:
        return self.sender != PLACEHOLDER_SENDER

    @classmethod
    def from_options(cls, value: object) -> NewsletterSettings:
        """Read the plugin's ``newsletter`` option: ``true``, ``false`` or a mapping.

        Raises:
            ValueError: a key is unknown or has a wrong value; the message names it.
        """
        if value is None or isinstance(value, bool):
            return cls()
        if not isinstance(value, Mapping):
            raise ValueError(f"expected true, false or a mapping, got {value!r}")
        block = _Block("newsletter", value)
        sender = _text(block, "from", address_problem) or PLACEHOLDER_SENDER
        reply_to = _text(block, "reply_to", address_problem)
        subscribe_url = _text(block, "subscribe_url", url_problem)
        unsubscribe = _text(block, "unsubscribe") or DEFAULT_UNSUBSCRIBE
        unsubscribe_url = _text(block, "unsubscribe_url", unsubscribe_url_problem)
        stylesheet = _text(block, "stylesheet")
        block.finish()
        return cls(
            sender=sender,
            reply_to=reply_to,
            subscribe_url=subscribe_url,
            unsubscribe=UNSUBSCRIBE_PRESETS.get(unsubscribe.lower(), unsubscribe),
            unsubscribe_url=unsubscribe_url,
            stylesheet=stylesheet,
        )


class _Block(Reader):
    """Reads the block with the :class:`~kehila.validation.Reader` core: a ``ValueError`` that
    names the key."""

    def error(self, name: str, problem: str) -> ValueError:
        return ValueError(f"'{self.prefix}{name}': {problem}")


def _text(block: _Block, key: str, problem: Callable[[str], str | None] | None = None) -> Any:
    """The text of ``key`` without its surrounding spaces, checked by ``problem`` (or ``None``)."""
    found = block.string(key, None)
    if found is None:
        return None
    return block.check(key, found.strip(), problem) if problem else found.strip()


def address_problem(value: str) -> str | None:
    """Why ``value`` is not an email address, optionally with a display name."""
    _name, address = email.utils.parseaddr(value)
    local, _, domain = address.rpartition("@")
    if local and "." in domain and not any(c in value for c in "\r\n"):
        return None
    return f"expected an email address such as 'Tavla <news@tavla.example>', got {value!r}"


def unsubscribe_url_problem(value: str) -> str | None:
    """Why ``value`` is not a one-click unsubscribe URL with ``{email}`` (and ``{token}``)."""
    # RFC 8058: one-click unsubscription is an HTTPS URI that the mail client POSTs to.
    if problem := url_problem(value, ("https",)):
        return problem
    if "{email}" not in value:
        return f"expected '{{email}}' in the URL, got {value!r}"
    try:
        value.format(email="a", token="b")
    except (KeyError, IndexError, ValueError):
        return f"only the placeholders {{email}} and {{token}} may be used, got {value!r}"
    return None
