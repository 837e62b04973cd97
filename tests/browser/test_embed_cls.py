"""Layout shift of walls pasted without ``data-height`` (issue 17, "Fit"), in headless Chromium.

A hub of 40 stories (English, Hebrew and Arabic; short and long quotes, long titles,
disclosures) is served on one 127.0.0.1 port, host pages on another. Each host page has one wall
near its top, in the viewport at load, with the host's content right below it: the content that
a wrong reservation would push down or pull up. Host pages load their own stylesheet in ``head``
(render-blocking, as on a real landing page, and served slowly here), so the async loader runs
before the host page is first shown, as it does when the hub answers faster than the host's CSS;
what the loader reserves is then what the visitor sees first, and every later change of the
wall's height is a layout shift. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import datetime
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from ..conftest import built_once, screenshot
from ..projects import write_project
from .test_embed import _cls, _frame, _open, _origin

pytestmark = pytest.mark.browser

WIDE = {"width": 1100, "height": 900}
NARROW = {"width": 375, "height": 740}

SENTENCES = {
    "en": "Our clinic used to lose a morning a week to phone calls and no-shows; now patients "
    "book and move their own visits, reminders go out by themselves and the front desk finally "
    "answers the people standing in front of it.",
    "he": "בימי שישי היה תור עד הרחוב. היום הלקוחות מזמינים חלות מראש, ואנחנו אופים בדיוק כמה "
    "שצריך, והתזכורות יוצאות לבד לפני כל איסוף.",
    "ar": "كنا نقضي الصباح كله على الهاتف، والآن يحجز المرضى مواعيدهم بأنفسهم وتصلهم التذكيرات "
    "تلقائيا قبل كل زيارة.",
}


def _story(number: int) -> str:
    """Story ``number``: quotes of 6 to 65 words, every third title long, every fourth disclosed."""
    language = "he" if number % 5 == 0 else "ar" if number % 7 == 0 else "en"
    words = SENTENCES[language].split()
    length = 6 + (number * 37) % 60
    data = {
        "id": f"s{number}",
        "kind": "story",
        "status": "published",
        "title": f"Story {number}" + (" with a title that wraps" * (number % 3 == 0)),
        "date": (datetime.date(2025, 1, 1) + datetime.timedelta(days=number)).isoformat(),
        "language": language,
        "tags": ["many"] + (["few"] if number in (11, 22) else []),
        "quote": " ".join(words[(number + i) % len(words)] for i in range(length)),
        "consent": {"method": "form", "date": "2025-01-01"},
        "disclosure": "none",
    }
    if number % 2:
        data["author"] = {"name": f"Author number {number}"}
    if number % 4 == 0:
        data["disclosure"] = {"type": "paid", "text": "Paid for the interview. " * (number % 3 + 1)}
    return f"---\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}---\nBody.\n"


def _write_hub(project: Path) -> None:
    write_project(project)
    stories = project / "content" / "stories"
    stories.mkdir(parents=True)
    for number in range(1, 41):
        (stories / f"s{number}.md").write_text(_story(number), encoding="utf-8")


HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pricing (a host page)</title>
<link rel="stylesheet" href="host.css">
</head>
<body>
<h1>Pricing</h1>
<p>What our customers say:</p>
{walls}
<script src="{hub}embed/wall.js" async></script>
<section class="plans"><h2>Plans</h2>{plans}</section>
</body>
</html>
"""

HOST_CSS = """
body { margin: 0 16px; font: 16px/1.5 Georgia, serif; }
.plans { display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); }
.plans h2 { grid-column: 1 / -1; margin: 16px 0 0; }
.plan { min-height: 260px; padding: 16px; background: #e8eef6; border-radius: 8px; }
"""

#: How long the host's stylesheet takes: the host page is first shown after it has arrived.
CSS_DELAY = 0.6


class _HostHandler(http.server.SimpleHTTPRequestHandler):
    """Host pages; ``strict-*`` ones carry a CSP that allows scripts and frames from the hub only
    (and the host's own stylesheet)."""

    hub_origin = ""

    def do_GET(self) -> None:
        if self.path.startswith("/host.css"):
            time.sleep(CSS_DELAY)
        super().do_GET()

    def end_headers(self) -> None:
        if self.path.startswith("/strict"):
            self.send_header(
                "Content-Security-Policy",
                f"default-src 'none'; style-src 'self'; script-src {self.hub_origin}; "
                f"frame-src {self.hub_origin}",
            )
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, serve_dir) -> str:
    return serve_dir(built_once(tmp_path_factory, "embed-cls", _write_hub))


class Host(NamedTuple):
    folder: Path
    url: str


