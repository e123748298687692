"""Users, password sign-in with throttling, and server-side sessions.

A sign-in reads (the throttle, the user) in a read-only snapshot, checks the argon2 hash
outside any transaction, then writes one short transaction: the failure, or the session.
A session ends at its absolute expiry (ERP_SESSION_HOURS) or after ERP_SESSION_IDLE_MINUTES
without the user's own action (`actor_for`); the live watch's checks (`actors_for`, or
`actor_for` inside `watching()`) are not activity.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, delete, select, update

from erp_dashboard import config, routes
from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import PeopleEvent, User, UserSession, row_id, utcnow
from erp_dashboard.names import JobList
from erp_dashboard.services import throttle
from erp_dashboard.services.errors import InvalidInput, NotSignedIn
from erp_dashboard.services.permissions import Actor, Role

_hasher = PasswordHasher()
# A real hash to verify against when the email is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-password")
BAD_CREDENTIALS = "Email or password is incorrect."
MAX_EMAIL, MAX_PASSWORD = 254, 1024
# argon2 is CPU- and memory-hard on purpose: at most one check per two cores at a time, so
# a burst of sign-ins queues here instead of starving every other request of CPU.
_VERIFYING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per session
_WATCHING: ContextVar[bool] = ContextVar("watching", default=False)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _normal_email(email: str) -> str:
    return email.strip().lower()


def _check_lengths(email: str, password: str) -> None:
    """Refuse oversized input before it reaches the database or argon2."""
    if len(email) > MAX_EMAIL:
        raise InvalidInput(f"An email address has at most {MAX_EMAIL} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"A password has at most {MAX_PASSWORD:,} characters.")


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    role: Role,
    *,
    company_admin: bool = False,
    by: Actor | None = None,
) -> User:
    """Add a user with an argon2-hashed password, recorded as added `by` (None: the command
    line or the demo data)."""
    email = _normal_email(email)
    _check_lengths(email, password)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as err:
        raise InvalidInput(f"{email!r} is not an email address: {err}") from None
    if len(password) < 12:
        raise InvalidInput("Passwords need at least 12 characters.")
    if session.exec(select(User).where(User.email == email)).first():
        raise InvalidInput(f"A user with email {email} already exists.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=_hasher.hash(password),
        role=role,
        is_company_admin=company_admin,
    )
    session.add(user)
    session.flush()
    detail = f"Added as {role.label}" + (", company admin" if company_admin else "")
    session.add(
        PeopleEvent(actor_id=by.id if by else None, user_id=user.id, action="add", detail=detail)
    )
    return user


def sign_in(email: str, password: str, address: str = "") -> str:
    """Check the credentials and open a session; returns its secret token.

    `address` is the client's IP address: failures slow that address down for that
    email (services.throttle), never the owner signing in from elsewhere.
    """
    email = _normal_email(email)
    _check_lengths(email, password)
    with read_only() as session:
        wait = throttle.wait_seconds(session, throttle.USER, email, address)
        user = None if wait else session.exec(select(User).where(User.email == email)).first()
    if wait:
        raise InvalidInput(f"Too many failed sign-ins. Try again in {wait} seconds.")
    try:
        with _VERIFYING:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:  # (ok implies a user; this tells the type checker)
        with unit_of_work() as session:
            throttle.record_failure(session, throttle.USER, email, address)
        raise InvalidInput(BAD_CREDENTIALS)
    token, now = secrets.token_urlsafe(32), utcnow()
    with unit_of_work() as session:
        throttle.forget(session, throttle.USER, email, address)
        session.add(
            UserSession(
                token_hash=_token_hash(token),
                user_id=row_id(user),
                expires_at=now + timedelta(hours=config.load().session_hours),
                last_seen_at=now,
            )
        )
    return token


def cookie_options(settings: config.Settings) -> dict[str, object]:
    """The session cookie's options: SameSite=Strict, and Secure when the public address
    is https. Not HttpOnly: the page's JavaScript sets it."""
    secure = settings.public_url.lower().startswith("https://")
    return {"name": "erp_session", "same_site": "strict", "secure": secure}


HOME = routes.jobs_list(JobList.READY_TO_EXPORT)


def home_for(actor: Actor) -> str:
    """A user's start page: the overview for a Viewer (a manager), else Ready To Export."""
    return routes.OVERVIEW if actor.role is Role.VIEWER else HOME


MAX_RETURN_PATH = 2000


