"""Projects and sending them to ERP (the Project Admin side of the loop)."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, col, delete, select

from erp_dashboard.db import is_row_id, unit_of_work
from erp_dashboard.models import Project, ProjectApprover, User, row_id, utcnow
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.quickbooks_fields import (
    EXPORTED,
    PROJECT_LIMITS,
    export_problems,
    field_problems,
)
from erp_dashboard.services import export_queue, notifications
from erp_dashboard.services.errors import InvalidInput, NotFound
from erp_dashboard.services.permissions import Actor, Role, require_role
from erp_dashboard.services.state_machine import move

LOCKED_FIELDS = ("name", "street", "city", "state", "postal_code")
LOCKED_STATES = {ErpState.READY_TO_EXPORT, ErpState.EXPORTING, ErpState.UPDATING}
IN_FLIGHT_STATES = set(export_queue.IN_FLIGHT)  # every exported field locked: see locked_fields


EDITABLE = (*EXPORTED, "number", "erp_sync", "is_active")
TEXT_FIELDS = ("name", "number", "street", "city", "state", "postal_code", "description")
DATE_FIELDS = ("start_date", "projected_end_date")
# The form's fields in the order it shows them (the first one in error gets the focus).
FORM_ORDER = (*TEXT_FIELDS[:-1], *DATE_FIELDS, "description", "approvers")
NUMBER_LIMIT = 30
# The most characters each text field takes (the form's counters show these).
TEXT_LIMITS = PROJECT_LIMITS | {"number": NUMBER_LIMIT}
# What a project needs before it is sent to ERP: an address for its QuickBooks job.
SEND_REQUIRES = ("street", "city")


class FieldProblems(InvalidInput):
    """Refused input; `problems` maps each field at fault ("" for the project as a whole)
    to what is wrong, in FORM_ORDER."""

    def __init__(self, problems: dict[str, str], message: str = ""):
        self.problems = problems
        super().__init__(message or " ".join(problems.values()))


def fields_from_form(form: dict[str, str]) -> dict:
    """Typed project fields from a form's text (dates as YYYY-MM-DD, "on" for the boxes)."""
    fields: dict = {}
    for key, raw in form.items():
        if key in TEXT_FIELDS:
            fields[key] = str(raw).strip()
        elif key in DATE_FIELDS:
            try:
                fields[key] = date.fromisoformat(str(raw)) if str(raw).strip() else None
            except ValueError:
                label = key.replace("_", " ").capitalize()
                raise FieldProblems({key: f"{label} is not a date."}) from None
        elif key in ("erp_sync", "is_active"):
            fields[key] = str(raw).lower() in ("on", "true", "1")
        elif key == "approvers":
            fields[key] = [e for e in str(raw).replace(";", ",").split(",") if e.strip()]
        else:
            raise InvalidInput(f"Unknown field {key!r}.")
    return fields


def _ordered(found: dict[str, str]) -> dict[str, str]:
    return {k: found[k] for k in ("", *FORM_ORDER) if k in found}


def _number_taken(session: Session, project: Project) -> bool:
    # no autoflush: the edited row must not reach the database before it is checked
    with session.no_autoflush:
        return (
            session.exec(
                select(Project.id).where(Project.number == project.number, Project.id != project.id)
            ).first()
            is not None
        )


def _check(session: Session, project: Project) -> None:
    """Refuse a project QuickBooks could not take as it is (nothing is cut to fit), whose
    number is missing or used, or whose projected end comes before its start."""
    found: dict[str, str] = {}
    if not project.name.strip():
        found["name"] = "The name is empty."
    if not project.number:
        found["number"] = "The project number is required."
    elif len(project.number) > NUMBER_LIMIT:
        found["number"] = (
            f"Number is {len(project.number)} characters long; at most {NUMBER_LIMIT} are allowed."
        )
    elif _number_taken(session, project):
        found["number"] = f"Another project already has number {project.number}."
    for field, problem in field_problems(project).items():
        found.setdefault(field, problem)
    start, end = project.start_date, project.projected_end_date
    if start and end and end < start:
        found["projected_end_date"] = (
            f"The projected end ({end.isoformat()}) is before the start ({start.isoformat()})."
        )
    # What else QuickBooks refuses (a comma in the address, a line break) is told as a whole.
    if rest := [p for p in export_problems(project) if p not in found.values()]:
        found[""] = " ".join(rest)
    if found:
        raise FieldProblems(_ordered(found))


def locked_fields(state: ErpState) -> tuple[str, ...]:
    """The fields an edit may not change in `state`: name and address while the project
    waits in ERP; everything QuickBooks receives while a request is with it (what QuickBooks
    holds is then taken from what was sent, and a later re-send compares with that)."""
    if state in IN_FLIGHT_STATES:
        return tuple(EXPORTED)
    return LOCKED_FIELDS if state in LOCKED_STATES else ()


def add_project(actor: Actor, approvers: list[str] | None = None, **fields) -> int:
    """A Project Admin adds a project (not yet sent to ERP); returns its id."""
    require_role(actor, Role.PROJECT_ADMIN, "add projects")
    with unit_of_work() as session:
        project = Project(creator_id=actor.id, **{"name": "", "number": "", **fields})
        _check(session, project)
        session.add(project)
        session.flush()
        _set_approvers(session, project, approvers or [])
        return row_id(project)


