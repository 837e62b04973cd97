"""`kehila review -i`, driven through a real pseudo-terminal (pexpect) with the console script."""

from __future__ import annotations

import os
import re
import string
import sys
from pathlib import Path

import pexpect
import pytest

from .conftest import read

STORY = "stories/2025-11-02-pending-agency.md"
QA = "questions/2025-11-10-pending-webhooks.md"
PROMPT = "[a]pprove  [r]eject  [s]kip  [e]dit in $EDITOR  [q]uit"


def press(child: pexpect.spawn, key: str) -> None:
    """Wait for the prompt and for the terminal to be in raw mode, then press one key.

    A key sent before the program switches the terminal to raw mode would be flushed away.
    """
    child.expect_exact(PROMPT)
    assert child.waitnoecho(timeout=20)
    child.send(key)


@pytest.fixture
def spawn(project: Path):
    children: list[pexpect.spawn] = []

    def start(editor: str = "false") -> pexpect.spawn:
        env = dict(os.environ, TERM="dumb", NO_COLOR="1", EDITOR=editor, VISUAL=editor)
        env.pop("COLUMNS", None)
        child = pexpect.spawn(
            str(Path(sys.executable).with_name("kehila")),
            ["review", "-i"],
            cwd=str(project),
            env=env,
            encoding="utf-8",
            dimensions=(60, 160),
            timeout=20,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def test_edit_approve_refuse_and_reject_with_single_keys(spawn, project):
    story_before = read(project, STORY)
    child = spawn(editor="sed -i -e 's/signature check fails/signature check fails on Mondays/'")
    child.expect_exact("1/2")
    child.expect_exact("Webhook signature mismatch Platypus-pending-marker-2X")
    press(child, "e")  # $EDITOR changes the body; the item is shown again, re-read from disk
    child.expect_exact(f"edited content/{QA}")
    child.expect_exact("1/2")
    child.expect_exact("signature check fails on Mondays")
    press(child, "a")
    child.expect_exact("approved discourse:community.tavla.example:702 (published)")
    child.expect_exact("2/2")
    child.expect_exact("Brightline Agency books client workshops in minutes")
    press(child, "a")  # refused: the story has neither consent nor disclosure
    child.expect_exact("cannot approve csv:autumn-survey:row-4")
    child.expect_exact("set consent: kehila review consent csv:autumn-survey:row-4")
    child.expect_exact("2/2")
    press(child, "r")
    child.expect_exact("Reason for rejecting: ")
    child.sendline("No consent after three reminders")
    child.expect_exact("rejected csv:autumn-survey:row-4")
    child.expect_exact("Reviewed 2 of 2: 1 approved, 1 rejected, 0 skipped.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    qa = read(project, QA)
    assert "status: published\n" in qa
    assert "Our webhook signature check fails on Mondays (Platypus-pending-marker-2X)." in qa
    story = read(project, STORY)
    assert "status: rejected\n" in story
    assert "rejected:\n  reason: No consent after three reminders\n" in story
    assert story.split("\n---\n", 1)[1] == story_before.split("\n---\n", 1)[1]


def test_skip_and_quit_change_nothing(spawn, project):
    before = {rel: read(project, rel) for rel in (STORY, QA)}
    child = spawn()
    press(child, "s")
    child.expect_exact("skipped discourse:community.tavla.example:702")
    child.expect_exact("2/2")
    press(child, "x")
    child.expect_exact("unknown key 'x'")
    press(child, "q")
    child.expect_exact("Reviewed 1 of 2: 0 approved, 0 rejected, 1 skipped.")
    child.expect(pexpect.EOF)
    assert {rel: read(project, rel) for rel in (STORY, QA)} == before


def test_quick_field_edits_from_the_queue(spawn, project):
    before = read(project, STORY)
    child = spawn()
    press(child, "s")
    child.expect_exact("2/2")
    press(child, "u")
    child.expect_exact("Quote (empty removes it)")
    child.sendline("We book workshops in minutes.")
    child.expect_exact("changed quote")
    press(child, "g")
    child.expect_exact("Tags, comma-separated [agencies]: ")
    child.sendline("agencies, booking")
    child.expect_exact("changed tags")
    press(child, "f")
    child.expect_exact("changed featured")
    press(child, "t")
    child.expect_exact("Title [Brightline Agency books client workshops in minutes]: ")
    child.sendline("")  # Enter keeps the title
    child.expect_exact("unchanged")
    child.expect_exact("We book workshops in minutes.")  # the item is shown again, re-read
    press(child, "q")
    child.expect(pexpect.EOF)
    story = read(project, STORY)
    assert story == before.replace(
        "tags: [agencies]\n", "tags: [agencies, booking]\nfeatured: true\n"
    ).replace(
        "quote: Zanzibar-pending-marker-7Q — our clients book their own workshop slots now.\n",
        "quote: We book workshops in minutes.\n",
    )


def help_keys() -> dict[str, str]:
    """The keys ``kehila review --help`` lists under "Keys of -i", with what each does."""
    from click.testing import CliRunner
    from kehila.cli import main

    text = CliRunner().invoke(main, ["review", "--help"], terminal_width=200).output
    block = text.split("Keys of -i:\n", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^\s+(\S)\s{2,}(.+)$", block, re.MULTILINE))


#: What the loop answers to each key it handles (each pressed in the demo's queue below).
REACTIONS = {
    "e": ("edited content/", None),
    "t": ("Title [", ""),
    "u": ("Quote (empty removes it)", ""),
    "g": ("Tags, comma-separated", ""),
    "f": ("changed featured", None),
    "s": ("skipped ", None),
    "a": ("cannot approve csv:autumn-survey:row-4", None),
    "r": ("Reason for rejecting: ", "Not a customer"),
}


def test_help_and_docs_list_exactly_the_keys_the_loop_handles(spawn, project):
    listed = help_keys()
    assert set(listed) == set(REACTIONS) | {"q"}, listed
    docs = Path(__file__).parents[2] / "docs" / "desk.md"
    row = next(line for line in docs.read_text("utf-8").splitlines() if "`--interactive`" in line)
    assert {k for k in listed if f"`{k}`" not in row} == set()
    child = spawn(editor="true")
    # Every other letter and digit is refused as unknown...
    for key in sorted(set(string.ascii_lowercase + string.digits) - set(listed)):
        press(child, key)
        child.expect_exact(f"unknown key {key!r}")
    # ...and every listed one is acted on (the QA item first, then the story).
    for key in ("e", "t", "g", "s", "u", "f", "f", "a", "r"):
        reaction, answer = REACTIONS[key]  # an answer to a prompt: Enter keeps the value
        press(child, key)
        child.expect_exact(reaction)
        if answer is not None:
            child.sendline(answer)
    child.expect_exact("Reviewed 2 of 2: 0 approved, 1 rejected, 1 skipped.")
    child.expect(pexpect.EOF)
    quitter = spawn()
    press(quitter, "q")
    quitter.expect_exact("quit")
    quitter.expect(pexpect.EOF)
