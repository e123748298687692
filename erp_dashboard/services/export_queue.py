"""The queue of qbXML work for QuickBooks: enqueue, hand out in batches, apply responses.

The Jobs tab only enqueues. The Web Connector session (`web_connector`) claims
batches, sends them and applies what QuickBooks answers, matched by requestID.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from erp_dashboard import qbxml
from erp_dashboard.models import Customer, Project, QbJob, QbwcSession, WorkItem, utcnow
from erp_dashboard.services.state_machine import bump_count, move

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    """A work item handed to QuickBooks: its requestID, the job's FullName and fields."""

    request_id: str
    full_name: str
    job: qbxml.JobFields


def job_fields(project: Project, parent_list_id: str) -> qbxml.JobFields:
    """The project as a QuickBooks job under the customer `parent_list_id`."""
    return qbxml.JobFields(
        name=project.name,
        parent_list_id=parent_list_id,
        addr1=project.street,
        city=project.city,
        state=project.state,
        postal_code=project.postal_code,
        start_date=project.start_date,
        projected_end_date=project.projected_end_date,
        description=project.description,
    )


def enqueue_add(session: Session, project: Project) -> WorkItem:
    """Queue the `CustomerAddRq` that creates `project` as a job."""
    item = WorkItem(request_id=uuid.uuid4().hex, project_id=project.id, kind="add")
    session.add(item)
    return item


def count(session: Session, status: str, ticket_hash: str | None = None) -> int:
    """How many items have `status` (and were sent in session `ticket_hash`, if given)."""
    stmt = select(func.count()).select_from(WorkItem).where(WorkItem.status == status)
    if ticket_hash is not None:
        stmt = stmt.where(WorkItem.ticket_hash == ticket_hash)
    return session.exec(stmt).one()


def claim_batch(session: Session, limit: int, ticket_hash: str, *, verify: bool) -> list[Claimed]:
    """Mark up to `limit` queued items as sent in session `ticket_hash`.

    `verify` picks the items whose earlier attempt has an unknown outcome. Each
    claim is a compare-and-set on the item's status, so two senders never hand
    out the same item.
    """
    rows = session.exec(
        select(WorkItem, Project, Customer)
        .join(Project, Project.id == WorkItem.project_id)
        .join(Customer, Customer.id == Project.customer_id)
        .where(WorkItem.status == "queued", WorkItem.verify_first == verify)
        .order_by(WorkItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WorkItem)
    ).all()
    claimed = []
    for item, project, customer in rows:
        won = session.execute(
            update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.status == "queued")
            .values(status="sent", sent_at=utcnow(), ticket_hash=ticket_hash)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            full_name = f"{customer.full_name}:{project.name}"
            claimed.append(
                Claimed(item.request_id, full_name, job_fields(project, customer.list_id))
            )
    return claimed


def _in_flight(session: Session, request_id: str) -> WorkItem | None:
    return session.exec(
        select(WorkItem).where(WorkItem.request_id == request_id, WorkItem.status == "sent")
    ).first()


def _synced(session: Session, item: WorkItem, job: qbxml.CustomerRet, message: str) -> None:
    item.status, item.done_at, item.status_message = "done", utcnow(), message
    unlinked = session.exec(select(QbJob).where(QbJob.list_id == job.list_id)).first()
    if unlinked is not None:  # a customer sync saw the job before we learned it is ours
        bump_count(session, unlinked.erp_list, -1)
        unlinked.erp_list, unlinked.erp_version = "", unlinked.erp_version + 1
        session.add(unlinked)
    move(
        session,
        session.get(Project, item.project_id),
        "export_succeeded",
        None,
        qb_list_id=job.list_id,
        qb_full_name=job.full_name,
        qb_edit_sequence=job.edit_sequence,
        synced_at=utcnow(),
    )
    session.add(item)


def apply_add(session: Session, result: qbxml.QBResult) -> bool:
    """Apply one `CustomerAddRs`; False when its requestID matches no item in flight.

    So a response delivered twice is never applied twice.
    """
    item = _in_flight(session, result.request_id)
    if item is None:
        log.warning("Ignored QuickBooks response %r: no item in flight", result.request_id)
        return False
    item.status_code = result.status_code
    if result.ok and result.customers:
        _synced(session, item, result.customers[0], result.message)
        return True
    item.status, item.done_at, item.status_message = "failed", utcnow(), result.message
    move(
        session,
        session.get(Project, item.project_id),
        "export_failed",
        None,
        qb_error_code=result.status_code,
        qb_error_message=result.message,
    )
    session.add(item)
    return True


def apply_verification(
    session: Session, ticket_hash: str, found: dict[str, qbxml.CustomerRet]
) -> None:
    """Settle the items sent for verification: adopt the job QuickBooks has, else re-add.

    `found` maps the case-folded FullName of each job QuickBooks returned to it.
    """
    rows = session.exec(
        select(WorkItem, Project, Customer)
        .join(Project, Project.id == WorkItem.project_id)
        .join(Customer, Customer.id == Project.customer_id)
        .where(
            WorkItem.ticket_hash == ticket_hash,
            WorkItem.status == "sent",
            WorkItem.verify_first,
        )
    ).all()
    for item, project, customer in rows:
        job = found.get(f"{customer.full_name}:{project.name}".casefold())
        if job is not None:
            _synced(session, item, job, "adopted the job an earlier attempt created")
        else:
            item.status, item.verify_first = "queued", False
            session.add(item)


def release_orphans(session: Session, now: datetime) -> int:
    """Items sent in a session that closed or expired have an unknown outcome: verify them."""
    dead = select(QbwcSession.ticket_hash).where(
        or_(QbwcSession.closed_at.is_not(None), QbwcSession.expires_at <= now)
    )
    return session.execute(
        update(WorkItem)
        .where(
            WorkItem.status == "sent",
            or_(WorkItem.ticket_hash.is_(None), WorkItem.ticket_hash.in_(dead)),
        )
        .values(status="queued", verify_first=True)
        .execution_options(synchronize_session=False)
    ).rowcount
