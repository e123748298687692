"""What every signed-in page's state shares: a notice line, and acting as the signed-in
user in a worker thread, with the way back to sign-in when the session is gone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from erp_dashboard.services import auth
from erp_dashboard.services.errors import NotSignedIn
from erp_dashboard.states.session import asked_for, session_token


def _call_as(token: str, call: Callable[..., Any], args: tuple) -> Any:
    return call(auth.actor_for(token), *args)


async def as_user(state: rx.State, call: Callable[..., Any], *args: Any) -> Any:
    """`call(actor, *args)` (a service) as the user signed in to `state`'s tab, looked up in
    the same worker thread (raises NotSignedIn, and whatever ServiceError the service
    raises)."""
    return await asyncio.to_thread(_call_as, await session_token(state), call, args)


class PageState(rx.State, mixin=True):
    """Mixed into each page's state (`class JobsState(PageState, rx.State)`): each page
    keeps its own notice, and a refused event argument lands in it (states/arguments.py)."""

    notice: str = ""
    notice_ok: bool = True

    def _say(self, text: str, *, ok: bool) -> None:
        """Show `text` in the page's notice, as a success or a problem."""
        self.notice, self.notice_ok = text, ok

    def _to_sign_in(self, err: NotSignedIn):
        """To sign-in, saying why the session ended, and back to this page after."""
        return rx.redirect(auth.sign_in_path(asked_for(self), err.reason))
