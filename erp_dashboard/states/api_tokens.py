"""API tokens on the People page: a company admin creates (sees it once) and revokes."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx

from erp_dashboard.services import api_tokens
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied, ServiceError
from erp_dashboard.services.permissions import Actor
from erp_dashboard.states.arguments import Form, Whole, event
from erp_dashboard.states.page import PageState, as_user


@dataclasses.dataclass
class TokenRow:
    """A token as listed (never its secret)."""

    id: int
    name: str
    hint: str
    created: str
    last_used: str
    revoked: str  # "" while it works


def _when(at: datetime | None, never: str = "") -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else never


def _call_and_list(actor: Actor, call, args: tuple):
    """A token service's result (none without a call), then every token."""
    return (call(actor, *args) if call else None), api_tokens.tokens(actor)


def _row(info: api_tokens.TokenInfo) -> TokenRow:
    return TokenRow(
        info.id,
        info.name,
        info.hint + "…",
        f"{_when(info.created_at)} by {info.created_by}",
        _when(info.last_used_at, "never"),
        _when(info.revoked_at),
    )


class ApiTokensState(PageState, rx.State):
    """The tokens (a handful) and, right after creating one, its secret."""

    tokens: list[TokenRow] = []
    allowed: bool = False  # a company admin
    new_token: str = ""  # the secret just made: shown until "Done" or the next visit
    new_token_name: str = ""

    async def _call(self, call, *args):
        """Call a token service as the signed-in user (raises ServiceError), then re-read
        the list; returns the call's result."""
        result, tokens = await as_user(self, _call_and_list, call, args)
        self.tokens, self.allowed = [_row(t) for t in tokens], True
        return result

    def _refused(self, err: ServiceError):
        """Say why (or hide the section from a non-admin, or go to sign in)."""
        if isinstance(err, NotSignedIn):
            return self._to_sign_in(err)
        if isinstance(err, PermissionDenied):
            self.tokens, self.allowed, self.new_token = [], False, ""
        else:
            self._say(str(err), ok=False)
        return None

    @event
    async def load(self):
        """When the section appears: the list, for company admins (no secret kept)."""
        self.new_token = self.new_token_name = self.notice = ""
        try:
            await self._call(None)
        except ServiceError as err:
            return self._refused(err)

    @event
    async def create(self, form: Form):
        """Make a token named in the form; its secret is shown this once."""
        self.new_token = self.notice = ""
        try:
            made = await self._call(api_tokens.create, form.get("token_name", ""))
        except ServiceError as err:
            return self._refused(err)
        self.new_token, self.new_token_name = made.secret, made.info.name

    @event
    def forget_new_token(self):
        """The admin has copied the secret: it leaves the page."""
        self.new_token = self.new_token_name = ""

    @event
    async def revoke(self, token_id: Whole):
        """Revoke a token; the API refuses it from then on."""
        self.new_token = ""
        try:
            self._say(await self._call(api_tokens.revoke, token_id), ok=True)
        except ServiceError as err:
            return self._refused(err)
