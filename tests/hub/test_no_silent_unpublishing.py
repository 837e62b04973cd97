"""No silent unpublishing: a broken item file stops the build; "removed" only on purpose."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from ..conftest import build

STORY = "content/stories/2025-03-04-northwind-clinics-no-shows.md"
PAGE = Path("stories/northwind-clinics-no-shows/index.html")


def _edit(project: Path, old: str, new: str) -> None:
    path = project / STORY
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "status: published",
            "status: publised",
            f"{STORY}:4: field 'status': expected one of pending, published, rejected, "
            "got 'publised' (did you mean 'published'?)",
        ),
        ("language: en\n", "language: en\n  oops: [\n", f"{STORY}: front matter is not valid YAML"),
    ],
)
def test_a_broken_published_item_fails_the_build_strict_or_not(
    demo_project: Path, caplog, old: str, new: str, message: str
) -> None:
    site = build(demo_project, strict=False)
    before = (site / PAGE).read_text(encoding="utf-8")
    _edit(demo_project, old, new)
    for strict in (False, True):
        caplog.clear()
        with pytest.raises(Abort):
            build(demo_project, strict=strict)
        assert "1 item file cannot be read, so their pages would disappear from the hub" in (
            caplog.text
        )
        assert message in caplog.text
        # The build stopped before MkDocs emptied the site: the live page is still there.
        assert (site / PAGE).read_text(encoding="utf-8") == before


def test_removed_page_only_for_items_taken_down_on_purpose(demo_project: Path) -> None:
    site = build(demo_project, strict=False)  # the ledger records the story's URL
    _edit(demo_project, "status: published", "status: publised")
    with pytest.raises(Abort):
        build(demo_project, strict=False)
    assert "This item was removed" not in (site / PAGE).read_text(encoding="utf-8")
    _edit(demo_project, "status: publised", "status: pending")
    site = build(demo_project, strict=True)
    assert "This item was removed" in (site / PAGE).read_text(encoding="utf-8")


def test_a_broken_pending_item_warns_and_fails_only_strict(demo_project: Path, caplog) -> None:
    _edit(demo_project, "status: published", "status: pending")
    _edit(demo_project, "language: en\n", "language: english\n")
    site = build(demo_project, strict=False)
    assert re.search(rf"{STORY}:\d+: field 'language'", caplog.text)
    assert "(left out: the file says status: pending)" in caplog.text
    assert "Northwind" not in (site / "stories" / "index.html").read_text(encoding="utf-8")
    with pytest.raises(Abort):
        build(demo_project, strict=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local server
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_serve_keeps_the_last_good_site_and_shows_the_error(demo_project: Path) -> None:
    port = _free_port()
    log = demo_project / "serve.log"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=demo_project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        url = f"http://127.0.0.1:{port}/{PAGE.parent.as_posix()}/"
        deadline = time.monotonic() + 120
        while "Serving on" not in log.read_text() and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.5)
        status, good = _get(url)
        assert status == 200 and "Northwind" in good
        _edit(demo_project, "status: published", "status: publised")
        while "Serving the last good version until they are fixed." not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        text = log.read_text()
        assert re.search(r"field 'status'.*got 'publised' \(did you mean 'published'\?\)", text)
        # The rebuild succeeded with the last good version of the story: still served.
        while "Reloading browsers" not in log.read_text().split("Serving the last good", 1)[1]:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        status, still = _get(url)
        assert status == 200
        assert "Northwind" in still and "This item was removed" not in still
    finally:
        server.terminate()
        server.wait(timeout=30)
