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


def test_clean_demo_hub_raises_no_finding(page, serve_dir, demo_site: Path, proof) -> None:
    watch, loaded = visit_site(page, serve_dir(demo_site), demo_site)
    assert loaded > 10
    assert watch.problems() == []
    proof("pages loaded", loaded)
