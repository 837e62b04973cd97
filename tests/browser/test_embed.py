"""The embeddable wall in headless Chromium, on a host page of another origin (issue 17).

The demo hub is served on one 127.0.0.1 port, host pages on another: two walls (one filtered by
tag), the loader included twice, without and with a strict Content-Security-Policy header that
allows scripts and frames from the hub only. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from kehila.content import load_catalog
from kehila.embed import embeddable
from kehila.urls import tag_slug

from ..conftest import ARTIFACTS, ROOT, screenshot

pytestmark = pytest.mark.browser

TAG = "reminders"

HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pricing (a host page)</title></head>
<body>
<h1>Pricing</h1>
<p>Plans for every team. What our customers say:</p>
<div id="all" data-kehila-wall{all}></div>
<p id="between">Compare plans below.</p>
<div id="tagged" data-kehila-wall data-tag="{tag}" data-layout="list" data-limit="3"{tagged}></div>
<script src="{hub}embed/wall.js" async></script>
<p id="footer">The end of the host page.</p>
<script src="{hub}embed/wall.js" async></script>
</body>
</html>
"""

CAROUSEL_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Carousel host</title></head>
<body>
<div id="carousel" data-kehila-wall data-layout="carousel" data-interval="1"></div>
<script src="{hub}embed/wall.js" async></script>
</body>
</html>
"""

#: Records layout shifts and CSP violations of the host page (run before its own scripts).
OBSERVE = """
window.__shifts = [];
window.__violations = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__shifts.push([entry.startTime, entry.value]);
  }
}).observe({type: "layout-shift", buffered: true});
document.addEventListener("securitypolicyviolation", e => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


class _HostHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the host pages; ``strict-*`` pages carry a CSP that allows only the hub."""

    hub_origin = ""

    def end_headers(self) -> None:
        if self.path.startswith("/strict"):
            self.send_header(
                "Content-Security-Policy",
                f"default-src 'none'; script-src {self.hub_origin}; frame-src {self.hub_origin}",
            )
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def hub_url(demo_site: Path, serve_dir) -> str:
    return serve_dir(demo_site)


@pytest.fixture(scope="module")
def host_url(browser, hub_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Host pages: ``bare.html`` with the walls' attributes only, as the Embed page's snippet
    writes them (the loader works the height out), ``open.html`` and ``strict.html`` with a
    ``data-height`` too, the optional override (the height each wall reported on the bare page,
    as a host that reserves the wall's room in its own stylesheet would give it)."""
    folder = tmp_path_factory.mktemp("host")
    bare = HOST_PAGE.format(hub=hub_url, tag=TAG, all="", tagged="")
    (folder / "bare.html").write_text(bare, encoding="utf-8")
    for name in ("open", "strict"):
        (folder / f"{name}-carousel.html").write_text(
            CAROUSEL_PAGE.format(hub=hub_url), encoding="utf-8"
        )
    origin = hub_url.rstrip("/")
    handler = type("Handler", (_HostHandler,), {"hub_origin": origin})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    context, page, _, _ = _open(browser, url + "bare.html", viewport=VIEWPORT)
    _settle(page, 2)
    heights = {
        key: f' data-height="{page.get_attribute(f"#{key}", "data-kehila-height")}"'
        for key in ("all", "tagged")
    }
    context.close()
    for name in ("open", "strict"):
        page_text = HOST_PAGE.format(hub=hub_url, tag=TAG, **heights)
        (folder / f"{name}.html").write_text(page_text, encoding="utf-8")
    yield url
    server.shutdown()


VIEWPORT = {"width": 1100, "height": 900}


def _cls(shifts: list[list[float]]) -> float:
    """Cumulative Layout Shift as Chrome reports it: the largest session window (shifts less
    than 1 s apart, a window at most 5 s long)."""
    best = current = 0.0
    start = last = None
    for time, value in shifts:
        if start is None or time - last > 1000 or time - start > 5000:
            start, current = time, 0.0
        current += value
        last = time
        best = max(best, current)
    return best


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _quotes() -> list:
    return [i for i in load_catalog(ROOT / "content").public("story") if embeddable(i)]


def _open(browser, url: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    requests: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.add_init_script(OBSERVE)
    page.goto(url)
    return context, page, requests, failed


def _settle(page, count: int) -> None:
    """Scroll through the page (the frames load lazily) until every wall reported its height."""
    page.mouse.wheel(0, 4000)
    # Locators, not a predicate: a strict CSP forbids the eval a predicate would need.
    page.locator("[data-kehila-height]").nth(count - 1).wait_for(state="attached", timeout=15_000)
    assert page.locator("[data-kehila-height]").count() == count
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)


def _frame(page, selector: str):
    return page.locator(f"{selector} iframe").element_handle().content_frame()


@pytest.mark.parametrize("csp", ["open", "strict"])
def test_two_walls_on_a_foreign_host(browser, hub_url: str, host_url: str, csp: str) -> None:
    context, page, requests, failed = _open(browser, f"{host_url}{csp}.html", viewport=VIEWPORT)
    try:
        _settle(page, 2)
        quotes = _quotes()
        frames = page.locator("iframe")
        # The loader ran twice (the snippet pasted twice) and still made one frame per wall.
        assert frames.count() == 2
        for n in range(2):
            sandbox = frames.nth(n).get_attribute("sandbox").split()
            assert "allow-scripts" in sandbox and "allow-same-origin" not in sandbox
            assert frames.nth(n).get_attribute("loading") == "lazy"

        walls = {"#all": quotes[:12], "#tagged": [q for q in quotes if TAG in q.tags][:3]}
        for selector, expected in walls.items():
            frame = _frame(page, selector)
            # The frame's height is its content's height.
            content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
            outer = page.locator(f"{selector} iframe").evaluate("f => f.clientHeight")
            assert abs(content - outer) <= 1, (selector, content, outer)
            assert frame.evaluate("document.documentElement.scrollHeight") <= outer + 1
            # Isolated: an opaque origin, no cookie and no storage.
            assert frame.evaluate("self.origin") == "null"
            for api in ("document.cookie", "localStorage.length", "sessionStorage.length"):
                probe = f"(() => {{ try {{ {api}; return false }} catch (e) {{ return true }} }})()"
                assert frame.evaluate(probe), f"{api} is readable inside the wall"
            titles = frame.locator("a.story").all_inner_texts()
            assert titles == [q.title for q in expected], selector
            # Every quote links to its story page on the hub and shows its disclosure beside it.
            for quote, figure in zip(expected, frame.locator("figure.quote").all(), strict=True):
                href = figure.locator("a.story").evaluate("a => a.href")
                assert href.startswith(hub_url + "stories/"), href
                material = quote.disclosure is not None and quote.disclosure.is_material
                disclosure = figure.locator(".disclosure")
                assert disclosure.count() == (1 if material else 0), quote.title
                if material:
                    disclosure.scroll_into_view_if_needed()
                    assert disclosure.is_visible()
                    assert quote.disclosure.text in disclosure.inner_text()
                assert figure.get_attribute("lang") == quote.language
                assert figure.get_attribute("dir") == quote.direction
            # No horizontal scroll inside the wall.
            assert frame.evaluate("document.documentElement.scrollWidth <= innerWidth")

        # An RTL quote reads right to left.
        frame = _frame(page, "#all")
        hebrew = frame.locator("figure.quote[lang='he']").first
        assert hebrew.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert hebrew.evaluate("e => getComputedStyle(e.querySelector('p')).textAlign") in (
            "start",
            "right",
        )
        # One height adjustment at most per wall, and little layout shift on the host page.
        adjusted = page.evaluate("KehilaWall.frames.map(f => f.adjusted)")
        assert all(n <= 1 for n in adjusted), adjusted
        cls = _cls(page.evaluate("window.__shifts"))
        assert cls <= 0.1, cls
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert page.evaluate("window.__violations") == []
        screenshot(page, f"embed-host-{csp}")

        # Nothing but the two origins, and nothing missing.
        # (The frames' own requests are seen too: the check is not blind to them.)
        for path in ("embed/frame.html?", "embed/frame.js", "embed/data/_/_.js", f"_/{TAG}.js"):
            assert any(path in url for url in requests), path
        origins = {_origin(url) for url in requests if not url.startswith("data:")}
        assert origins <= {_origin(hub_url), _origin(host_url)}, origins
        assert failed == []
    finally:
        context.close()


def test_walls_fit_a_narrow_screen(browser, host_url: str) -> None:
    context, page, _, _ = _open(
        browser, f"{host_url}bare.html", viewport={"width": 360, "height": 740}
    )
    try:
        _settle(page, 2)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        for selector in ("#all", "#tagged"):
            frame = _frame(page, selector)
            assert frame.evaluate("document.documentElement.scrollWidth <= innerWidth")
            content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
            outer = page.locator(f"{selector} iframe").evaluate("f => f.clientHeight")
            assert abs(content - outer) <= 1
        screenshot(page, "embed-host-narrow")
        # A full-page capture may leave a frame below the first screen unpainted: the second
        # wall on its own, scrolled into view.
        page.locator("#tagged iframe").scroll_into_view_if_needed()
        _frame(page, "#tagged").locator("figure.quote").first.wait_for()
        page.locator("#tagged").screenshot(path=ARTIFACTS / "embed-host-narrow-tagged.png")
    finally:
        context.close()


def test_loader_believes_only_its_own_frames(browser, host_url: str) -> None:
    context, page, _, _ = _open(browser, f"{host_url}bare.html")
    try:
        _settle(page, 2)
        iframe = page.locator("#all iframe")
        before = iframe.evaluate("f => f.style.height")
        # The host page (or any other window) sends a well-formed message: ignored.
        page.evaluate("window.postMessage({kehila: 'wall', type: 'height', height: 5}, '*')")
        frame = _frame(page, "#all")
        # The wall's own window sends messages of the wrong shape: ignored.
        for bad in ("{kehila: 'wall', type: 'height', height: '7'}", "'height:7'", "null",
                    "{kehila: 'wall', type: 'resize', height: 7}",
                    "{kehila: 'wall', type: 'height', height: 1e9}"):  # fmt: skip
            frame.evaluate(f"parent.postMessage({bad}, '*')")
        page.wait_for_timeout(300)
        assert iframe.evaluate("f => f.style.height") == before
        # The same well-formed message from the wall's own window is believed.
        frame.evaluate("parent.postMessage({kehila: 'wall', type: 'height', height: 77}, '*')")
        page.wait_for_function(
            "document.querySelector('#all iframe').style.height === '77px'", timeout=5_000
        )
    finally:
        context.close()


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_carousel_and_reduced_motion(browser, host_url: str, motion: str) -> None:
    context, page, _, _ = _open(browser, f"{host_url}strict-carousel.html", reduced_motion=motion)
    try:
        _settle(page, 1)
        frame = _frame(page, "#carousel")
        region = frame.locator(".carousel")
        page.mouse.move(0, 0)
        first = region.get_attribute("data-active")
        page.wait_for_timeout(2_600)
        if motion == "reduce":
            assert region.get_attribute("data-running") == "false"
            assert first == region.get_attribute("data-active") == "0"
        else:
            assert region.get_attribute("data-running") == "true"
            assert region.get_attribute("data-active") != first
        # Keyboard: the buttons and the arrow keys move between quotes; only one is shown.
        frame.locator("button.pause").focus()
        assert region.get_attribute("data-running") == "false"
        start = int(region.get_attribute("data-active"))
        frame.locator("button.next").focus()
        page.keyboard.press("Enter")
        assert region.get_attribute("data-active") == str((start + 1) % len(_quotes()))
        page.keyboard.press("ArrowLeft")
        assert region.get_attribute("data-active") == str(start)
        assert frame.locator(".slide--active").count() == 1
        assert frame.locator(".slide--active .disclosure, .slide--active figure").count() >= 1
        screenshot(page, f"embed-carousel-{motion}")
        # The frame is as tall as its tallest quote: turning slides moves nothing on the host.
        outer = page.locator("#carousel iframe").evaluate("f => f.clientHeight")
        content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        assert abs(outer - content) <= 1
    finally:
        context.close()


def test_embed_page_writes_the_snippet(browser, hub_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hub_url.rstrip("/"))
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    try:
        page.goto(hub_url + "stories/")
        page.locator("a", has_text="Embed the wall on your site").click()
        page.wait_for_url("**/stories/embed/")
        page.wait_for_selector("[data-kehila-embed-preview] [data-kehila-height]", timeout=15_000)
        page.select_option("select[name=tag]", tag_slug(TAG))
        page.select_option("select[name=layout]", "list")
        page.select_option("select[name=lang]", "he")
        page.fill("input[name=limit]", "5")
        page.locator("input[name=limit]").dispatch_event("change")
        # The preview's wall has reported its height...
        page.wait_for_selector(
            "[data-kehila-embed-preview] [data-limit='5'][data-kehila-height]", timeout=15_000
        )
        # ...and the snippet still has no data-height: a height measured at the preview's width
        # would be wrong on a host of another width, where the loader works out the right one.
        snippet = page.locator("[data-kehila-embed-snippet]").inner_text()
        loader = "https://community.tavla.example/embed/wall.js"
        assert snippet == (
            f'<div data-kehila-wall data-tag="{tag_slug(TAG)}" data-lang="he" data-layout="list" '
            f'data-limit="5"></div>\n<script src="{loader}" async></script>'
        )
        frame = _frame(page, "[data-kehila-embed-preview]")
        hebrew = [q for q in _quotes() if TAG in q.tags and q.language == "he"]
        assert frame.locator("a.story").all_inner_texts() == [q.title for q in hebrew]
        fragment = page.locator("[data-kehila-embed-fragment]")
        page.wait_for_function(
            "document.querySelector('[data-kehila-embed-fragment]').value.includes('dir=\"rtl\"')"
        )
        assert hebrew[0].title in fragment.input_value()
        assert page.locator("[data-kehila-copy=snippet]").inner_text() == "Copy"
        page.locator("[data-kehila-copy=snippet]").click()
        page.wait_for_function("document.querySelector('.kehila-embed__status').textContent")
        assert page.evaluate("navigator.clipboard.readText()") == snippet
        screenshot(page, "embed-page")
        assert failed == []
    finally:
        context.close()


@pytest.mark.parametrize("path", ["tags/reminders/", "feeds/", "stories/embed/", "stories/wall/"])
def test_feed_and_embed_pages_load_without_404(page, hub_url: str, path: str) -> None:
    """Material fetches a sitemap.xml beside every <link rel=alternate>: none may be missing."""
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(hub_url + path, wait_until="networkidle")
    assert failed == []
    screenshot(page, "hub-" + path.strip("/").replace("/", "-"))


@pytest.mark.parametrize(
    "query",
    ["layout=wall&theme=light", "layout=carousel&theme=dark&lang=he", "layout=list&theme=dark"],
)
def test_the_wall_itself_passes_axe(browser, hub_url: str, query: str) -> None:
    """WCAG 2.2 AA inside the frame (its own page: axe does not enter a sandboxed frame)."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{hub_url}embed/frame.html?{query}")
        page.locator("main[aria-busy=false]").wait_for(state="attached")
        tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
        found = [
            f"{v['id']}: {' '.join(n['target'])}"
            for v in results.response["violations"]
            for n in v["nodes"]
        ]
        assert found == []
        # Keyboard: every link and button can be reached with Tab, and shows where focus is.
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.matches('a.story, button')")
        assert focused
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        screenshot(page, "embed-frame-" + query.replace("&", "-").replace("=", "-"))
    finally:
        context.close()


def test_hostile_quotes_stay_text_in_the_wall(browser, serve_dir, tmp_path: Path) -> None:
    """A quote, title, author or disclosure that looks like HTML is shown as text: nothing runs,
    no element is made from it (the frame builds the wall with textContent only)."""
    from ..conftest import build, write_files
    from ..projects import story_file, write_project

    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    write_project(tmp_path)
    write_files(
        tmp_path,
        {
            "content/stories/s1.md": story_file(
                1,
                tags=["shared"],
                quote=f"Quote {hostile}",
                disclosure={"type": "paid", "text": f"Paid {hostile}"},
            )
        },
    )
    site = build(tmp_path)
    hub = serve_dir(site)
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for layout in ("wall", "carousel", "list"):
            page.goto(f"{hub}embed/frame.html?layout={layout}&tag=shared")
            page.locator("main[aria-busy=false]").wait_for(state="attached")
            assert page.locator("main img, main script").count() == 0
            assert hostile in page.locator("blockquote").inner_text()
            assert hostile in page.locator(".disclosure").inner_text()
        page.wait_for_timeout(300)
        assert dialogs == []
    finally:
        context.close()
