"""Watch a Playwright page for any sign that hostile content ran or reached out.

:class:`Watch` attaches to a page before it loads and records:

* every JavaScript dialog (``alert``, ``confirm``, ``prompt``, ``beforeunload``), and every call
  of ``alert``/``confirm``/``prompt``/``print``/``open`` (hooked by an init script, so a call
  counts even where a browser would suppress the dialog);
* every console message (but the browser's own "Failed to load resource") and uncaught page
  error (injected code calling a function that does not exist still shows up here);
* a page that navigates away by itself (unless it is a redirect page of the URL ledger);
* every request to a host other than 127.0.0.1/localhost (aborted, so nothing leaves the box).

:func:`inspect_dom` then lists inline event handlers (``on*`` attributes) anywhere in the DOM,
``javascript:``/``vbscript:`` URLs in any URL attribute, and active elements (script, iframe,
object, embed, form, base, meta, link, style...) inside the page's content area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


_HERE = Path(__file__).parent
_HOOKS = (_HERE / "hooks.js").read_text(encoding="utf-8")
_INSPECT = (_HERE / "inspect.js").read_text(encoding="utf-8")


@dataclass
class Watch:
    """What a page did while hostile content was on it (see the module documentation)."""

    dialogs: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    dom: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    """Pages that went elsewhere by themselves (a redirect page of the URL ledger may)."""

    @classmethod
    def attach(cls, page) -> Watch:  # noqa: ANN001 - a playwright Page
        watch = cls()

        def on_dialog(dialog) -> None:  # noqa: ANN001
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_route(route) -> None:  # noqa: ANN001
            host = urlsplit(route.request.url).hostname or ""
            if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                watch.external.append(route.request.url)
                route.abort()

        page.on("dialog", on_dialog)
        page.on("console", watch._on_console)
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
        page.route("**/*", on_route)
        page.add_init_script(_HOOKS)
        return watch

    def _on_console(self, message) -> None:  # noqa: ANN001
        # The browser's own network messages are not code running: requests are checked above.
        if not message.text.startswith("Failed to load resource"):
            self.console.append(f"{message.type}: {message.text}")

    def visit(self, page, url: str, *, redirect: bool = False) -> None:  # noqa: ANN001
        """Load ``url``, give deferred code a moment, and inspect the DOM; findings are prefixed
        with the URL. ``redirect``: the page is meant to send the visitor elsewhere."""
        before = self.snapshot()
        page.goto(url, wait_until="load")
        page.wait_for_timeout(30)
        for attempt in range(3):
            try:
                calls = page.evaluate("() => Array.from(window.__kehilaCalls || [])")
                dom = page.evaluate(_INSPECT)
                break
            except PlaywrightError as exc:
                if "context was destroyed" not in str(exc) or attempt == 2:
                    raise
                page.wait_for_load_state("load")
        self.calls.extend(calls)
        self.dom.extend(f"{url}: {finding}" for finding in dom)
        if page.url != url and not redirect:
            self.navigations.append(f"{url} went to {page.url} by itself")
        for name, count in before.items():
            findings = getattr(self, name)
            for index in range(count, len(findings)):
                if not findings[index].startswith("http"):
                    findings[index] = f"{url}: {findings[index]}"

    def snapshot(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name)) for name in ("dialogs", "console", "errors", "external")
        }

    def problems(self) -> list[str]:
        """Everything found, one line each (empty when the page behaved)."""
        found: list[str] = []
        for name in ("dialogs", "calls", "console", "errors", "external", "dom", "navigations"):
            found.extend(f"{name}: {entry}" for entry in getattr(self, name))
        return found


def html_pages(site: Path) -> list[str]:
    """Site-relative paths of every HTML page of a built site, sorted (404 page included)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def visit_site(page, base_url: str, site: Path) -> tuple[Watch, int]:  # noqa: ANN001
    """Load every HTML page of ``site`` (served at ``base_url``); returns watch and page count."""
    watch = Watch.attach(page)
    pages = html_pages(site)
    for rel in pages:
        head = (site / rel).read_text(encoding="utf-8", errors="replace").split("<body", 1)[0]
        redirect = 'http-equiv="refresh"' in head
        watch.visit(page, base_url + rel.removesuffix("index.html"), redirect=redirect)
    return watch, len(pages)