def return_path(wanted: object, home: str = HOME) -> str:
    """Where sign-in leads: `wanted` when it is a path on this site (with its query),
    else `home`. Anything that could leave the site (`//host`, `/\\host`, a scheme,
    control characters) or lead back to sign-in falls back to `home`."""
    if not isinstance(wanted, str) or not wanted or len(wanted) > MAX_RETURN_PATH:
        return home
    if "\\" in wanted or any(ch < " " or ch == "\x7f" for ch in wanted):
        return home
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return home
    # "///host" parses as a path, but a browser reads any run of slashes as "//host".
    if wanted.startswith("//") or parts.path.rstrip("/") in ("", routes.LOGIN):
        return home
    return wanted


def sign_in_path(wanted: str, reason: str = "") -> str:
    """/login, remembering the page that was asked for when it is worth returning to, and
    why the session ended (`NotSignedIn.reason`) for the page to say."""
    back = return_path(wanted)
    return routes.login(back if back != HOME else "", reason if reason in ("idle", "ended") else "")


def ended_message(reason: object) -> str:
    """What the sign-in page says about a session that ended (`reason` from its address;
    anything else says nothing)."""
    if reason == "idle":
        minutes = config.load().session_idle_minutes
        return (
            f"You were signed out after {minutes} minutes without activity. Please sign in again."
        )
    if reason == "ended":
        return "Your session has ended. Please sign in again."
    return ""


def actor_for(token: str) -> Actor:
    """The active user behind a session token, or NotSignedIn. This is the user's own
    action (outside `watching()`): it moves the session's last_seen_at, at most once a
    minute."""
    found, due = _check([token])
    actor = found[token]
    if isinstance(actor, NotSignedIn):
        raise actor
    if due and not _WATCHING.get():
        _seen(token)
    return actor


def actors_for(tokens: list[str]) -> dict[str, Actor | NotSignedIn]:
    """For each session token, its active user or why it is not signed in: one query for
    all of them (every open tab re-checks its session on each live update). Not activity:
    last_seen_at stays, and a session idle past the limit ends here."""
    return _check(tokens)[0]


@contextmanager
def watching() -> Iterator[None]:
    """Inside (and in threads started from it), `actor_for` is not activity either: the
    live watch's reloads of an open tab keep no one signed in."""
    reset = _WATCHING.set(True)
    try:
        yield
    finally:
        _WATCHING.reset(reset)


def _check(tokens: list[str]) -> tuple[dict[str, Actor | NotSignedIn], set[str]]:
    """`actors_for`, and the tokens of live sessions last seen over a minute ago. Ended
    sessions (expired, idle, or their user deactivated) are deleted."""
    hashes = {_token_hash(token): token for token in tokens if token}
    with read_only() as session:
        rows = session.exec(
            select(UserSession, User)
            .join(User, col(User.id) == UserSession.user_id)
            .where(col(UserSession.token_hash).in_(list(hashes)))
        ).all()
    found: dict[str, Actor | NotSignedIn] = {
        token: NotSignedIn("Please sign in.") for token in tokens
    }
    due: set[str] = set()
    now, idle_minutes = utcnow(), config.load().session_idle_minutes
    for user_session, user in rows:
        token = hashes[user_session.token_hash]
        if reason := _why_ended(user_session, user, now, idle_minutes):
            sign_out(token)
            found[token] = NotSignedIn(ended_message(reason), reason)
        else:
            found[token] = actor_of(user)
            if user_session.last_seen_at < now - SEEN_EVERY:
                due.add(token)
    return found, due


def idle_since(now: datetime, idle_minutes: int) -> datetime:
    """A session last seen at or before this has been idle too long."""
    return now - timedelta(minutes=idle_minutes)


def _why_ended(user_session: UserSession, user: User, now: datetime, idle_minutes: int) -> str:
    """Why a session no longer signs its user in: "ended", "idle" ("" while it does)."""
    if user_session.expires_at <= now or not user.is_active:
        return "ended"
    if user_session.last_seen_at <= idle_since(now, idle_minutes):
        return "idle"
    return ""


def _seen(token: str) -> None:
    """Record the user's activity: a conditional write, so parallel events of one session
    (on any worker) write once a minute at most."""
    now = utcnow()
    with unit_of_work() as session:
        session.execute(
            update(UserSession)
            .where(
                col(UserSession.token_hash) == _token_hash(token),
                col(UserSession.last_seen_at) < now - SEEN_EVERY,
            )
            .values(last_seen_at=now)
        )


def actor_of(user: User) -> Actor:
    """The actor a user acts as."""
    return Actor(row_id(user), user.email, user.name, Role(user.role), user.is_company_admin)


def sign_out(token: str) -> None:
    """End the session behind `token` (no error if it is already gone)."""
    with unit_of_work() as session:
        session.exec(delete(UserSession).where(col(UserSession.token_hash) == _token_hash(token)))
