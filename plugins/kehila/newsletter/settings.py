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
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

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

_KEYS = ("from", "reply_to", "subscribe_url", "unsubscribe", "unsubscribe_url", "stylesheet")


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
        unknown = sorted(set(value) - set(_KEYS))
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
        strings = {}
        for key in _KEYS:
            found = value.get(key)
            if found is not None and (not isinstance(found, str) or not found.strip()):
                raise ValueError(f"'{key}': expected text, got {found!r}")
            strings[key] = found.strip() if found else None
        sender = strings["from"] or PLACEHOLDER_SENDER
        _check_address("from", sender)
        if strings["reply_to"]:
            _check_address("reply_to", strings["reply_to"])
        if strings["subscribe_url"]:
            _check_url("subscribe_url", strings["subscribe_url"], schemes=("http", "https"))
        unsubscribe = strings["unsubscribe"] or DEFAULT_UNSUBSCRIBE
        unsubscribe = UNSUBSCRIBE_PRESETS.get(unsubscribe.lower(), unsubscribe)
        if strings["unsubscribe_url"]:
            _check_unsubscribe_url(strings["unsubscribe_url"])
        return cls(
            sender=sender,
            reply_to=strings["reply_to"],
            subscribe_url=strings["subscribe_url"],
            unsubscribe=unsubscribe,
            unsubscribe_url=strings["unsubscribe_url"],
            stylesheet=strings["stylesheet"],
        )


def _check_address(key: str, value: str) -> None:
    name, address = email.utils.parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or any(c in value for c in "\r\n"):
        raise ValueError(
            f"'{key}': expected an email address such as 'Tavla <news@tavla.example>', "
            f"got {value!r}"
        )


def _check_url(key: str, value: str, *, schemes: tuple[str, ...]) -> None:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"'{key}': expected an absolute {' or '.join(schemes)} URL, got {value!r}")


def _check_unsubscribe_url(value: str) -> None:
    # RFC 8058: one-click unsubscription is an HTTPS URI that the mail client POSTs to.
    _check_url("unsubscribe_url", value, schemes=("https",))
    if "{email}" not in value:
        raise ValueError(f"'unsubscribe_url': expected '{{email}}' in the URL, got {value!r}")
    try:
        value.format(email="a", token="b")
    except (KeyError, IndexError, ValueError):
        raise ValueError(
            f"'unsubscribe_url': only the placeholders {{email}} and {{token}} may be used, "
            f"got {value!r}"
        ) from None
