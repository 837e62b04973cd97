"""How long the desk takes on a large hub (a report, not a test: runs only with KEHILA_SLOW=1).

The hub is the demo content copied N times over with new ids (and file names), so every author
has N copies of their own texts: the worst case for duplicate detection, which compares the texts
of each author pairwise.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from kehila.desk import actions
from kehila.desk.checks import check_content
from kehila.desk.queue import Desk
from kehila.desk.stats import compute_stats

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("KEHILA_SLOW") != "1", reason="benchmark: KEHILA_SLOW=1"),
]

COPIES = int(os.environ.get("KEHILA_DESK_COPIES", "250"))


def _grow(content: Path, copies: int) -> int:
    originals = sorted(p for p in content.rglob("*.md"))
    for n in range(1, copies):
        for path in originals:
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"^id: (.*)$", rf"id: \1:copy-{n}", text, count=1, flags=re.M)
            text = re.sub(r"^slug: (.*)$", rf"slug: \1-{n}", text, count=1, flags=re.M)
            path.with_name(f"{path.stem}-{n}.md").write_text(text, encoding="utf-8")
    return len(originals) * copies


def test_desk_on_a_large_hub(demo_project: Path, capsys: pytest.CaptureFixture[str]):
    content = demo_project / "content"
    shutil.rmtree(content / ".kehila")
    total = _grow(content, COPIES)
    timings = {}
    start = time.perf_counter()
    desk = Desk.load(content)
    timings["load"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs = desk.duplicate_pairs
    timings["duplicates"] = time.perf_counter() - start
    start = time.perf_counter()
    problems = check_content(desk)
    timings["check"] = time.perf_counter() - start
    start = time.perf_counter()
    compute_stats(desk, at=actions.now())
    timings["stats"] = time.perf_counter() - start
    start = time.perf_counter()
    actions.reject(desk, desk.resolve("feed:blog.kodlab.example:zayavki"), "benchmark")
    timings["one edit"] = time.perf_counter() - start
    assert len(desk.entries) == total
    assert pairs and problems  # every copy duplicates its original; tag names are missing
    with capsys.disabled():
        sys.stdout.write(f"\ndesk on {total} items ({len(pairs)} duplicate pairs):\n")
        for name, seconds in timings.items():
            sys.stdout.write(f"  {name:<10} {seconds:8.2f} s\n")
