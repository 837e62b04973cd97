"""``kehila newsletter send``: through a real SMTP server on 127.0.0.1 (aiosmtpd), never twice."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from kehila.cli import main
from kehila.newsletter.send import unsubscribe_token

SECRET = "s3cret"
LIST = "email,name\nana@example.org,Ana Lima\nben@example.org,\nchen@example.org,Chen Wei\n"


class Inbox:
    """An SMTP handler that keeps what it accepts, and refuses or stalls on demand."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self.drop_at: int | None = None
        """Close the connection on the n-th message (0-based) instead of accepting it."""
        self.stall_at: int | None = None
        self.stalled = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.stall_at is not None and len(self.messages) == self.stall_at:
            self.stalled.set()
            await asyncio.sleep(30)
        if self.drop_at is not None and len(self.messages) == self.drop_at:
            server.transport.close()
            return "421 Closing"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("KEHILA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KEHILA_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("KEHILA_SMTP_SECURITY", "none")
    monkeypatch.setenv("KEHILA_UNSUBSCRIBE_SECRET", SECRET)
    yield inbox
    controller.stop()


@pytest.fixture
def subscribers(hub_project: Path) -> Path:
    path = hub_project / "subscribers.csv"
    path.write_text(LIST, encoding="utf-8")
    return path


def send(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["newsletter", "send", "-f", str(project / "mkdocs.yml"), *args]
    )
    return result.exit_code, result.output


def log_lines(project: Path) -> list[dict]:
    path = project / "content/.kehila/newsletter/tavla-notes-20.sends.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if not line.startswith('{"email": "chen@exa')]


def test_dry_run_by_default_sends_and_writes_nothing(hub_project, subscribers, smtp) -> None:
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers))
    assert code == 0, output
    assert "Dry run: 3 would get tavla-notes-20 (give --send to send)." in output
    assert "ben@example.org" in output
    assert smtp.messages == []
    assert not (hub_project / "content/.kehila/newsletter").exists()


def test_each_reader_gets_their_own_unsubscribe_link(hub_project, subscribers, smtp) -> None:
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 0, output
    assert "Sent tavla-notes-20 to 3." in output
    assert [rcpt for rcpt, _ in smtp.messages] == [
        ["ana@example.org"],
        ["ben@example.org"],
        ["chen@example.org"],
    ]
    ids = set()
    for (rcpt,), message in smtp.messages:
        assert message["From"] == "Tavla Community <news@tavla.example>"
        assert rcpt in message["To"]
        assert message["Subject"].startswith("Tavla Notes #20")
        link = message["List-Unsubscribe"].strip()
        assert link.startswith("<https://tavla.example/unsubscribe?") and link.endswith(">")
        query = parse_qs(urlsplit(link[1:-1]).query)
        assert query["email"] == [rcpt]
        assert query["token"] == [unsubscribe_token(SECRET, rcpt)]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = message.get_body(preferencelist=("html",)).get_content()
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "*|UNSUB|*" not in html and "*|UNSUB|*" not in text
        assert f"Unsubscribe: {link[1:-1]}" in text
        assert link[1:-1].replace("&", "&amp;") in html
        ids.add(message["Message-ID"])
    assert len(ids) == 3
    assert message["To"] == "Chen Wei <chen@example.org>"
    # The log is never published: it lives in content/.kehila/.
    states = [(r["email"], r["state"]) for r in log_lines(hub_project)]
    assert states == [
        (address, state)
        for address in ("ana@example.org", "ben@example.org", "chen@example.org")
        for state in ("sending", "sent")
    ]


def test_a_rerun_never_sends_twice(hub_project, subscribers, smtp) -> None:
    assert send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")[0] == 0
    subscribers.write_text(LIST + "dana@example.org,Dana\nANA@example.org,Ana again\n")
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 0, output
    assert "Sent tavla-notes-20 to 1." in output
    assert "Already sent earlier: 3." in output
    assert [rcpt for rcpt, _ in smtp.messages][-1] == ["dana@example.org"]
    assert len(smtp.messages) == 4


