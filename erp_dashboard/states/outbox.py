"""The Outbox page: the newest emails and how their delivery went."""

from __future__ import annotations

import asyncio

import reflex as rx

from erp_dashboard import routes
from erp_dashboard.services import mail_delivery
from erp_dashboard.services.errors import NotSignedIn
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

    @rx.event
    async def open_page(self):
        """on_load: read the newest emails (signed-in users only)."""
        try:
            await current_actor(self)
        except NotSignedIn:
            return rx.redirect(routes.LOGIN)
        views = await asyncio.to_thread(mail_delivery.outbox_page)
        self.emails = [{k: _text(v) for k, v in view.__dict__.items()} for view in views]
