"""The outbox's sender and the Outbox page's read model, against a real SMTP server
(aiosmtpd) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import delete, select

from erp_dashboard import config
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Email, utcnow
from erp_dashboard.services import jobs, outbox
from erp_dashboard.services.errors import InvalidTransition, NotFound, PermissionDenied
from erp_dashboard.services.mail_delivery import (
    LEASE,
    MAX_ATTEMPTS,
    DeliveryReport,
    SmtpSettings,
    backoff,
    deliver_due,
    delivery_loop,
    smtp_settings,
)
from erp_dashboard.services.outbox import PAGE_SIZE, EmailView, outbox_page
from erp_dashboard.services.permissions import Actor, Role

SENDER = "erp@example.com"


@dataclass(frozen=True)
class Received:
    """One envelope the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class Recorder:
    """An aiosmtpd handler that accepts every email and records its envelope."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


class BusyOnce(Recorder):
    """Answers the first DATA with 451 (try again later), then accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = True

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.busy:
            self.busy = False
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


class NoSuchUser(Recorder):
    """Refuses every recipient with 550."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return "550 5.1.1 No such user"


READER = Actor(0, "reader@example.com", "Reader", Role.VIEWER)  # any signed-in user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_for(port: int, **fields) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout=5, **fields)


@pytest.fixture
def smtp_server():
    """Starts aiosmtpd servers on 127.0.0.1 (a free port unless given); stops them after."""
    controllers: list[Controller] = []

    def start(handler: Recorder, port: int | None = None, **options) -> SmtpSettings:
        controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **options)
        controller.start()
        controllers.append(controller)
        return settings_for(controller.port)

    yield start
    for controller in controllers:
        controller.stop()


def reject(world) -> int:
    """Rejects Project 1 through the service, which queues the rejection email."""
    with unit_of_work() as s:  # only that email in the outbox (not the "awaiting" ones)
        s.exec(delete(Email))
    pid = world.projects[0]
    jobs.reject(world.approver, pid, world.project(pid).erp_version, "Wrong number")
    with unit_of_work() as s:
        return s.exec(select(Email.id).where(Email.project_id == pid)).one()


def queue(subject: str, to: str = "ann@example.com", **fields) -> int:
    with unit_of_work() as s:
        row = Email(to_addrs=to, subject=subject, body="Hello.\n", **fields)
        s.add(row)
        s.flush()
        return row.id


def stored(email_id: int) -> Email:
    with unit_of_work() as s:
        return s.get(Email, email_id)


def test_rejection_email_arrives_once_to_creator_and_approvers(world, smtp_server):
    server = Recorder()
    settings = smtp_server(server)
    email_id = reject(world)

    assert deliver_due(settings) == DeliveryReport(sent=1)
    assert deliver_due(settings) == DeliveryReport()

    [got] = server.received
    addresses = ["ann@example.com", "bob@example.com", "pam@example.com"]  # approvers, creator
    assert got.mail_from == SENDER
    assert got.rcpt_tos == addresses
    assert got.message["To"] == ", ".join(addresses)
    assert got.message["From"] == SENDER
    assert got.message["Subject"] == "ERP Project Rejection Notification: Project 1"
    body = got.message.get_content()
    assert "Wrong number" in body and "Ann Approver" in body
    row = stored(email_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None


def test_login_without_starttls_and_each_recipient_once(db, smtp_server):
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (auth_data.login, auth_data.password) == (b"erp", b"secret")
        return AuthResult(success=ok, handled=False)  # the server answers 535 when not ok

    server = Recorder()
    port = smtp_server(server, authenticator=authenticator, auth_require_tls=False).port
    email_id = queue("Hi", to="ann@example.com, ANN@example.com,bob@example.com, ")

    wrong = settings_for(port, username="erp", password="guess")
    assert deliver_due(wrong) == DeliveryReport(deferred=1)
    row = stored(email_id)
    assert row.status == "queued" and "login" in row.last_error and "535" in row.last_error

    right = settings_for(port, username="erp", password="secret")
    assert deliver_due(right, now=row.next_attempt_at) == DeliveryReport(sent=1)
    [got] = server.received
    assert got.rcpt_tos == ["ann@example.com", "bob@example.com"]
    assert got.message["To"] == "ann@example.com, bob@example.com"


def test_smtp_down_keeps_email_queued_then_delivers_it_once(world, smtp_server):
    port = free_port()  # nothing listens here yet
    email_id = reject(world)
    t0 = utcnow()

    assert deliver_due(settings_for(port), now=t0) == DeliveryReport(deferred=1)
    row = stored(email_id)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == t0 + timedelta(seconds=30)
    assert "connecting to 127.0.0.1" in row.last_error

    server = Recorder()
    settings = smtp_server(server, port=port)
    assert deliver_due(settings, now=t0 + timedelta(seconds=10)) == DeliveryReport()  # not due
    for seconds in (31, 32, 3600):
        deliver_due(settings, now=t0 + timedelta(seconds=seconds))
    assert len(server.received) == 1
    row = stored(email_id)
    assert (row.status, row.attempts) == ("sent", 2)


def test_temporary_refusal_is_retried_then_sent_once(db, smtp_server):
    server = BusyOnce()
    settings = smtp_server(server)
    email_id = queue("Retry me")
    t0 = utcnow()

    assert deliver_due(settings, now=t0) == DeliveryReport(deferred=1)
    assert server.received == []
    row = stored(email_id)
    assert row.status == "queued" and "451" in row.last_error

    assert deliver_due(settings, now=t0 + timedelta(seconds=30)) == DeliveryReport(sent=1)
    assert deliver_due(settings, now=t0 + timedelta(hours=1)) == DeliveryReport()
    assert [r.message["Subject"] for r in server.received] == ["Retry me"]
    assert (stored(email_id).status, stored(email_id).attempts) == ("sent", 2)


def test_permanent_refusal_fails_without_retry(db, smtp_server):
    server = NoSuchUser()
    settings = smtp_server(server)
    email_id = queue("Nobody home")
    t0 = utcnow()

    assert deliver_due(settings, now=t0) == DeliveryReport(failed=1)
    assert deliver_due(settings, now=t0 + timedelta(days=1)) == DeliveryReport()
    row = stored(email_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error and "ann@example.com" in row.last_error
    assert server.received == []


def test_header_injection_fails_and_sends_nothing(db, smtp_server):
    server = Recorder()
    settings = smtp_server(server)
    email_id = queue("Hello\r\nBcc: evil@example.com")

    assert deliver_due(settings) == DeliveryReport(failed=1)
    row = stored(email_id)
    assert row.status == "failed"
    assert row.last_error == "refused: the Subject header contains a line break (header injection)"
    assert server.received == []


def test_too_many_temporary_failures_fail_the_email(db):
    email_id = queue("Last try", attempts=MAX_ATTEMPTS - 1)
    assert deliver_due(settings_for(free_port())) == DeliveryReport(failed=1)
    row = stored(email_id)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts: connecting")


def test_two_concurrent_workers_send_each_email_once(db, smtp_server):
    server = Recorder()
    settings = smtp_server(server)
    subjects = [f"Email {i}" for i in range(20)]
    for subject in subjects:
        queue(subject)
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def worker() -> None:
        start.wait()
        reports.append(deliver_due(settings))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.sent for r in reports) == 20
    assert sorted(r.message["Subject"] for r in server.received) == sorted(subjects)
    assert {v.status for v in outbox_page(READER).emails} == {"sent"}


def test_without_smtp_emails_are_kept_and_readable(world, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    assert smtp_settings() is None
    email_id = reject(world)
    asyncio.run(asyncio.wait_for(delivery_loop(), timeout=1))  # returns at once

    [view] = outbox_page(world.viewer).emails
    assert view.status == "kept" and view.attempts == 0
    assert view.delivery == "not sent (no mail server configured)" and view.tries == "—"
    assert view.recipients == ("ann@example.com", "bob@example.com", "pam@example.com")
    assert view.subject == "ERP Project Rejection Notification: Project 1"
    assert "Wrong number" in view.body
    assert stored(email_id).status == "queued"  # sent once SMTP is configured


def test_email_left_sending_by_a_crashed_worker_is_due_again_after_the_lease(db, smtp_server):
    server = Recorder()
    settings = smtp_server(server)
    t0 = utcnow()  # a worker claimed the email then, and stopped
    email_id = queue("Orphan", status="sending", attempts=1, next_attempt_at=t0 + LEASE)

    assert deliver_due(settings, now=t0 + timedelta(minutes=1)) == DeliveryReport()
    assert deliver_due(settings, now=t0 + LEASE) == DeliveryReport(sent=1)
    assert deliver_due(settings, now=t0 + 2 * LEASE) == DeliveryReport()
    assert len(server.received) == 1
    assert (stored(email_id).status, stored(email_id).attempts) == ("sent", 2)


def test_smtp_settings_from_the_environment(monkeypatch):
    for name in ("SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS", "SMTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    monkeypatch.delenv("SMTP_FROM", raising=False)
    with pytest.raises(config.ConfigError, match="SMTP_FROM"):
        smtp_settings()

    monkeypatch.setenv("SMTP_FROM", SENDER)
    assert smtp_settings() == SmtpSettings("mail.example.com", 25, SENDER, timeout=10)
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("SMTP_TIMEOUT", "2.5")
    assert smtp_settings() == SmtpSettings(
        "mail.example.com", 587, SENDER, starttls=True, timeout=2.5
    )
    monkeypatch.setenv("SMTP_PORT", "2525")
    assert smtp_settings().port == 2525


def test_backoff_doubles_from_30_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_outbox_is_paged_in_sql_newest_first(world):
    with unit_of_work() as s:
        s.exec(delete(Email))
    ids = [queue(f"Email {n}") for n in range(PAGE_SIZE + 3)]

    first = outbox_page(READER)
    assert (first.page, first.pages, first.total) == (1, 2, PAGE_SIZE + 3)
    assert [v.id for v in first.emails] == ids[::-1][:PAGE_SIZE]
    second = outbox_page(READER, 2)
    assert [v.id for v in second.emails] == ids[2::-1]
    assert {v.id for v in first.emails}.isdisjoint(v.id for v in second.emails)


@pytest.mark.parametrize("asked", [0, -5, 99, "2", None, True, 1.5])
def test_outbox_page_numbers_from_the_browser_stay_within_the_outbox(world, asked):
    with unit_of_work() as s:
        s.exec(delete(Email))
    for n in range(PAGE_SIZE + 1):
        queue(f"Email {n}")
    shown = outbox_page(READER, asked)
    assert shown.page == (2 if asked == 99 else 1) and shown.pages == 2
    assert len(shown.emails) == (1 if asked == 99 else PAGE_SIZE)


def test_an_empty_outbox_has_one_empty_page(world):
    with unit_of_work() as s:
        s.exec(delete(Email))
    shown = outbox_page(READER, 3)
    assert (shown.emails, shown.page, shown.pages, shown.total) == ([], 1, 1, 0)


@pytest.mark.parametrize(
    ("status", "attempts", "delivery", "tries"),
    [
        ("kept", 0, "not sent (no mail server configured)", "—"),
        ("queued", 1, "waiting to be sent", "1 try"),
        ("sent", 1, "sent", "1 try"),
        ("failed", 3, "failed", "3 tries"),
    ],
)
def test_delivery_and_attempts_in_words(status, attempts, delivery, tries):
    view = EmailView(1, utcnow(), status, ("a@example.com",), "S", "B", attempts, "", None, None)
    assert (view.delivery, view.tries) == (delivery, tries)


class RefusesBob(Recorder):
    """Refuses one recipient with 550, accepts the others."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("bob@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_date_and_message_id_are_set_and_stay_the_same_on_a_second_copy(db, smtp_server):
    server = Recorder()
    settings = smtp_server(server)
    email_id = queue("Twice")
    assert deliver_due(settings) == DeliveryReport(sent=1)
    with unit_of_work() as s:  # as if the worker stopped before recording the acceptance
        row = s.get(Email, email_id)
        row.status, row.next_attempt_at = "queued", None
    assert deliver_due(settings) == DeliveryReport(sent=1)
    first, second = (r.message for r in server.received)
    row = stored(email_id)
    assert (
        first["Message-ID"]
        == second["Message-ID"]
        == (f"<erp-email-{email_id}.{int(row.created_at.timestamp())}@example.com>")
    )
    assert first["Date"].datetime == row.created_at.replace(microsecond=0)


