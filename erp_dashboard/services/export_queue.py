"""The queue of qbXML work for QuickBooks: enqueue, hand out in batches, apply responses.

The Jobs tab only enqueues. Whoever talks to QuickBooks (the simulator loop
here, the Web Connector endpoint later) calls `claim_batch` and `apply_response`.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import update
from sqlmodel import Session, select

from erp_dashboard import qbxml
from erp_dashboard.models import Customer, Project, WorkItem, utcnow
from erp_dashboard.services.state_machine import move

log = logging.getLogger(__name__)


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


def claim_batch(session: Session, limit: int) -> list[tuple[str, qbxml.JobFields]]:
    """Mark up to `limit` queued items as sent; returns their requests.

    Each claim is a compare-and-set on the item's status, so two senders
    never hand out the same item.
    """
    rows = session.exec(
        select(WorkItem, Project, Customer)
        .join(Project, Project.id == WorkItem.project_id)
        .join(Customer, Customer.id == Project.customer_id)
        .where(WorkItem.status == "queued")
        .order_by(WorkItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WorkItem)
    ).all()
    claimed = []
    for item, project, customer in rows:
        won = session.execute(
            update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.status == "queued")
            .values(status="sent", sent_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            claimed.append((item.request_id, job_fields(project, customer.list_id)))
    return claimed


def apply_response(session: Session, response_xml: str) -> int:
    """Apply each result of a qbXML response to its work item; returns how many applied.

    A result whose requestID matches no item in flight is logged and ignored,
    so a response delivered twice is never applied twice.
    """
    applied = 0
    for result in qbxml.parse_response(response_xml):
        item = session.exec(
            select(WorkItem).where(
                WorkItem.request_id == result.request_id, WorkItem.status == "sent"
            )
        ).first()
        if item is None:
            log.warning(
                "Ignored QuickBooks response for request %r: not in flight", result.request_id
            )
            continue
        project = session.get(Project, item.project_id)
        item.status_code, item.status_message = result.status_code, result.message
        item.done_at = utcnow()
        if result.ok and result.customers:
            job = result.customers[0]
            item.status = "done"
            move(
                session,
                project,
                "export_succeeded",
                None,
                qb_list_id=job.list_id,
                qb_full_name=job.full_name,
                qb_edit_sequence=job.edit_sequence,
                synced_at=utcnow(),
            )
        else:
            item.status = "failed"
            move(
                session,
                project,
                "export_failed",
                None,
                qb_error_code=result.status_code,
                qb_error_message=result.message,
            )
        session.add(item)
        applied += 1
    return applied
