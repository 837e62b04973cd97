"""The ledger of published URLs: links to the hub never break.

Every build records the URL of every published item in a small JSON file that is committed with
the content (by default ``content/.kehila/urls.json``; MkDocs never publishes dot folders). When
an item's URL changes (its slug was edited, the URL format changed), its old URL gets a redirect
page to the new one; when an item is no longer published (rejected, made private, deleted), its
old URL gets a "this item was removed" page instead of a 404. Nothing about the removed item is
shown: the ledger keeps only URLs and item ids.

The file looks like this (sorted, one URL per line, so that diffs are readable)::

    {
      "version": 1,
      "urls": {
        "stories/acme/": "feed:blog.acme.example:42"
      }
    }
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

LEDGER_VERSION = 1


class LedgerError(ValueError):
    """The ledger file cannot be read; the message names the file and the problem."""


@dataclass
class LedgerPlan:
    """What a build must add to the site for URLs that are in the ledger but gone from the hub."""

    redirects: dict[str, str] = field(default_factory=dict)
    """Old URL -> current URL of the same item."""
    removed: list[str] = field(default_factory=list)
    """Old URLs of items that are no longer published."""
    ledger: Ledger | None = None
    """The ledger with this build's URLs added (to be saved after a successful build)."""


@dataclass
class Ledger:
    urls: dict[str, str] = field(default_factory=dict)
    """Site URL (as MkDocs writes it, e.g. ``stories/acme/``) -> item id."""

    @classmethod
    def load(cls, path: Path, *, label: str | None = None) -> Ledger:
        """Read a ledger file; a missing file is an empty ledger.

        Raises:
            LedgerError: the file is not a ledger (the message names ``label`` or ``path``).
        """
        where = label or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LedgerError(f"{where}: not valid JSON: {exc}") from None
        urls = data.get("urls") if isinstance(data, dict) else None
        if not isinstance(urls, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in urls.items()
        ):
            raise LedgerError(
                f"{where}: expected an object with 'urls' mapping each URL to an item id"
            )
        return cls(dict(urls))

    def dumps(self) -> str:
        data = {"version": LEDGER_VERSION, "urls": dict(sorted(self.urls.items()))}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def plan(self, current: Mapping[str, str], taken: Collection[str] = ()) -> LedgerPlan:
        """Compare the ledger with this build's published item URLs.

        Args:
            current: URL -> item id of every published item page of this build.
            taken: URLs used by any other page of this build (never overwritten).
        """
        url_of_id = {item_id: url for url, item_id in current.items()}
        plan = LedgerPlan()
        for url, item_id in sorted(self.urls.items()):
            if url in current or url in taken:
                continue
            if item_id in url_of_id:
                plan.redirects[url] = url_of_id[item_id]
            else:
                plan.removed.append(url)
        plan.ledger = Ledger({**self.urls, **current})
        return plan


def src_uri_for_url(url: str) -> str:
    """The Markdown source path that MkDocs would publish at ``url`` (``a/b/`` -> ``a/b.md``)."""
    if url.endswith(".html"):
        return url[: -len(".html")] + ".md"
    stem = url.rstrip("/")
    return f"{stem}.md" if stem else "index.md"


def redirect_path(url: str) -> str:
    """The HTML file that answers requests for ``url`` on a static host."""
    if url.endswith(".html"):
        return url
    return f"{url.rstrip('/')}/index.html".lstrip("/")


def redirect_html(target: str, canonical: str) -> str:
    """A small page that sends browsers and crawlers on to ``target`` (relative or absolute)."""
    href = escape(target, quote=True)
    canon = escape(canonical, quote=True)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Moved</title>\n"
        f'<link rel="canonical" href="{canon}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        "</head>\n<body>\n"
        f'<p>This page has moved to <a href="{href}">{href}</a>.</p>\n'
        "</body>\n</html>\n"
    )