def test_one_bad_recipient_does_not_fail_the_email_for_the_others(db, smtp_server):
    server = RefusesBob()
    settings = smtp_server(server)
    email_id = queue("Team news", to="ann@example.com, bob@example.com, pam@example.com")
    assert deliver_due(settings) == DeliveryReport(sent=1)
    [got] = server.received
    assert got.rcpt_tos == ["ann@example.com", "pam@example.com"]
    row = stored(email_id)
    assert row.status == "sent"
    assert row.last_error.startswith("not delivered to bob@example.com (550")


def test_a_company_admin_sends_a_failed_email_again(world, smtp_server):
    settings = smtp_server(NoSuchUser())
    email_id = queue("Nobody home")
    deliver_due(settings)
    assert stored(email_id).status == "failed"

    with pytest.raises(PermissionDenied, match="Only a company admin"):
        outbox.requeue(world.approver, email_id)
    assert stored(email_id).status == "failed"

    assert outbox.requeue(world.admin, email_id) == "“Nobody home” will be sent again."
    row = stored(email_id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, None)
    assert row.last_error.startswith("sent again by Pam Admin after: ") and "550" in row.last_error

    with pytest.raises(InvalidTransition, match="only a failed email can be sent again"):
        outbox.requeue(world.admin, email_id)
    with pytest.raises(NotFound):
        outbox.requeue(world.admin, 999_999)

    server = Recorder()
    assert deliver_due(smtp_server(server)) == DeliveryReport(sent=1)
    assert stored(email_id).status == "sent" and len(server.received) == 1
