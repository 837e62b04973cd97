"""The browser watch itself: it must see every kind of misbehaviour, and none on a clean hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..security.browser_checks import Watch, visit_site

pytestmark = pytest.mark.browser

CANARY = """<!doctype html><html><head><title>canary</title></head><body>
<div class="md-content"><article class="md-content__inner">
<script>alert('dialog')</script>
<img src="x" onerror="console.log('console from injected code')">
<a href=" javascript:void(0)">link</a>
<img src="https://attacker.example/pixel.gif">
<script>notDefinedAnywhere()</script>
</article></div></body></html>"""


def test_watch_sees_every_kind_of_attack(page, serve_dir, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(CANARY, encoding="utf-8")
    watch = Watch.attach(page)
    watch.visit(page, serve_dir(tmp_path) + "index.html")
    assert watch.calls == ["alert(dialog)"]
    assert any("console from injected code" in line for line in watch.console)
    assert any("notDefinedAnywhere" in line for line in watch.errors)
    assert watch.external == ["https://attacker.example/pixel.gif"]
    dom = "\n".join(watch.dom)
    assert "inline handler <img onerror=" in dom
    assert "script URL <a href=" in dom
    assert "active element in content <script>" in dom


#: The Embed page's own controls, as its template writes them, plus what content must never add.
EMBED_TOOL = """<!doctype html><html><head><title>embed</title></head><body>
<div class="md-content"><article class="md-content__inner">
<div class="kehila-embed" data-kehila-embed>
<form class="kehila-embed__form"><select name="tag"><option value="">All</option></select>
<input name="limit" type="number" value="12"></form>
<div data-kehila-embed-preview><iframe sandbox="allow-scripts" src="about:blank"></iframe></div>
<textarea readonly data-kehila-embed-fragment>&lt;div&gt;</textarea>
%s
</div></article></div></body></html>"""


@pytest.mark.parametrize(
    ("path", "extra", "findings"),
    [
        # The Embed page's own controls are no finding there...
        ("stories/embed/index.html", "", []),
        # ...but the same markup on any other page is,
        ("stories/other/index.html", "", ["form", "select", "input", "iframe", "textarea"]),
        # and so is anything else on the Embed page: another form, a script, an input outside
        # the pickers, a frame that may reach the hub's origin.
        (
            "stories/embed/index.html",
            "<form></form><script></script><input>",
            ["form", "script", "input"],
        ),
        (
            "stories/embed/index.html",
            '<div data-kehila-embed-preview><iframe sandbox="allow-scripts allow-same-origin">'
            "</iframe></div>",
            ["iframe"],
        ),
    ],
)
def test_only_the_embed_pages_own_controls_pass(
    page, serve_dir, tmp_path: Path, path: str, extra: str, findings: list[str]
) -> None:
    target = tmp_path / path
    target.parent.mkdir(parents=True)
    target.write_text(EMBED_TOOL % extra, encoding="utf-8")
    watch = Watch.attach(page)
    watch.visit(page, serve_dir(tmp_path) + path)
    found = [line.split("<", 1)[1].split(">", 1)[0] for line in watch.dom]
    assert found == findings


def test_clean_demo_hub_raises_no_finding(page, serve_dir, demo_site: Path, proof) -> None:
    watch, loaded = visit_site(page, serve_dir(demo_site), demo_site)
    assert loaded > 10
    assert watch.problems() == []
    proof("pages loaded", loaded)
