"""The Outbox page's read model: the emails, newest first and paged in SQL (`PAGE_SIZE` a
page), each with its delivery in words; and sending a failed one again.

An email's stored status is `mail_delivery`'s; the page shows one more, ``kept``, for a
queued email while no SMTP server is configured (SMTP_HOST unset, the embedded default):
the email is kept in the outbox and read in the app, and sent if SMTP is configured later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select

from erp_dashboard import config
from erp_dashboard.db import read_only, rows_changed, unit_of_work
from erp_dashboard.models import Email, row_id
from erp_dashboard.services.errors import InvalidTransition, NotFound
from erp_dashboard.services.mail_delivery import FAILED, QUEUED, SENDING, SENT, recipients
from erp_dashboard.services.permissions import Actor, require_company_admin

KEPT = "kept"
PAGE_SIZE = 25
DELIVERY_WORDS = {
    QUEUED: "waiting to be sent",
    SENDING: "sending",
    SENT: "sent",
    FAILED: "failed",
    KEPT: "not sent (no mail server configured)",
}


@dataclass(frozen=True)
class EmailView:
    """One outbox email as the Outbox page shows it."""

    id: int
    created_at: datetime
    status: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @property
    def delivery(self) -> str:
        """The status in words."""
        return DELIVERY_WORDS.get(self.status, self.status)

    @property
    def tries(self) -> str:
        """The attempts in words: "—" before the first, then "1 try", "3 tries"."""
        if self.attempts <= 0:
            return "—"
        return "1 try" if self.attempts == 1 else f"{self.attempts} tries"


@dataclass(frozen=True)
class OutboxPage:
    """One page of the outbox, newest first."""

    emails: list[EmailView]
    page: int  # 1-based, within 1..pages
    pages: int  # at least 1, even when the outbox is empty
    total: int


def outbox_page(actor: Actor, page: object = 1, page_size: int = PAGE_SIZE) -> OutboxPage:
    """Page `page` of the emails, newest first, with their delivery status (see the module
    docstrings). A page number that is not a whole number counts as 1; one past the end
    shows the last page. Every signed-in user may read them (Viewers read everything)."""
    configured = bool(config.load().smtp_host)
    with read_only() as session:
        total = session.exec(select(func.count()).select_from(Email)).one()
        pages = max(1, -(-total // page_size))
        number = min(max(page if type(page) is int else 1, 1), pages)
        rows = session.exec(
            select(Email)
            .order_by(col(Email.created_at).desc(), col(Email.id).desc())
            .offset((number - 1) * page_size)
            .limit(page_size)
        ).all()
    views = [
        EmailView(
            id=row_id(e),
            created_at=e.created_at,
            status=KEPT if e.status == QUEUED and not configured else e.status,
            recipients=tuple(recipients(e.to_addrs)),
            subject=e.subject,
            body=e.body,
            attempts=e.attempts,
            last_error=e.last_error,
            next_attempt_at=e.next_attempt_at,
            sent_at=e.sent_at,
        )
        for e in rows
    ]
    return OutboxPage(emails=views, page=number, pages=pages, total=total)


def requeue(actor: Actor, email_id: int) -> str:
    """Send a failed email again (a company admin, e.g. after fixing an address or the
    mail server): queued at once, its attempts counted afresh, its last error kept."""
    require_company_admin(actor, "send a failed email again")
    with unit_of_work() as session:
        email = session.get(Email, email_id)
        if email is None:
            raise NotFound("That email is no longer in the outbox.")
        won = rows_changed(
            session,
            update(Email)
            .where(col(Email.id) == email_id, col(Email.status) == FAILED)
            .values(
                status=QUEUED,
                attempts=0,
                next_attempt_at=None,
                last_error=f"sent again by {actor.name} after: {email.last_error}",
            )
            .execution_options(synchronize_session=False),
        )
        if not won:
            raise InvalidTransition(
                f"“{email.subject}” is {DELIVERY_WORDS.get(email.status, email.status)}; "
                "only a failed email can be sent again."
            )
        return f"“{email.subject}” will be sent again."
