"""QuickBooks jobs no project is linked to: found by the customer sync (which keeps the
customers current too), then imported, linked, archived or unarchived."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from erp_dashboard import qbxml
from erp_dashboard.db import rows_changed, unit_of_work
from erp_dashboard.models import Customer, ErpEvent, Project, QbJob, QbwcSession, utcnow
from erp_dashboard.names import JobList
from erp_dashboard.quickbooks_fields import LIMITS
from erp_dashboard.services import export_queue
from erp_dashboard.services.errors import (
    ConcurrentChange,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from erp_dashboard.services.permissions import Actor, Role, require_role
from erp_dashboard.services.state_machine import bump_count, move


def request_customer_sync(actor: Actor) -> str:
    """Make the next Web Connector session re-read QuickBooks' customers."""
    require_role(actor, Role.APPROVER, "refresh QuickBooks customers")
    with unit_of_work() as session:
        session.execute(update(QbwcSession).values(sync_finished_at=None))
    return "Customers will be refreshed at the next Web Connector session."


def discover(
    session: Session, customers: Sequence[qbxml.CustomerRet], sync_started: datetime
) -> None:
    """Keep customers current and list QuickBooks jobs no project is linked to (one page of
    the customer sync that began at `sync_started`)."""
    in_flight = export_queue.in_flight_names(
        session, [ret.full_name for ret in customers if ret.sublevel]
    )
    for ret in customers:
        if ret.sublevel == 0:
            _upsert_customer(session, ret, sync_started)
        elif ret.full_name.lower() not in in_flight:  # our own export's job, not yet answered
            _note_unlinked_job(session, ret)


def retire_customers(session: Session, sync_started: datetime) -> None:
    """After a sync that read every customer: those it did not list are gone from QuickBooks."""
    session.execute(
        update(Customer)
        .where(or_(col(Customer.seen_at).is_(None), col(Customer.seen_at) < sync_started))
        .values(is_active=False)
    )


def _upsert_customer(session: Session, ret: qbxml.CustomerRet, sync_started: datetime) -> None:
    customer = session.exec(select(Customer).where(Customer.list_id == ret.list_id)).first()
    customer = customer or Customer(list_id=ret.list_id, full_name=ret.full_name)
    customer.full_name, customer.is_active = ret.full_name, ret.is_active
    customer.seen_at = sync_started
    session.add(customer)


def _note_unlinked_job(session: Session, ret: qbxml.CustomerRet) -> None:
    if session.exec(select(Project.id).where(Project.qb_list_id == ret.list_id)).first():
        return
    job = session.exec(select(QbJob).where(QbJob.list_id == ret.list_id)).first()
    if job is not None:
        job.full_name = ret.full_name
        session.add(job)
        return
    job = QbJob(
        list_id=ret.list_id,
        full_name=ret.full_name,
        customer_full_name=ret.full_name.rsplit(":", 1)[0],
        city=ret.city,
        erp_list=JobList.READY_TO_IMPORT,
    )
    session.add(job)
    session.flush()
    bump_count(session, JobList.READY_TO_IMPORT, +1)
    session.add(ErpEvent(qb_job_id=job.id, action="found", from_state="", to_state=job.erp_list))


def _job(session: Session, job_id: int, version: int, wanted: JobList) -> QbJob:
    job = session.get(QbJob, job_id)
    if job is None:
        raise NotFound(f"QuickBooks job {job_id} is no longer listed.")
    if job.erp_version != version:
        raise ConcurrentChange(f"“{job.full_name}” was changed by someone else. Review it again.")
    if job.erp_list != wanted:
        raise InvalidTransition(
            f"“{job.full_name}” is in {JobList(job.erp_list).label}, not {wanted.label}."
        )
    return job


