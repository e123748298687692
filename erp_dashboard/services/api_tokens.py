"""Read-only API tokens: company admins create and revoke them; the API reads as them.

A token is `erp_api_` + `secrets.token_urlsafe(32)`, shown once when it is made; only its
SHA-256 is stored. It reads as a Viewer (reads everything, acts on nothing) for as long as
its maker stays an active company admin.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from erp_dashboard.db import is_row_id, must_get, read_only, unit_of_work
from erp_dashboard.models import ApiToken, User, row_id, utcnow
from erp_dashboard.services.errors import InvalidInput, NotFound, NotSignedIn, PermissionDenied
from erp_dashboard.services.permissions import Actor, Role, require_company_admin

PREFIX = "erp_api_"
NAME_LIMIT = 60
HINT_LENGTH = len(PREFIX) + 4
SECRET_LIMIT = 200  # anything longer is not one of ours (and is not hashed)
LAST_USED_EVERY = timedelta(minutes=1)  # `last_used_at` is written at most this often


@dataclass(frozen=True)
class TokenInfo:
    """A token as the People page lists it (never its secret)."""

    id: int
    name: str
    hint: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    """A token just made: its secret is here and nowhere else, this once."""

    info: TokenInfo
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(token: ApiToken, maker: str) -> TokenInfo:
    return TokenInfo(
        row_id(token),
        token.name,
        token.hint,
        maker,
        token.created_at,
        token.last_used_at,
        token.revoked_at,
    )


def create(actor: Actor, name: str) -> NewToken:
    """A new token named `name` (one line, unique among tokens not revoked)."""
    require_company_admin(actor, "create API tokens")
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > NAME_LIMIT or any(ch < " " or ch == "\x7f" for ch in name):
        raise InvalidInput(f"Name the token in 1 to {NAME_LIMIT} characters, on one line.")
    secret = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work() as session:
        taken = session.exec(
            select(ApiToken.id).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
        ).first()
        if taken is not None:
            raise InvalidInput(f"A token named {name!r} already exists; revoke it or pick another.")
        token = ApiToken(
            name=name,
            token_hash=_hash(secret),
            hint=secret[:HINT_LENGTH],
            created_by_id=actor.id,
        )
        session.add(token)
        session.flush()
        return NewToken(_info(token, actor.name), secret)


def tokens(actor: Actor) -> list[TokenInfo]:
    """Every token, newest first (revoked ones too, marked so)."""
    require_company_admin(actor, "see API tokens")
    with read_only() as session:
        rows = session.exec(
            select(ApiToken, User.name)
            .join(User, col(User.id) == ApiToken.created_by_id)
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        ).all()
        return [_info(token, maker) for token, maker in rows]


def revoke(actor: Actor, token_id: int) -> str:
    """Revoke a token: from now on the API refuses it."""
    require_company_admin(actor, "revoke API tokens")
    with unit_of_work() as session:
        token = None
        if is_row_id(token_id):
            token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("That API token does not exist.")
        if token.revoked_at is not None:
            return f"The token “{token.name}” was already revoked."
        token.revoked_at, token.revoked_by_id = utcnow(), actor.id
        session.add(token)
        return f"The token “{token.name}” is revoked; the API refuses it from now on."


def actor_for_token(secret: str) -> Actor:
    """The read-only actor a bearer token reads as.

    NotSignedIn: no such token, or it was revoked. PermissionDenied: its maker is no
    longer an active company admin. Records when it was last used (to the minute).
    """
    if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > SECRET_LIMIT:
        raise NotSignedIn(f"Send an API token (it starts with {PREFIX}) as a Bearer token.")
    with read_only() as session:
        found = session.exec(
            select(ApiToken, User)
            .join(User, col(User.id) == ApiToken.created_by_id)
            .where(ApiToken.token_hash == _hash(secret))
        ).first()
    if found is None:
        raise NotSignedIn("This API token is not known.")
    token, maker = found
    if token.revoked_at is not None:
        raise NotSignedIn("This API token was revoked.")
    if not (maker.is_active and maker.is_company_admin):
        raise PermissionDenied(
            f"This API token's maker, {maker.name}, is no longer an active company admin; "
            "ask a company admin for a new token."
        )
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        with unit_of_work() as session:
            must_get(session, ApiToken, token.id).last_used_at = now
    return Actor(row_id(maker), maker.email, f"API token “{token.name}”", Role.VIEWER)
