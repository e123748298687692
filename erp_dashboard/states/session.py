"""Sign-in state: the session cookie and who is signed in."""

from __future__ import annotations

import asyncio

import reflex as rx

from erp_dashboard import config, routes
from erp_dashboard.services import auth
from erp_dashboard.services.errors import NotSignedIn, ServiceError
from erp_dashboard.services.permissions import Actor, Role
from erp_dashboard.states.arguments import Form, event


class SessionState(rx.State):
    """The browser's session token and the signed-in user's display data."""

    token: str = rx.Cookie("", **auth.cookie_options(config.load()))
    signed_in: bool = False  # False until the server has checked the cookie
    user_name: str = ""
    role_label: str = ""
    can_approve: bool = False
    can_admin: bool = False
    is_company_admin: bool = False
    login_error: str = ""
    ended_note: str = ""  # on /login: why the last session ended (idle, expired)
    signing_in: bool = False
    _return_to: str = ""  # the page asked for before sign-in (path and query)
    _home: str = auth.HOME  # the signed-in user's start page

    async def _actor(self) -> Actor:
        """The user behind the cookie, resolved on the server (raises NotSignedIn)."""
        return await asyncio.to_thread(auth.actor_for, self.token)

    def _show(self, actor: Actor) -> None:
        self.signed_in = True
        self.user_name = actor.name
        self.role_label = actor.role.label
        self.can_approve = actor.role is Role.APPROVER
        self.can_admin = actor.role is Role.PROJECT_ADMIN
        self.is_company_admin = actor.is_company_admin
        self._home = auth.home_for(actor)

    def _forget(self) -> None:
        self.signed_in = False
        self.user_name = ""
        self.can_approve = self.can_admin = self.is_company_admin = False

    @event
    async def require_session(self):
        """On every page but /login: to /login unless signed in, remembering the page
        (in the address and here) and why the session ended."""
        try:
            self._show(await self._actor())
        except NotSignedIn as err:
            self._forget()
            self._return_to = asked_for(self)
            return rx.redirect(auth.sign_in_path(self._return_to, err.reason))

    @event
    async def go_home(self):
        """To the user's start page (the overview for a Viewer, else Ready To Export);
        signed out, the Jobs tab's own check leads to sign-in."""
        try:
            return rx.redirect(auth.home_for(await self._actor()))
        except NotSignedIn:
            return rx.redirect(auth.HOME)

    def _onward(self):
        """To ?next= of /login, else the page remembered, else the user's start page
        (same-site only)."""
        wanted = self.router.url.query_parameters.get("next") or self._return_to
        self._return_to = ""
        return rx.redirect(auth.return_path(wanted, self._home))

    @event
    async def redirect_if_signed_in(self):
        """On /login: straight on when the session is still good, else say why the last
        one ended (when the address says so)."""
        self.login_error = ""
        self.ended_note = auth.ended_message(self.router.url.query_parameters.get("ended"))
        try:
            self._show(await self._actor())
        except NotSignedIn:
            self._forget()
            return
        return self._onward()

    @event
    async def sign_in(self, form: Form):
        """Check the credentials on the server and keep the session token (failures slow
        down this client's address: Reflex takes it from the connection, or from
        X-Forwarded-For behind `trusted_proxy_hops` proxies)."""
        self.signing_in = True
        self.login_error = ""
        yield
        try:
            self.token = await asyncio.to_thread(
                auth.sign_in,
                form.get("email", ""),
                form.get("password", ""),
                self.router.session.client_ip,
            )
            self._show(await self._actor())
        except ServiceError as err:
            self.login_error, self.ended_note = str(err), ""
            return
        finally:
            self.signing_in = False
        yield self._onward()

    @event
    async def sign_out(self):
        """End the session on the server and forget the cookie."""
        await asyncio.to_thread(auth.sign_out, self.token)
        self.token, self._return_to = "", ""
        self._forget()
        return rx.redirect(routes.LOGIN)


def asked_for(state: rx.State) -> str:
    """The page `state` shows: path (without the static server's trailing slash) and query."""
    url = state.router.url
    path = url.path.rstrip("/") or "/"
    return f"{path}?{url.query}" if url.query else path


async def session_token(state: rx.State) -> str:
    """The session cookie, read from any state (inside `async with self` in background)."""
    return (await state.get_state(SessionState)).token
