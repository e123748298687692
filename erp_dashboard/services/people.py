"""People: company admins add and deactivate users, grant or revoke roles and company-admin
rights, and choose whether duties are separated; each change is recorded (people_event)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, delete, select

from erp_dashboard.db import is_row_id, read_only, unit_of_work
from erp_dashboard.models import AppSetting, PeopleEvent, User, UserSession, row_id, utcnow
from erp_dashboard.services import auth
from erp_dashboard.services.errors import InvalidInput, NotFound
from erp_dashboard.services.permissions import Actor, Role, require_company_admin
from erp_dashboard.services.state_machine import SEPARATE_DUTIES, duties_separated

CHANGES_SHOWN = 50


@dataclass(frozen=True)
class Person:
    """A user as the People page shows them."""

    id: int
    name: str
    email: str
    role: str
    role_label: str
    is_active: bool
    is_company_admin: bool


def people(actor: Actor) -> list[Person]:
    """Everyone, by name."""
    require_company_admin(actor, "see the people list")
    with read_only() as session:
        users = session.exec(select(User).order_by(col(User.name), col(User.id))).all()
        return [
            Person(
                row_id(u),
                u.name,
                u.email,
                u.role,
                Role(u.role).label,
                u.is_active,
                u.is_company_admin,
            )
            for u in users
        ]


@dataclass(frozen=True)
class Change:
    """One recorded change as the People page lists it."""

    id: int
    at: str  # "2026-11-26 12:34 UTC"
    by: str  # who made it ("Command line" for the CLI and the demo data)
    person: str  # whom it changed ("" for a company setting)
    what: str


def changes(actor: Actor, limit: int = CHANGES_SHOWN) -> list[Change]:
    """The latest changes to people and company settings, newest first."""
    require_company_admin(actor, "see who changed what")
    by, whom = aliased(User), aliased(User)
    with read_only() as session:
        rows = session.exec(
            select(PeopleEvent, by.name, whom.name)
            .outerjoin(by, col(by.id) == PeopleEvent.actor_id)
            .outerjoin(whom, col(whom.id) == PeopleEvent.user_id)
            .order_by(col(PeopleEvent.at).desc(), col(PeopleEvent.id).desc())
            .limit(limit)
        ).all()
    return [
        Change(
            row_id(e),
            f"{e.at:%Y-%m-%d %H:%M} UTC",
            by_name or "Command line",
            whom_name or "",
            e.detail,
        )
        for e, by_name, whom_name in rows
    ]


def _record(session: Session, actor: Actor, user: User | None, action: str, detail: str) -> None:
    session.add(
        PeopleEvent(
            actor_id=actor.id, user_id=user.id if user else None, action=action, detail=detail
        )
    )


def _yes_no(value: object, question: str) -> bool:
    """Only a real true/false counts (a forged "false" is not a yes)."""
    if not isinstance(value, bool):
        raise InvalidInput(f"Say whether {question} (true or false).")
    return value


def add_person(actor: Actor, email: str, name: str, role: str, password: str) -> str:
    """A new user with a first password they are told out of band."""
    require_company_admin(actor, "add people")
    if not name.strip() or len(name.strip()) > 100 or any(ch < " " for ch in name):
        raise InvalidInput("A name of 1 to 100 characters, on one line, is required.")
    with unit_of_work() as session:
        user = auth.create_user(session, email, name, password, _role(role), by=actor)
        return f"{user.name} <{user.email}> can now sign in."


def set_role(actor: Actor, user_id: int, role: str) -> str:
    """Grant or revoke a role (Accounting Approver, Project Admin, Viewer)."""
    require_company_admin(actor, "change roles")
    new = _role(role)
    with unit_of_work() as session:
        user = _user(session, user_id)
        old = Role(user.role)
        if new is not old:
            user.role = new
            session.add(user)
            _record(session, actor, user, "role", f"Role {old.label} → {new.label}")
        return f"{user.name} is now {new.label}."


def set_active(actor: Actor, user_id: int, active: bool) -> str:
    """Deactivate a user (their sessions end at once) or reactivate them."""
    require_company_admin(actor, "deactivate people")
    active = _yes_no(active, "the person may sign in")
    if user_id == actor.id and not active:
        raise InvalidInput("You cannot deactivate yourself.")
    with unit_of_work() as session:
        user = _user(session, user_id)
        if user.is_active != active:
            user.is_active = active
            session.add(user)
            _record(session, actor, user, "active", "Reactivated" if active else "Deactivated")
        if not active:
            session.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
        return f"{user.name} is {'active' if active else 'deactivated'}."


def set_company_admin(actor: Actor, user_id: int, admin: bool) -> str:
    """Grant or revoke company-admin rights (managing people); never one's own."""
    require_company_admin(actor, "grant or revoke company-admin rights")
    admin = _yes_no(admin, "the person manages people")
    if user_id == actor.id:
        raise InvalidInput("You cannot change your own company-admin rights; ask another one.")
    with unit_of_work() as session:
        user = _user(session, user_id)
        if user.is_company_admin != admin:
            user.is_company_admin = admin
            session.add(user)
            detail = "Made company admin" if admin else "No longer company admin"
            _record(session, actor, user, "company_admin", detail)
        return f"{user.name} {'is' if admin else 'is not'} a company admin."


def separate_duties(actor: Actor) -> bool:
    """Whether the sender of a project is kept from deciding on it."""
    require_company_admin(actor, "see the company's settings")
    with read_only() as session:
        return duties_separated(session)


def set_separate_duties(actor: Actor, on: bool) -> str:
    """Turn "separate duties" on or off for the company."""
    require_company_admin(actor, "change the company's settings")
    on = _yes_no(on, "duties are separated")
    with unit_of_work() as session:
        if duties_separated(session) != on:
            session.merge(AppSetting(key=SEPARATE_DUTIES, value="on" if on else "off", at=utcnow()))
            _record(
                session, actor, None, "setting", f"Separate duties turned {'on' if on else 'off'}"
            )
    if on:
        return "Separate duties is on: nobody decides on a project they sent to ERP."
    return "Separate duties is off: whoever sent a project may also decide on it."


def _user(session, user_id: int) -> User:
    user = None
    if is_row_id(user_id):
        user = session.get(User, user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    return user


def _role(role: str) -> Role:
    try:
        return Role(role)
    except (TypeError, ValueError):
        raise InvalidInput(f"There is no role {role!r}.") from None
