"""Exporting 100 newsletter issues as email files (issue 18: at most 10 s on this machine).

Run with ``make benchmark`` (or ``KEHILA_SLOW=1 pytest -m slow -s tests/benchmarks``): prints
the time of the whole command (reading mkdocs.yml and the content folder included), wall and
CPU, and the CPU time per issue.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from kehila.cli import main

from ..newsletter.conftest import FILES, ISSUE

pytestmark = pytest.mark.slow

ISSUES = 100
BUDGET = 10.0


def test_export_100_issues(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(FILES["mkdocs.yml"], encoding="utf-8")
    folder = tmp_path / "content" / "newsletter"
    folder.mkdir(parents=True)
    slugs = []
    for number in range(ISSUES):
        # The fixture's issue: headings, a table, code, a quote, an image and links.
        text = ISSUE.replace("manual:notes-20", f"manual:notes-{number}")
        text = text.replace("tavla-notes-20", f"tavla-notes-{number}")
        text = text.replace("issue: 20", f"issue: {number}")
        text = text.replace("2025-11-01T08:00:00Z", f"2025-{number % 12 + 1:02d}-01T08:00:00Z")
        (folder / f"notes-{number}.md").write_text(text.lstrip("\n"), encoding="utf-8")
        slugs.append(f"tavla-notes-{number}")
    out = tmp_path / "outbox"
    started, cpu = time.perf_counter(), time.process_time()
    result = CliRunner().invoke(
        main, ["newsletter", "email", "-f", str(tmp_path / "mkdocs.yml"), *slugs, "--out", str(out)]
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.eml"))) == ISSUES
    load = os.getloadavg()[0]
    print(
        f"\nnewsletter email: {ISSUES} issues exported (html, txt, eml) in {elapsed:.2f} s "
        f"wall, {cpu:.2f} s CPU ({cpu / ISSUES * 1000:.1f} ms CPU per issue; budget "
        f"{BUDGET:.0f} s; load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    # The export runs in one process: its CPU time is what it costs on this machine; the wall
    # time also counts whatever else the machine runs (shared with other builds and tests).
    assert cpu <= BUDGET
