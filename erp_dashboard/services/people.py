"""People: company admins add and deactivate users and grant or revoke roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import delete, select

from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import User, UserSession
from erp_dashboard.services import auth
from erp_dashboard.services.errors import InvalidInput, NotFound
from erp_dashboard.services.permissions import Actor, Role, require_company_admin


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
        users = session.exec(select(User).order_by(User.name, User.id)).all()
        return [
            Person(
                u.id, u.name, u.email, u.role, Role(u.role).label, u.is_active, u.is_company_admin
            )
            for u in users
        ]


def add_person(actor: Actor, email: str, name: str, role: str, password: str) -> str:
    """A new user with a first password they are told out of band."""
    require_company_admin(actor, "add people")
    if not name.strip() or len(name.strip()) > 100 or any(ch < " " for ch in name):
        raise InvalidInput("A name of 1 to 100 characters, on one line, is required.")
    with unit_of_work() as session:
        user = auth.create_user(session, email, name, password, _role(role))
        return f"{user.name} <{user.email}> can now sign in."


def set_role(actor: Actor, user_id: int, role: str) -> str:
    """Grant or revoke a role (Accounting Approver, Project Admin, Viewer)."""
    require_company_admin(actor, "change roles")
    with unit_of_work() as session:
        user = _user(session, user_id)
        user.role = _role(role)
        session.add(user)
        return f"{user.name} is now {Role(user.role).label}."


def set_active(actor: Actor, user_id: int, active: bool) -> str:
    """Deactivate a user (their sessions end at once) or reactivate them."""
    require_company_admin(actor, "deactivate people")
    if not isinstance(active, bool):
        raise InvalidInput("Say whether the person may sign in (true or false).")
    if user_id == actor.id and not active:
        raise InvalidInput("You cannot deactivate yourself.")
    with unit_of_work() as session:
        user = _user(session, user_id)
        user.is_active = active
        session.add(user)
        if not active:
            session.exec(delete(UserSession).where(UserSession.user_id == user.id))
        return f"{user.name} is {'active' if active else 'deactivated'}."


def _user(session, user_id: int) -> User:
    user = None
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user = session.get(User, user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    return user


def _role(role: str) -> Role:
    try:
        return Role(role)
    except (TypeError, ValueError):
        raise InvalidInput(f"There is no role {role!r}.") from None
