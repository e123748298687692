"""Projects and sending them to ERP (the Project Admin side of the loop)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Project, utcnow
from erp_dashboard.services.errors import InvalidInput, NotFound
from erp_dashboard.services.jobs import export_problems
from erp_dashboard.services.permissions import Actor
from erp_dashboard.services.state_machine import move


def create_project(
    session: Session,
    creator: Actor,
    *,
    name: str,
    number: str,
    street: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    start_date: date | None = None,
    projected_end_date: date | None = None,
    description: str = "",
) -> Project:
    """Add a project that has not been sent to ERP."""
    project = Project(
        name=name.strip(),
        number=number.strip(),
        street=street.strip(),
        city=city.strip(),
        state=state.strip(),
        postal_code=postal_code.strip(),
        start_date=start_date,
        projected_end_date=projected_end_date,
        description=description.strip(),
        creator_id=creator.id,
    )
    session.add(project)
    session.flush()
    return project


def send_to_erp(actor: Actor, project_id: int) -> str:
    """Send a project to the ERP Integrations tool for an approver's decision."""
    with unit_of_work() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"Project {project_id} does not exist.")
        if problems := export_problems(project):
            raise InvalidInput(f"“{project.name}” cannot be sent: " + " ".join(problems))
        move(
            session,
            project,
            "send",
            actor,
            erp_sent_at=utcnow(),
            erp_sent_by_id=actor.id,
            erp_comment="",
        )
        return f"“{project.name}” was sent to ERP."
