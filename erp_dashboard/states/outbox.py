"""The Outbox page: one page of emails and how their delivery went."""

from __future__ import annotations

import reflex as rx

from erp_dashboard.services import daily_summary, outbox
from erp_dashboard.services.errors import NotSignedIn, ServiceError
from erp_dashboard.services.outbox import EmailView
from erp_dashboard.services.permissions import Actor, Role
from erp_dashboard.states.arguments import Digits, Flag, event
from erp_dashboard.states.page import PageState, as_user


def _read(actor: Actor, page: int, with_summary: bool):
    """The actor, the outbox's page `page` and (when asked) their daily-summary choice."""
    wants = daily_summary.wants_daily_summary(actor) if with_summary else False
    return actor, outbox.outbox_page(actor, page), wants


def _set_summary(actor: Actor, wanted: bool) -> bool:
    """Opt in or out of the daily summary; the choice as stored."""
    daily_summary.set_daily_summary(actor, wanted)
    return daily_summary.wants_daily_summary(actor)


def _row(email: EmailView) -> dict[str, str]:
    """An email as the page shows it, every value as text."""
    return {
        "id": str(email.id),
        "written": email.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "to": ", ".join(email.recipients),
        "subject": email.subject,
        "body": email.body,
        "status": email.status,
        "delivery": email.delivery,
        "tries": email.tries,
        "last_error": email.last_error,
    }


class OutboxState(PageState, rx.State):
    """The visible page of emails and where it is in the outbox."""

    emails: list[dict[str, str]] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    is_approver: bool = False
    can_requeue: bool = False  # a company admin may send a failed email again
    wants_summary: bool = False

    async def _show(self, page: int, *, with_summary: bool = False):
        """Read page `page` (the service keeps it within the outbox), as the signed-in user."""
        try:
            actor, found, wants = await as_user(self, _read, page, with_summary)
        except NotSignedIn as err:
            return self._to_sign_in(err)
        self.emails = [_row(email) for email in found.emails]
        self.page, self.pages, self.total = found.page, found.pages, found.total
        self.is_approver = actor.role is Role.APPROVER
        self.can_requeue = actor.is_company_admin
        if with_summary:
            self.wants_summary = wants
        return None

    @event
    async def open_page(self):
        """on_load: the newest emails and the daily-summary choice (signed-in users only)."""
        return await self._show(1, with_summary=True)

    @event
    async def previous_page(self):
        """Newer emails."""
        return await self._show(self.page - 1)

    @event
    async def next_page(self):
        """Older emails."""
        return await self._show(self.page + 1)

    @event
    async def set_summary(self, wanted: Flag):
        """Opt in or out of the daily summary (for oneself only)."""
        try:
            self.wants_summary = await as_user(self, _set_summary, wanted)
        except NotSignedIn as err:
            return self._to_sign_in(err)

    @event
    async def requeue(self, email_id: Digits):
        """Send a failed email again (company admins; checked in the service)."""
        try:
            self._say(await as_user(self, outbox.requeue, int(email_id)), ok=True)
        except NotSignedIn as err:
            return self._to_sign_in(err)
        except ServiceError as err:
            self._say(str(err), ok=False)
        return await self._show(self.page)
