"""Two desk commands on the same file at the same time never lose an edit (real processes)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

from kehila.itemedit import update_item
from kehila.itemfile import set_field
from kehila.model import Item

from .conftest import read

STORY = "stories/2025-11-02-pending-agency.md"
STORY_ID = "csv:autumn-survey:row-4"
WRITERS, EDITS = 6, 12


def _writer(path: str, number: int, barrier) -> None:
    barrier.wait()
    for edit in range(EDITS):
        update_item(
            Path(path),
            lambda meta, edit=edit: set_field(meta, f"note_{number}_{edit}", edit),
            display=path,
        )


def test_parallel_writers_each_keep_every_edit(project):
    path = project / "content" / STORY
    before = path.read_text(encoding="utf-8")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WRITERS)
    workers = [
        context.Process(target=_writer, args=(str(path), n, barrier)) for n in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    after = path.read_text(encoding="utf-8")
    item = Item.from_text(after, path=str(path))
    assert {k for k in item.extra if k.startswith("note_")} == {
        f"note_{n}_{e}" for n in range(WRITERS) for e in range(EDITS)
    }
    # Everything that was there before is still there, in place: body and all other lines.
    assert after.split("\n---\n", 1)[1] == before.split("\n---\n", 1)[1]
    kept = [line for line in after.splitlines() if not line.startswith("note_")]
    assert kept == before.splitlines()


def test_consent_and_disclose_at_the_same_time_from_the_console_script(project):
    script = Path(sys.executable).with_name("kehila")
    path = project / "content" / STORY
    original = path.read_text(encoding="utf-8")
    for _ in range(2):
        path.write_text(original, encoding="utf-8")
        runs = [
            subprocess.Popen(
                [
                    script,
                    "review",
                    "consent",
                    STORY_ID,
                    "--method",
                    "email",
                    "--date",
                    "2025-11-05",
                ],
                cwd=project,
            ),
            subprocess.Popen([script, "review", "disclose", STORY_ID, "none"], cwd=project),
            subprocess.Popen(
                [script, "review", "reject", STORY_ID, "--reason", "Test"], cwd=project
            ),
        ]
        assert [run.wait(60) for run in runs] == [0, 0, 0]
        text = read(project, STORY)
        assert "consent:\n  method: email\n  date: 2025-11-05T00:00:00Z\n" in text
        assert "disclosure:\n  type: none\n" in text
        assert "status: rejected\n" in text and "rejected:\n  reason: Test\n" in text