def retrieve(actor: Actor, project_id: int) -> str:
    """Pull a project back before an approver decides; it becomes editable again."""
    require_role(actor, Role.PROJECT_ADMIN, "retrieve projects from ERP")
    with unit_of_work() as session:
        project = _locked_row(session, project_id)
        move(session, project, "retrieve", actor, erp_sent_at=None)
        return f"“{project.name}” was retrieved from ERP and can be edited."


def update_project(
    actor: Actor, project_id: int, approvers: list[str] | None = None, **fields
) -> str:
    """Edit a project, except the fields `locked_fields` keeps as they are."""
    require_role(actor, Role.PROJECT_ADMIN, "edit projects")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    with unit_of_work() as session:
        project = _locked_row(session, project_id)
        changes = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
        state = ErpState(project.erp_state)
        if [f for f in locked_fields(state) if f in changes and changes[f] != getattr(project, f)]:
            raise InvalidInput(
                f"“{project.name}” is {state.label}: "
                + (
                    "its name, address, dates and description are what QuickBooks is "
                    "receiving, so they are locked until QuickBooks answers. Nothing was saved."
                    if state in IN_FLIGHT_STATES
                    else "its name and address are locked until an approver decides "
                    "(or you retrieve it)."
                )
            )
        for key, value in changes.items():
            setattr(project, key, value)
        _check(session, project)
        session.add(project)
        if approvers is not None:
            _set_approvers(session, project, approvers)
        return f"“{project.name}” was saved."


def _locked_row(session: Session, project_id: int) -> Project:
    project = None
    if is_row_id(project_id):
        project = session.exec(
            select(Project).where(Project.id == project_id).with_for_update()
        ).first()
    if project is None:
        raise NotFound(f"Project {project_id} does not exist.")
    return project


def send_to_erp(actor: Actor, project_id: int) -> str:
    """Send (or re-send) a project to the ERP Integrations tool for an approver's decision.

    A project QuickBooks already holds goes to Ready To Update, with what
    changed since its export recorded old → new.
    """
    require_role(actor, Role.PROJECT_ADMIN, "send projects to ERP")
    with unit_of_work() as session:
        project = _locked_row(session, project_id)
        if not (project.is_active and project.erp_sync):
            raise InvalidInput(
                f"“{project.name}” is not sent: only active projects set to ERP-sync can be."
            )
        if missing := [f for f in SEND_REQUIRES if not getattr(project, f).strip()]:
            raise FieldProblems(
                {f: f"The {f} is required to send the project to ERP." for f in missing},
                f"“{project.name}” cannot be sent to ERP: its {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing.",
            )
        if problems := export_problems(project):
            raise InvalidInput(f"“{project.name}” cannot be sent: " + " ".join(problems))
        if project.erp_state == ErpState.SYNCED:
            return _resend(session, actor, project)
        move(
            session,
            project,
            "send",
            actor,
            erp_sent_at=utcnow(),
            erp_sent_by_id=actor.id,
            erp_comment="",
        )
        notifications.queue_awaiting(session, project, actor, JobList.READY_TO_EXPORT)
        return f"“{project.name}” was sent to ERP."


def _resend(session: Session, actor: Actor, project: Project) -> str:
    before = json.loads(project.qb_exported or "{}")
    now = export_queue.exported_fields(project)
    changes = [
        {"field": field, "old": before.get(field, ""), "new": value}
        for field, value in now.items()
        if before.get(field, "") != value
    ]
    if not changes:
        raise InvalidInput(f"Nothing QuickBooks holds for “{project.name}” has changed.")
    move(
        session,
        project,
        "resend",
        actor,
        comment=", ".join(c["field"] for c in changes),
        erp_changes=json.dumps(changes),
        erp_sent_at=utcnow(),
        erp_sent_by_id=actor.id,
    )
    notifications.queue_awaiting(session, project, actor, JobList.READY_TO_UPDATE)
    return f"The changes to “{project.name}” were sent to ERP."


def set_approvers(actor: Actor, project_id: int, emails: list[str]) -> str:
    """Name the project's own Accounting Approvers (none: every approver is notified)."""
    require_role(actor, Role.PROJECT_ADMIN, "choose a project's approvers")
    with unit_of_work() as session:
        project = _locked_row(session, project_id)
        names = _set_approvers(session, project, emails)
        return f"“{project.name}” will notify {names}."


def _set_approvers(session: Session, project: Project, emails: list[str]) -> str:
    wanted = {e.strip().lower() for e in emails if e.strip()}
    users = session.exec(select(User).where(col(User.email).in_(wanted))).all()
    found = {u.email for u in users if u.is_active and u.role == Role.APPROVER}
    if missing := sorted(wanted - found):
        raise FieldProblems(
            {"approvers": f"Not active Accounting Approvers: {', '.join(missing)}."}
        )
    session.exec(delete(ProjectApprover).where(col(ProjectApprover.project_id) == project.id))
    session.add_all(ProjectApprover(project_id=row_id(project), user_id=row_id(u)) for u in users)
    return ", ".join(sorted(found)) or "every Accounting Approver"


def approvers_of(session: Session, project_ids: list[int]) -> dict[int, list[str]]:
    """The emails of the approvers each project names (a project naming none is absent)."""
    named: dict[int, list[str]] = {}
    for project_id, email in session.exec(
        select(ProjectApprover.project_id, User.email)
        .join(User, col(User.id) == ProjectApprover.user_id)
        .where(col(ProjectApprover.project_id).in_(project_ids))
        .order_by(User.email)
    ):
        named.setdefault(project_id, []).append(email)
    return named
