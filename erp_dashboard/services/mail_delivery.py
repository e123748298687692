"""The outbox's sender: delivers queued emails over SMTP, each once, retrying with backoff.

Emails are written to `email_outbox` in the transaction of the action that causes
them (`notifications`). This module hands them to an SMTP server. An email's
`status` is one of:

- ``queued``  waiting to be sent; due when `next_attempt_at` is empty or past.
- ``sending`` claimed by one worker for one attempt; `next_attempt_at` is then the
  end of its lease (`LEASE`). `attempts` counts the attempts started.
- ``sent``    accepted by the SMTP server at `sent_at`.
- ``failed``  given up: refused permanently (5xx, a header-injection attempt) or
  still refused after `MAX_ATTEMPTS`; `last_error` says why.

The Outbox page reads them, and sends a failed one again, through `outbox`.

Each email is claimed by a compare-and-set in its own committed transaction, so
two workers never both send it; the SMTP conversation runs outside any
transaction and its outcome is recorded in another. Delivery is exactly once,
except at one edge: a worker that stops between the server's acceptance and
recording it leaves the email ``sending``, and once its lease ends it is due
again and sent a second time (at-least-once there, rather than lost).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import col, select

from erp_dashboard import config
from erp_dashboard.db import read_only, rows_changed, unit_of_work
from erp_dashboard.models import Email, utcnow

log = logging.getLogger(__name__)

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
# How long one attempt may hold an email. It must outlast the longest SMTP
# conversation (a few commands, each bounded by SMTP_TIMEOUT) by a wide margin:
# a shorter lease risks a second copy, a longer one delays a crashed worker's email.
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand emails over (from the SMTP_* environment variables)."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver_due` pass did."""

    sent: int = 0
    deferred: int = 0  # a temporary failure: queued again with a later next_attempt_at
    failed: int = 0


class _Undeliverable(Exception):
    """The email itself can never be sent (its message is the reason)."""


class _Unreachable(ConnectionError):
    """No usable SMTP session: connecting, STARTTLS or login failed."""


def smtp_settings() -> SmtpSettings | None:
    """The SMTP settings (`config.load()`), or None when SMTP_HOST is unset (emails are kept)."""
    s = config.load()
    if not s.smtp_host:
        return None
    return SmtpSettings(
        host=s.smtp_host,
        port=s.smtp_port or (587 if s.smtp_starttls else 25),
        sender=s.smtp_from,
        username=s.smtp_username,
        password=s.smtp_password,
        starttls=s.smtp_starttls,
        timeout=s.smtp_timeout,
    )


