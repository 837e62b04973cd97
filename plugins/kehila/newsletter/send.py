"""Sending an issue to a list over SMTP, each reader with their own unsubscribe link, never twice.

The send log (``content/.kehila/newsletter/<slug>.sends.jsonl``, never published) has one JSON
line per event, appended and flushed to disk one at a time:

``{"email": ..., "state": "sending", ...}``
    written *before* the message is handed to the SMTP server;
``{"email": ..., "state": "sent", "message_id": ...}``
    written once the server accepted it;
``{"email": ..., "state": "refused", "reason": ...}``
    the server refused this recipient.

A rerun skips every address that is sent or refused. An address whose last line is
``sending`` is *uncertain*: the process stopped between handing the message over and recording
the answer, so the reader may have it. It is never sent again unless the editor asks for it
(``retry_uncertain``): a crash can leave a gap, never a duplicate. A line cut short by a crash is
ignored. The whole run holds a lock on the log, so two sends of one issue cannot interleave.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import hmac
import io
import json
import os
import smtplib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..fileio import locked
from .issue_email import IssueEmail
from .settings import NewsletterSettings

#: Environment variables of the SMTP connection.
SMTP_HOST = "KEHILA_SMTP_HOST"
SMTP_PORT = "KEHILA_SMTP_PORT"
SMTP_USER = "KEHILA_SMTP_USER"
SMTP_PASSWORD = "KEHILA_SMTP_PASSWORD"
SMTP_SECURITY = "KEHILA_SMTP_SECURITY"
#: The secret that signs each reader's unsubscribe link (``{token}``).
UNSUBSCRIBE_SECRET = "KEHILA_UNSUBSCRIBE_SECRET"

SECURITY = ("starttls", "ssl", "none")


class SendError(ValueError):
    """The list, the settings or the SMTP connection do not allow the send; names what."""


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""

    @property
    def key(self) -> str:
        """Addresses are compared without case (the log and the list's duplicates)."""
        return self.email.lower()

    @property
    def address(self) -> str:
        return email.utils.formataddr((self.name, self.email)) if self.name else self.email


def read_recipients(path: Path) -> list[Recipient]:
    """Read a CSV list of ``email[,name]`` (an optional header row names the columns).

    Raises:
        SendError: the file cannot be read, or a line has no valid address (file and line named).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SendError(f"{path}: cannot read the list: {exc}") from None
    recipients: dict[str, Recipient] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("email", "e-mail", "address"):
            continue
        address = cells[0]
        name = cells[1] if len(cells) > 1 else ""
        if not _valid_address(address):
            raise SendError(f"{path}:{number}: not an email address: {address!r}")
        if any(c in name for c in "\r\n"):
            raise SendError(f"{path}:{number}: the name has a line break")
        recipient = Recipient(address, name)
        # The same reader twice in a list gets one message.
        recipients.setdefault(recipient.key, recipient)
    return list(recipients.values())


def _valid_address(value: str) -> bool:
    name, address = email.utils.parseaddr(value)
    local, _, domain = address.rpartition("@")
    return bool(local) and "." in domain and address == value and " " not in value


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    security: str

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> SmtpSettings:
        """The SMTP server from the environment (``KEHILA_SMTP_*``).

        Raises:
            SendError: the host is missing, or the port or security is not valid.
        """
        host = env.get(SMTP_HOST, "").strip()
        if not host:
            raise SendError(f"set {SMTP_HOST} (and {SMTP_PORT}, {SMTP_USER}, {SMTP_PASSWORD})")
        security = env.get(SMTP_SECURITY, "starttls").strip().lower()
        if security not in SECURITY:
            raise SendError(f"{SMTP_SECURITY}: expected one of {', '.join(SECURITY)}")
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        port_text = env.get(SMTP_PORT, "").strip() or str(default_port)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SendError(f"{SMTP_PORT}: expected a port number, got {port_text!r}")
        return cls(
            host,
            int(port_text),
            env.get(SMTP_USER) or None,
            env.get(SMTP_PASSWORD) or None,
            security,
        )

    @contextmanager
    def connect(self) -> Iterator[smtplib.SMTP]:
        try:
            if self.security == "ssl":
                server: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=60)
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=60)
        except OSError as exc:
            raise SendError(
                f"cannot reach the SMTP server {self.host}:{self.port}: {exc}"
            ) from None
        try:
            if self.security == "starttls":
                server.starttls()
            if self.user:
                server.login(self.user, self.password or "")
            yield server
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(f"the SMTP server refused the login of {self.user!r}: {exc}") from None
        finally:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()


def unsubscribe_link(template: str, recipient: Recipient, secret: str | None) -> str:
    """A reader's own unsubscribe URL: ``{email}`` and ``{token}`` (an HMAC of the address).

    Raises:
        SendError: the URL uses ``{token}`` and no secret is set.
    """
    token = ""
    if "{token}" in template:
        if not secret:
            raise SendError(
                f"newsletter.unsubscribe_url uses {{token}}: set {UNSUBSCRIBE_SECRET} to the "
                "secret your unsubscribe page checks it with"
            )
        token = unsubscribe_token(secret, recipient.email)
    return template.format(email=quote(recipient.email, safe="@"), token=token)


def unsubscribe_token(secret: str, address: str) -> str:
    """What the unsubscribe page recomputes to trust the address in the link."""
    return hmac.new(secret.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:32]


# -- the log ---------------------------------------------------------------------------------


@dataclass
class SendLog:
    """The send log of one issue (see the module's docstring)."""

    path: Path
    states: dict[str, str] = field(default_factory=dict)
    """Last state per address (lower case)."""
    torn: int = 0
    """Lines cut short by a crash (ignored)."""

    @classmethod
    def read(cls, path: Path) -> SendLog:
        log = cls(path)
        if not path.is_file():
            return log
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                log.states[record["email"].lower()] = record["state"]
            except (ValueError, KeyError, TypeError, AttributeError):
                log.torn += 1
        return log

    def append(self, **record: str) -> None:
        """Add one line and make sure it is on disk before going on."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # One write of a whole line on an append-only descriptor: lines never interleave,
            # and a crash can only cut the last one short (read() skips it).
            if self.path.stat().st_size and not _ends_with_newline(self.path):
                os.write(fd, b"\n")
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.states[record["email"].lower()] = record["state"]


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def log_path(state_dir: Path, issue: IssueEmail) -> Path:
    return state_dir / "newsletter" / f"{issue.slug}.sends.jsonl"


# -- the send --------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    to_send: list[str] = field(default_factory=list)
    """In a dry run: who would get the issue now."""
    stopped: str | None = None
    """Why the run stopped early (the connection broke): a rerun goes on from there."""


def plan(
    recipients: list[Recipient], log: SendLog, *, retry_uncertain: bool = False
) -> tuple[list[Recipient], SendReport]:
    """Who gets the issue now, and who is skipped (already sent, refused, uncertain)."""
    report = SendReport()
    todo = []
    for recipient in recipients:
        state = log.states.get(recipient.key)
        if state == "sent":
            report.already.append(recipient.email)
        elif state == "refused":
            report.refused.append((recipient.email, "refused in an earlier run"))
        elif state == "sending" and not retry_uncertain:
            report.uncertain.append(recipient.email)
        else:
            todo.append(recipient)
    report.to_send = [r.email for r in todo]
    return todo, report


def send_issue(
    issue: IssueEmail,
    settings: NewsletterSettings,
    recipients: list[Recipient],
    *,
    state_dir: Path,
    smtp: SmtpSettings | None,
    secret: str | None,
    retry_uncertain: bool = False,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> SendReport:
    """Send ``issue`` to each recipient not yet served (``smtp=None``: a dry run, nothing sent).

    Raises:
        SendError: the settings do not allow a send (no sender, no unsubscribe URL, no secret).
    """
    if not settings.unsubscribe_url:
        raise SendError(
            "set newsletter.unsubscribe_url in mkdocs.yml: every message carries its reader's "
            "own unsubscribe link (List-Unsubscribe, RFC 8058)"
        )
    if smtp is not None and not settings.has_sender:
        raise SendError("set newsletter.from in mkdocs.yml: the sender of the messages")
    links = {r.key: unsubscribe_link(settings.unsubscribe_url, r, secret) for r in recipients}
    path = log_path(state_dir, issue)
    if smtp is None:
        # A dry run reads the log, and leaves no file behind (not even a lock).
        return plan(recipients, SendLog.read(path), retry_uncertain=retry_uncertain)[1]
    with locked(path):
        log = SendLog.read(path)
        todo, report = plan(recipients, log, retry_uncertain=retry_uncertain)
        if not todo:
            return report
        report.to_send = []
        sender = email.utils.parseaddr(settings.sender)[1]
        domain = sender.rpartition("@")[2]
        with smtp.connect() as server:
            for recipient in todo:
                message_id = email.utils.make_msgid("newsletter", domain=domain)
                message = issue.message(
                    settings,
                    to=recipient.address,
                    unsubscribe_url=links[recipient.key],
                    date=email.utils.format_datetime(now()),
                    message_id=message_id,
                )
                log.append(email=recipient.email, state="sending", at=_stamp(now()))
                try:
                    server.send_message(message, from_addr=sender, to_addrs=[recipient.email])
                except smtplib.SMTPRecipientsRefused as exc:
                    reason = _reason(exc.recipients.get(recipient.email))
                    log.append(
                        email=recipient.email, state="refused", reason=reason, at=_stamp(now())
                    )
                    report.refused.append((recipient.email, reason))
                    continue
                except smtplib.SMTPResponseException as exc:
                    reason = f"{exc.smtp_code} {_text(exc.smtp_error)}"
                    if exc.smtp_code >= 500 and isinstance(exc, smtplib.SMTPDataError):
                        # This message is refused for good; the others may go.
                        log.append(
                            email=recipient.email, state="refused", reason=reason, at=_stamp(now())
                        )
                        report.refused.append((recipient.email, reason))
                        continue
                    # Not accepted (a temporary error, or the sender refused): a rerun tries again.
                    log.append(
                        email=recipient.email, state="failed", reason=reason, at=_stamp(now())
                    )
                    report.stopped = f"the SMTP server answered {reason}"
                    break
                except (smtplib.SMTPException, OSError) as exc:
                    # The connection broke mid-message: the server may have it. Stop; the
                    # address stays uncertain (never resent without --retry-uncertain).
                    report.uncertain.append(recipient.email)
                    report.stopped = f"{type(exc).__name__}: {exc}"
                    break
                log.append(
                    email=recipient.email,
                    state="sent",
                    message_id=message_id,
                    at=_stamp(now()),
                )
                report.sent.append(recipient.email)
    return report


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _reason(answer: object) -> str:
    if isinstance(answer, tuple) and len(answer) == 2:
        return f"{answer[0]} {_text(answer[1])}"
    return "refused"


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