def _claim(session: Session, job: QbJob, to_list: str, actor: Actor, action: str) -> None:
    """Compare-and-set the job's list; count and audit the move."""
    won = rows_changed(
        session,
        update(QbJob)
        .where(col(QbJob.id) == job.id, col(QbJob.erp_version) == job.erp_version)
        .values(erp_list=to_list, erp_version=job.erp_version + 1, erp_changed_at=utcnow())
        .execution_options(synchronize_session=False),
    )
    if not won:
        raise ConcurrentChange(f"“{job.full_name}” was changed by someone else. Review it again.")
    bump_count(session, job.erp_list, -1)
    bump_count(session, to_list, +1)
    session.add(
        ErpEvent(
            qb_job_id=job.id,
            actor_id=actor.id,
            action=action,
            from_state=job.erp_list,
            to_state=to_list or "linked",
        )
    )


def set_archived(actor: Actor, job_id: int, version: int, archived: bool) -> str:
    """Archive a job (set aside from import) or return it to Ready To Import."""
    require_role(actor, Role.APPROVER, "archive QuickBooks jobs")
    source, target = (
        (JobList.READY_TO_IMPORT, JobList.ARCHIVED)
        if archived
        else (JobList.ARCHIVED, JobList.READY_TO_IMPORT)
    )
    with unit_of_work() as session:
        job = _job(session, job_id, version, source)
        _claim(session, job, target, actor, "archive" if archived else "unarchive")
        return f"“{job.full_name}” moved to {target.label}."


def _refuse_taken(session: Session, job: QbJob) -> None:
    """One QuickBooks job belongs to one project: refuse a job a project is linked to, or
    one an export or update in flight is making (QuickBooks' answer will link it)."""
    holder = session.exec(select(Project).where(Project.qb_list_id == job.list_id)).first()
    if holder is not None:
        raise InvalidTransition(
            f"“{job.full_name}” is already linked to project “{holder.name}” ({holder.number}); "
            "one QuickBooks job belongs to one project."
        )
    if name := export_queue.in_flight_names(session, [job.full_name]).get(job.full_name.lower()):
        raise InvalidTransition(
            f"“{job.full_name}” is the job project “{name}” is being exported as; it is "
            "linked to that project once QuickBooks answers."
        )


def _link(session: Session, job: QbJob, project: Project, actor: Actor) -> None:
    _refuse_taken(session, job)
    customer = session.exec(
        select(Customer).where(Customer.full_name == job.customer_full_name)
    ).first()
    _claim(session, job, "", actor, "link")  # the job leaves the lists; its audit trail stays
    move(
        session,
        project,
        "link",
        actor,
        comment=job.full_name,
        erp_decided_by_id=actor.id,
        customer_id=customer.id if customer else None,
        qb_list_id=job.list_id,
        qb_full_name=job.full_name,
        qb_exported=json.dumps(export_queue.exported_fields(project)),
        synced_at=utcnow(),
    )


def import_job(actor: Actor, job_id: int, version: int) -> str:
    """Create a project from a QuickBooks job and link the two."""
    require_role(actor, Role.APPROVER, "import QuickBooks jobs")
    with unit_of_work() as session:
        job = _job(session, job_id, version, JobList.READY_TO_IMPORT)
        name = job.full_name.rsplit(":", 1)[-1]
        project = Project(
            name=name[: LIMITS["name"]],
            number=f"QB-{job.list_id}"[:30],
            city=job.city,
            creator_id=actor.id,
        )
        session.add(project)
        session.flush()
        _link(session, job, project, actor)
        return f"“{job.full_name}” was imported as project “{project.name}”."


def link_job(actor: Actor, job_id: int, version: int, project_number: str) -> str:
    """Link a QuickBooks job to the existing project with `project_number` (no job yet)."""
    require_role(actor, Role.APPROVER, "link QuickBooks jobs")
    with unit_of_work() as session:
        job = _job(session, job_id, version, JobList.READY_TO_IMPORT)
        number = project_number.strip()
        project = session.exec(select(Project).where(Project.number == number)).first()
        if project is None:
            raise NotFound(f"No project has number {number!r}.")
        if project.qb_list_id:
            raise InvalidInput(f"“{project.name}” is already linked to a QuickBooks job.")
        _link(session, job, project, actor)
        return f"“{job.full_name}” is now linked to project “{project.name}”."