def recipients(to_addrs: str) -> list[str]:
    """The stored "a@x, b@y" list as addresses, each once (compared case-insensitively)."""
    unique = {a.strip().casefold(): a.strip() for a in reversed(to_addrs.split(","))}
    return [a for a in reversed(unique.values()) if a]


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, … at most 1 h."""
    return min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)


def deliver_due(
    settings: SmtpSettings, *, now: datetime | None = None, limit: int = 50
) -> DeliveryReport:
    """Send up to `limit` due emails, oldest first; blocking (run it in a thread).

    `now` fixes the clock (tests); by default each step reads the time. A pass
    stops early when the server cannot be reached, leaving the rest queued.
    """
    counts = {SENT: 0, QUEUED: 0, FAILED: 0}
    with read_only() as session:
        due = session.exec(
            select(Email.id).where(_due(now or utcnow())).order_by(col(Email.id)).limit(limit)
        ).all()
    mailer = _Mailer(settings)
    try:
        for email_id in due:
            assert email_id is not None  # a primary key read from the table
            email = _claim(email_id, now or utcnow())
            if email is None:  # another worker took it
                continue
            status, error = _attempt(mailer, email, settings.sender)
            counts[_record(email, status, error, now or utcnow())] += 1
            if mailer.unreachable:
                break
    finally:
        mailer.close()
    return DeliveryReport(sent=counts[SENT], deferred=counts[QUEUED], failed=counts[FAILED])


async def delivery_loop(every_seconds: float = 5) -> None:
    """Deliver due emails every `every_seconds`, forever; returns at once without SMTP."""
    settings = smtp_settings()
    if settings is None:
        log.info("SMTP_HOST is unset: emails are kept in the outbox, not sent")
        return
    while True:
        try:
            report = await asyncio.to_thread(deliver_due, settings)
            if report != DeliveryReport():
                log.info("Email delivery: %s", report)
        except Exception:
            log.exception("Email delivery pass failed; trying again later")
        await asyncio.sleep(every_seconds)


def _due(now: datetime):
    """Queued and its time has come, or claimed by a worker whose lease has ended."""
    return or_(
        and_(
            col(Email.status) == QUEUED,
            or_(col(Email.next_attempt_at).is_(None), col(Email.next_attempt_at) <= now),
        ),
        and_(col(Email.status) == SENDING, col(Email.next_attempt_at) <= now),
    )


def _claim(email_id: int, now: datetime) -> Email | None:
    """Take the email for one attempt if it is still due (compare-and-set), else None."""
    with unit_of_work() as session:
        won = rows_changed(
            session,
            update(Email)
            .where(col(Email.id) == email_id, _due(now))
            .values(status=SENDING, attempts=Email.attempts + 1, next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False),
        )
        return session.get(Email, email_id) if won else None


def _attempt(mailer: _Mailer, email: Email, sender: str) -> tuple[str, str]:
    """Send one claimed email: (SENT, note), (FAILED, reason) or (QUEUED, temporary error)."""
    try:
        refused = mailer.send(_message(email, sender))
    except _Undeliverable as exc:
        return FAILED, str(exc)
    except OSError as exc:  # smtplib's errors are OSErrors too
        return _classify(exc)
    except Exception as exc:  # a bug, not the server: retried, then failed, never stuck
        log.exception("Unexpected error sending email %s", email.id)
        return QUEUED, f"unexpected {type(exc).__name__}: {exc}"
    return SENT, f"not delivered to {_codes(refused)}" if refused else ""


def _record(email: Email, status: str, error: str, now: datetime) -> str:
    """Store the attempt's outcome, unless another worker took over the email meanwhile.

    A temporary failure (QUEUED) is retried after `backoff`, up to MAX_ATTEMPTS.
    Returns the email's new status.
    """
    values: dict[str, Any]
    if status == SENT:
        values = {"status": SENT, "sent_at": now, "last_error": error}
    elif status == FAILED:
        values = {"status": FAILED, "last_error": error}
    elif email.attempts >= MAX_ATTEMPTS:
        values = {"status": FAILED, "last_error": f"gave up after {MAX_ATTEMPTS} attempts: {error}"}
    else:
        values = {
            "status": QUEUED,
            "next_attempt_at": now + backoff(email.attempts),
            "last_error": f"attempt {email.attempts}: {error}",
        }
    with unit_of_work() as session:
        session.execute(
            update(Email)
            .where(
                col(Email.id) == email.id,
                col(Email.status) == SENDING,
                col(Email.next_attempt_at) == email.next_attempt_at,  # still our lease
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return values["status"]


def _message(email: Email, sender: str) -> EmailMessage:
    """The email as a MIME message; refuses headers that could inject other headers."""
    to = recipients(email.to_addrs)
    if not to:
        raise _Undeliverable("the email has no recipients")
    for name, value in (("From", sender), ("To", email.to_addrs), ("Subject", email.subject)):
        if "\r" in value or "\n" in value:
            raise _Undeliverable(
                f"refused: the {name} header contains a line break (header injection)"
            )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = message_id(email, sender)
    message.set_content(email.body)
    return message


def message_id(email: Email, sender: str) -> str:
    """The same Message-ID on every attempt, so a copy sent twice (a worker that stopped
    after the server accepted it) is recognised as one email by mail clients."""
    domain = sender.rpartition("@")[2].strip(" <>") or "erp-integrations.invalid"
    return f"<erp-email-{email.id}.{int(email.created_at.timestamp())}@{domain}>"


def _classify(exc: OSError) -> tuple[str, str]:
    """(FAILED or QUEUED, error text) for an error while sending: 5xx is permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        error = f"all recipients refused: {_codes(exc.recipients)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        codes = [exc.smtp_code]
        error = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        return QUEUED, str(exc) or type(exc).__name__  # refused, timed out, disconnected…
    return (FAILED if all(500 <= code < 600 for code in codes) else QUEUED), error


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    """The refused recipients with the server's replies, as one line."""
    return "; ".join(f"{addr} ({code} {_text(reply)})" for addr, (code, reply) in refused.items())


def _text(reply: bytes | str) -> str:
    """A server reply (smtplib gives bytes) as text."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


class _Mailer:
    """One SMTP session for a pass: opened at the first email, reopened after an error."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.unreachable = False  # set when a session could not be opened

    def send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """Hand `message` over; returns the recipients refused (when not all were)."""
        if self.smtp is None:
            self.smtp = self._open()
        try:
            return self.smtp.send_message(message)
        except BaseException:
            self.close()  # the session's state is unknown: start afresh next time
            raise

    def _open(self) -> smtplib.SMTP:
        """Connect, then STARTTLS and log in when configured."""
        s, step = self.settings, "connecting"
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                if s.starttls:
                    step = "STARTTLS"
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    step = "login"
                    smtp.login(s.username, s.password)
            except BaseException:
                smtp.close()
                raise
        except OSError as exc:
            self.unreachable = True
            raise _Unreachable(f"{step} to {s.host}:{s.port} failed: {exc}") from exc
        return smtp

    def close(self) -> None:
        """End the session politely if it is still open."""
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except OSError:
            self.smtp.close()
        self.smtp = None
