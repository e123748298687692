"""What an Accounting Approver does on the Jobs tab: export, retry, reject."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, Project
from erp_dashboard.names import ErpState, WorkKind
from erp_dashboard.quickbooks_fields import export_problems
from erp_dashboard.services import export_queue, notifications
from erp_dashboard.services.errors import InvalidInput, NotFound, ServiceError
from erp_dashboard.services.permissions import Actor, Role, require_role
from erp_dashboard.services.state_machine import move

COMMENT_LIMIT = 2000


@dataclass(frozen=True)
class ExportChoice:
    """An accepted row: the project as the approver saw it and the customer chosen."""

    project_id: int
    version: int
    customer_list_id: str


@dataclass(frozen=True)
class Outcome:
    """What became of one project of a request."""

    project_id: int
    ok: bool
    message: str


def _project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"Project {project_id} does not exist.")
    return project


def _export_one(session: Session, actor: Actor, choice: ExportChoice) -> str:
    project = _project(session, choice.project_id)
    if not choice.customer_list_id:
        raise InvalidInput(f"Choose the QuickBooks customer for “{project.name}” first.")
    customer = session.exec(
        select(Customer).where(Customer.list_id == choice.customer_list_id)
    ).first()
    if customer is None or not customer.is_active:
        raise InvalidInput(
            f"The customer chosen for “{project.name}” no longer exists in QuickBooks; "
            "choose another."
        )
    if problems := export_problems(project):
        raise InvalidInput(f"“{project.name}” cannot go to QuickBooks: " + " ".join(problems))
    action = "retry" if project.erp_state == ErpState.FAILED_TO_EXPORT else "export"
    move(
        session,
        project,
        action,
        actor,
        expected_version=choice.version,
        comment=f"customer {customer.full_name}",
        customer_id=customer.id,
        erp_decided_by_id=actor.id,
        qb_error_code=None,
        qb_error_message=None,
    )
    export_queue.enqueue(session, project, WorkKind.ADD)
    return project.name


def export_projects(actor: Actor, choices: list[ExportChoice]) -> list[Outcome]:
    """Accept and queue each chosen project, each in its own transaction."""
    require_role(actor, Role.APPROVER, "export projects")
    if not choices:
        raise InvalidInput("Accept at least one project and choose its customer.")
    outcomes = []
    for choice in choices:
        try:
            with unit_of_work() as session:
                name = _export_one(session, actor, choice)
        except ServiceError as err:
            outcomes.append(Outcome(choice.project_id, False, str(err)))
        else:
            outcomes.append(
                Outcome(choice.project_id, True, f"“{name}” is on its way to QuickBooks.")
            )
    return outcomes


def _checked_comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > COMMENT_LIMIT:
        raise InvalidInput(
            f"The comment has {len(comment)} characters; at most {COMMENT_LIMIT} are allowed."
        )
    return comment


def reject(actor: Actor, project_id: int, version: int, comment: str) -> str:
    """Reject a project, record the comment and queue the rejection email."""
    require_role(actor, Role.APPROVER, "reject projects")
    comment = _checked_comment(comment)
    with unit_of_work() as session:
        project = _project(session, project_id)
        move(
            session,
            project,
            "reject",
            actor,
            expected_version=version,
            comment=comment,
            erp_comment=comment,
            erp_decided_by_id=actor.id,
        )
        notifications.queue_rejection(session, project, actor, comment)
        return f"“{project.name}” was rejected; its creator and the approvers will be notified."


def approve_update(actor: Actor, project_id: int, version: int) -> str:
    """Send a synced project's changes to its QuickBooks job (`CustomerModRq`)."""
    require_role(actor, Role.APPROVER, "update QuickBooks jobs")
    with unit_of_work() as session:
        project = _project(session, project_id)
        if problems := export_problems(project):
            raise InvalidInput(f"“{project.name}” cannot go to QuickBooks: " + " ".join(problems))
        move(
            session,
            project,
            "update",
            actor,
            expected_version=version,
            erp_decided_by_id=actor.id,
            qb_error_code=None,
            qb_error_message=None,
        )
        export_queue.enqueue(session, project, WorkKind.MOD)
        return f"“{project.name}” will be updated in QuickBooks."


def reject_update(actor: Actor, project_id: int, version: int, comment: str) -> str:
    """Discard a synced project's changes (back to what QuickBooks holds) and notify."""
    require_role(actor, Role.APPROVER, "reject updates")
    comment = _checked_comment(comment)
    with unit_of_work() as session:
        project = _project(session, project_id)
        exported = json.loads(project.qb_exported or "{}")
        restored = {field: _typed(field, exported[field]) for field in exported}
        move(
            session,
            project,
            "reject_update",
            actor,
            expected_version=version,
            comment=comment,
            erp_comment=comment,
            erp_changes="",
            erp_decided_by_id=actor.id,
        )
        for field, value in restored.items():
            setattr(project, field, value)
        session.add(project)
        notifications.queue_rejection(session, project, actor, comment)
        return f"The changes to “{project.name}” were discarded; its creator will be notified."


def _typed(field: str, text: str):
    """A stored exported value back in its column's type."""
    if field in ("start_date", "projected_end_date"):
        return date.fromisoformat(text) if text else None
    return text
