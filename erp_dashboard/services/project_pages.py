"""Read side of the Project Admin tool: a page of projects with their ERP state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import col, select

from erp_dashboard.db import read_only
from erp_dashboard.models import Project, row_id
from erp_dashboard.names import ErpState
from erp_dashboard.services.errors import InvalidInput
from erp_dashboard.services.job_lists import SEARCH_LIMIT, like_pattern
from erp_dashboard.services.outcomes import advice, error_text
from erp_dashboard.services.permissions import Actor
from erp_dashboard.services.projects import LOCKED_STATES, approvers_of
from erp_dashboard.services.state_machine import allows

PAGE_SIZE = 25


@dataclass(frozen=True)
class ProjectRow:
    """A project as the Admin tool shows and edits it (values as form text)."""

    id: int
    name: str
    number: str
    street: str
    city: str
    state: str
    postal_code: str
    start_date: str
    projected_end_date: str
    description: str
    is_active: bool
    erp_sync: bool
    erp_state: str
    erp_label: str
    comment: str
    locked: bool
    can_send: bool
    can_retrieve: bool
    qb_full_name: str
    approvers: str
    failure: str  # Failed To Export: QuickBooks' message and code, as stored
    next_step: str  # and what to do about it


def _row(p: Project, approvers: list[str]) -> ProjectRow:
    state = ErpState(p.erp_state)
    failed = state is ErpState.FAILED_TO_EXPORT
    return ProjectRow(
        id=row_id(p),
        name=p.name,
        number=p.number,
        street=p.street,
        city=p.city,
        state=p.state,
        postal_code=p.postal_code,
        start_date=p.start_date.isoformat() if p.start_date else "",
        projected_end_date=p.projected_end_date.isoformat() if p.projected_end_date else "",
        description=p.description,
        is_active=p.is_active,
        erp_sync=p.erp_sync,
        erp_state=state.value,
        erp_label="Waiting for an approver" if state is ErpState.READY_TO_EXPORT else state.label,
        comment=p.erp_comment if state is ErpState.REJECTED else "",
        locked=state in LOCKED_STATES,
        can_send=allows("send", state) or allows("resend", state),
        can_retrieve=allows("retrieve", state),
        qb_full_name=p.qb_full_name or "",
        approvers=", ".join(approvers),
        failure=error_text(p) if failed else "",
        next_step=advice(p) if failed else "",
    )


def project_page(actor: Actor, search: str = "", page: int = 1) -> tuple[list[ProjectRow], int]:
    """Projects by name, searched by name or number; returns (rows, total)."""
    if len(search) > SEARCH_LIMIT:
        raise InvalidInput(f"Search for at most {SEARCH_LIMIT} characters.")
    where = []
    if search.strip():
        pattern = like_pattern(search.strip())
        where.append(
            or_(
                col(Project.name).ilike(pattern, escape="\\"),
                col(Project.number).ilike(pattern, escape="\\"),
            )
        )
    with read_only() as session:
        total = session.exec(select(func.count()).select_from(Project).where(*where)).one()
        rows = session.exec(
            select(Project)
            .where(*where)
            .order_by(col(Project.name), col(Project.id))
            .offset((max(1, page) - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        named = approvers_of(session, [row_id(p) for p in rows])
        return [_row(p, named.get(row_id(p), [])) for p in rows], total