def test_a_refused_recipient_is_reported_and_the_rest_go(hub_project, subscribers, smtp) -> None:
    smtp.refuse.add("ben@example.org")
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 0, output
    assert "Refused: ben@example.org (550 5.1.1 No such user here)" in output
    assert [rcpt for rcpt, _ in smtp.messages] == [["ana@example.org"], ["chen@example.org"]]


def test_a_broken_connection_stops_and_a_rerun_goes_on(hub_project, subscribers, smtp) -> None:
    smtp.drop_at = 1  # ben's message: the connection closes mid-way
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 1
    assert "Uncertain: ben@example.org" in output
    assert "stopped early" in output and "Run the command again" in output
    smtp.drop_at = None
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 0, output
    # Ben may or may not have the first message: not sent again unless asked.
    assert [rcpt for rcpt, _ in smtp.messages] == [["ana@example.org"], ["chen@example.org"]]
    assert "Uncertain: ben@example.org" in output
    code, output = send(
        hub_project, "tavla-notes-20", "--to", str(subscribers), "--send", "--retry-uncertain"
    )
    assert code == 0, output
    assert [rcpt for rcpt, _ in smtp.messages][-1] == ["ben@example.org"]


def test_a_killed_send_leaves_no_duplicate(hub_project, subscribers, smtp) -> None:
    """SIGKILL while the server holds the second message: a rerun sends only the third."""
    smtp.stall_at = 1
    command = [
        str(Path(sys.executable).with_name("kehila")),
        "newsletter",
        "send",
        "-f",
        str(hub_project / "mkdocs.yml"),
        "tavla-notes-20",
        "--to",
        str(subscribers),
        "--send",
    ]
    process = subprocess.Popen(command, env=dict(os.environ), cwd=hub_project)
    try:
        assert smtp.stalled.wait(60), "the send never reached the second message"
        time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    assert [r["state"] for r in log_lines(hub_project)] == ["sending", "sent", "sending"]
    # A crash may also cut a line short: it is ignored.
    log = hub_project / "content/.kehila/newsletter/tavla-notes-20.sends.jsonl"
    with log.open("a", encoding="utf-8") as handle:
        handle.write('{"email": "chen@exa')
    smtp.stall_at = None
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 0, output
    assert [rcpt for rcpt, _ in smtp.messages] == [["ana@example.org"], ["chen@example.org"]]
    assert "Uncertain: ben@example.org" in output
    assert log_lines(hub_project)[-1]["state"] == "sent"


def test_unpublished_issue_is_refused(hub_project, subscribers, smtp) -> None:
    code, output = send(hub_project, "tavla-notes-21", "--to", str(subscribers), "--send")
    assert code == 1
    assert "the issue is pending, not published" in output
    assert smtp.messages == []


def test_bad_list_line_is_named(hub_project, smtp) -> None:
    path = hub_project / "list.csv"
    path.write_text("ana@example.org\nnot-an-address,Someone\n", encoding="utf-8")
    code, output = send(hub_project, "tavla-notes-20", "--to", str(path), "--send")
    assert code == 1
    assert f"{path}:2: not an email address: 'not-an-address'" in output
    assert smtp.messages == []


def test_settings_the_send_needs_are_named(hub_project, subscribers, smtp, monkeypatch) -> None:
    monkeypatch.delenv("KEHILA_UNSUBSCRIBE_SECRET")
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 1
    assert "set KEHILA_UNSUBSCRIBE_SECRET" in output
    monkeypatch.setenv("KEHILA_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.delenv("KEHILA_SMTP_HOST")
    code, output = send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")
    assert code == 1
    assert "set KEHILA_SMTP_HOST" in output
    assert smtp.messages == []


def test_the_send_log_is_never_published(hub_project, subscribers, smtp) -> None:
    from ..conftest import build

    assert send(hub_project, "tavla-notes-20", "--to", str(subscribers), "--send")[0] == 0
    site = build(hub_project)
    published = [p.name for p in site.rglob("*")]
    assert not [name for name in published if "sends" in name or name.endswith(".jsonl")]
    assert not any(
        "ana@example.org" in p.read_text("utf-8", "ignore")
        for p in site.rglob("*.*")
        if p.is_file() and p.suffix in (".html", ".json", ".xml", ".txt")
    )