@pytest.fixture(scope="module")
def host(hub: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """The host pages' folder; pages are written into it as the tests need them."""
    folder = tmp_path_factory.mktemp("cls-host")
    (folder / "host.css").write_text(HOST_CSS, encoding="utf-8")
    handler = type("Handler", (_HostHandler,), {"hub_origin": hub.rstrip("/")})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Host(folder, f"http://127.0.0.1:{server.server_address[1]}/")
    server.shutdown()


def _host_page(host: Host, hub: str, name: str, walls: str) -> str:
    plans = "".join(f'<div class="plan">Plan {n}</div>' for n in range(1, 7))
    page = HOST_PAGE.format(hub=hub, walls=walls, plans=plans)
    (host.folder / f"{name}.html").write_text(page, encoding="utf-8")
    return f"{host.url}{name}.html"


CASES = {
    # name: (wall attributes, viewport)
    "short-wall-wide": ('data-tag="few"', WIDE),
    "short-wall-narrow": ('data-tag="few"', NARROW),
    "long-wall-wide": ('data-tag="many"', WIDE),
    "long-wall-narrow": ('data-tag="many"', NARROW),
    "long-carousel-wide": ('data-tag="many" data-layout="carousel"', WIDE),
    "long-carousel-narrow": ('data-tag="many" data-layout="carousel"', NARROW),
    "short-list-wide": ('data-tag="few" data-layout="list"', WIDE),
    "long-list-wide": ('data-tag="many" data-layout="list" data-limit="20"', WIDE),
    "long-list-narrow": ('data-tag="many" data-layout="list"', NARROW),
    "rtl-wall-wide": ('data-lang="he"', WIDE),
    "rtl-list-narrow": ('data-lang="he" data-layout="list"', NARROW),
    "arabic-carousel-narrow": ('data-lang="ar" data-layout="carousel"', NARROW),
    "strict-long-list-wide": ('data-tag="many" data-layout="list" data-theme="dark"', WIDE),
}


@pytest.mark.parametrize("case", CASES)
def test_a_wall_without_data_height_barely_shifts_its_host(
    browser, hub: str, host: Host, case: str
) -> None:
    attributes, viewport = CASES[case]
    url = _host_page(host, hub, case, f'<div id="wall" data-kehila-wall {attributes}></div>')
    context, page, requests, failed = _open(browser, url, viewport=viewport)
    try:
        page.locator("#wall[data-kehila-height]").wait_for(state="attached", timeout=15_000)
        page.wait_for_timeout(500)  # the frame's last report, if any, has moved what it moves
        screenshot(page, f"embed-cls-{case}")
        # The wall was in the viewport at load, with the host's content right below it.
        assert page.evaluate("document.querySelector('#wall').getBoundingClientRect().top") < 300
        shifts = page.evaluate("window.__shifts")
        assert _cls(shifts) <= 0.1, shifts
        # The frame is as tall as its content, as with data-height.
        frame = _frame(page, "#wall")
        content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        outer = page.locator("#wall iframe").evaluate("f => f.clientHeight")
        assert abs(content - outer) <= 1, (content, outer)
        # The loader reserved that height from the filter's quotes: the frame's report moved
        # nothing (or a pixel: rounding).
        reserved = page.evaluate("KehilaWall.frames[0].reserved")
        assert reserved is not None and abs(reserved - outer) <= 2, (reserved, outer)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        # The loader's hint is the filter's data script, from the hub: nothing else is asked.
        assert any("/embed/data/" in url and url.endswith(".js") for url in requests)
        assert {_origin(url) for url in requests} <= {_origin(hub), _origin(host.url)}
        assert failed == []
        if case.startswith("strict"):
            assert page.evaluate("window.__violations") == []
    finally:
        context.close()


def test_reserved_heights_match_every_layout_and_width(browser, hub: str, host: Host) -> None:
    """The loader's layout (wall.js) against the frame's own (frame.css), for every filter of the
    hub and every layout, at several widths, with and without limits: the same heights."""
    walls = []
    for key in ("", 'data-tag="few"', 'data-tag="many"', 'data-lang="he"', 'data-lang="ar"',
                'data-tag="nothing-here"'):  # fmt: skip
        for layout in ("wall", "carousel", "list"):
            for limit in ("", ' data-limit="1"', ' data-limit="50"'):
                walls.append(f'{key} data-layout="{layout}"{limit}')
    failures = []
    for width in (320, 700, 1280):
        body = "".join(f"<div data-kehila-wall {attrs} title='{attrs}'></div>" for attrs in walls)
        url = _host_page(host, hub, f"all-{width}", body)
        context, page, _, _ = _open(browser, url, viewport={"width": width, "height": 800})
        try:
            page.wait_for_function("window.KehilaWall && KehilaWall.frames.length > 0")
            # The frames load lazily: scroll through every wall.
            for n in range(len(walls)):
                page.locator("[data-kehila-wall]").nth(n).scroll_into_view_if_needed()
            page.locator("[data-kehila-height]").nth(len(walls) - 1).wait_for(
                state="attached", timeout=30_000
            )
            page.wait_for_timeout(300)
            measured = page.evaluate(
                "KehilaWall.frames.map(f => [f.host.title, f.reserved, f.frame.clientHeight])"
            )
        finally:
            context.close()
        failures += [(width, *row) for row in measured if abs((row[1] or 0) - row[2]) > 2]
    assert not failures, "\n".join(map(str, failures))
