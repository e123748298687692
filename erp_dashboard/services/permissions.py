"""Roles, the signed-in actor, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from erp_dashboard.services.errors import PermissionDenied


class Role(StrEnum):
    """The roles a user can hold."""

    APPROVER = "accounting_approver"
    PROJECT_ADMIN = "project_admin"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        """The role's name as people say it."""
        return {
            Role.APPROVER: "Accounting Approver",
            Role.PROJECT_ADMIN: "Project Admin",
            Role.VIEWER: "Viewer",
        }[self]


@dataclass(frozen=True)
class Actor:
    """The user a request runs as, resolved on the server from the session."""

    id: int
    email: str
    name: str
    role: Role
    is_company_admin: bool = False


def require_role(actor: Actor, role: Role, doing: str) -> None:
    """Refuse unless `actor` holds `role`."""
    if actor.role is not role:
        raise PermissionDenied(
            f"{actor.role.label}s cannot {doing}; this needs the {role.label} role."
        )


def require_company_admin(actor: Actor, doing: str) -> None:
    """Refuse unless `actor` manages the company's people."""
    if not actor.is_company_admin:
        raise PermissionDenied(f"Only a company admin can {doing}.")
