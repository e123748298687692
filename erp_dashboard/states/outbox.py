"""The Outbox page: the newest emails and how their delivery went."""

from __future__ import annotations

import asyncio

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.services import daily_summary, mail_delivery
from erp_dashboard.services.errors import NotSignedIn
from erp_dashboard.services.permissions import Role
from erp_dashboard.states.session import current_actor


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return ", ".join(value) if isinstance(value, tuple) else str(value)


class OutboxState(rx.State):
    """The visible emails, every value as text."""

    emails: list[dict[str, str]] = []
    is_approver: bool = False
    wants_summary: bool = False

    @rx.event
    async def open_page(self):
        """on_load: read the newest emails (signed-in users only)."""
        try:
            actor = await current_actor(self)
        except NotSignedIn:
            return rx.redirect(routes.LOGIN)
        views = await asyncio.to_thread(mail_delivery.outbox_page, actor)
        self.emails = [{k: _text(v) for k, v in view.__dict__.items()} for view in views]
        self.is_approver = actor.role is Role.APPROVER
        self.wants_summary = await asyncio.to_thread(daily_summary.wants_daily_summary, actor)

    @rx.event
    async def set_summary(self, wanted: bool):
        """Opt in or out of the daily summary (for oneself only)."""
        actor = await current_actor(self)
        await asyncio.to_thread(daily_summary.set_daily_summary, actor, bool(wanted))
        self.wants_summary = await asyncio.to_thread(daily_summary.wants_daily_summary, actor)
