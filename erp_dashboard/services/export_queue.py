"""The queue of qbXML work for QuickBooks: enqueue, hand out in batches, apply responses.

The Jobs tab only enqueues. The Web Connector session (`web_connector`) claims
batches, sends them and applies what QuickBooks answers, matched by requestID.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from erp_dashboard import qbxml
from erp_dashboard.db import must_get, rows_changed
from erp_dashboard.models import Customer, Project, QbJob, QbwcSession, WorkItem, row_id, utcnow
from erp_dashboard.names import ErpState, WorkKind, WorkStatus
from erp_dashboard.quickbooks_fields import EXPORTED, JobFields, job_fields
from erp_dashboard.services.state_machine import bump_count, move
from erp_dashboard.services.wc_health import expected_interval

log = logging.getLogger(__name__)


RETRY_SUFFIX = "-r"  # a CustomerMod re-sent once after a stale EditSequence
MAX_ATTEMPTS = 5  # busy answers or unreadable outcomes before an item fails for good
MAX_BACKOFF = timedelta(hours=1)
ERROR_MESSAGE_MAX = 1000  # Project.qb_error_message
FAILED_ACTION: dict[str, str] = {WorkKind.ADD: "export_failed", WorkKind.MOD: "update_failed"}
IN_FLIGHT = (ErpState.EXPORTING, ErpState.UPDATING)  # a request waits for or is with QuickBooks


class Applied(StrEnum):
    """What applying QuickBooks' answer did to its work item."""

    DONE = "done"  # the job is made (or found) or up to date
    FAILED = "failed"  # refused: the project waits on a person, with QuickBooks' code
    RETRY = "retry"  # queued to go again (busy, a stale EditSequence, an unreadable answer)
    QUEUED = "queued"  # looked up: queued to be sent


@dataclass(frozen=True)
class Claimed:
    """A work item handed to QuickBooks: its requestID, the job's FullName, fields, identity."""

    request_id: str
    full_name: str
    job: JobFields
    list_id: str | None
    edit_sequence: str | None


def exported_fields(project: Project) -> dict[str, str]:
    """The project's fields as QuickBooks holds them once exported (text, for JSON)."""
    return {f: "" if getattr(project, f) is None else str(getattr(project, f)) for f in EXPORTED}


def in_flight_names(session: Session, full_names: list[str]) -> dict[str, str]:
    """Which of these QuickBooks FullNames (case-folded, as QuickBooks compares them) an
    export or update in flight makes or keeps, each with its project's name."""
    wanted = {name.lower() for name in full_names}
    if not wanted:
        return {}
    full_name = func.lower(Customer.full_name + ":" + Project.name)
    rows = session.exec(
        select(full_name, Project.name)
        .join(Customer, col(Customer.id) == Project.customer_id)
        .where(col(Project.erp_state).in_(IN_FLIGHT), full_name.in_(wanted))
    ).all()
    return dict(rows)


def enqueue(session: Session, project: Project, kind: WorkKind) -> WorkItem:
    """Queue the `CustomerAddRq` (ADD) that creates `project` as a job, or the
    `CustomerModRq` (MOD) that brings its job up to date."""
    item = WorkItem(
        request_id=uuid.uuid4().hex,
        project_id=row_id(project),
        kind=kind,
        verify_first=kind == WorkKind.MOD and not project.qb_edit_sequence,  # read it first
    )
    session.add(item)
    return item


def _due(now: datetime):
    return or_(col(WorkItem.not_before).is_(None), col(WorkItem.not_before) <= now)


def count(
    session: Session,
    status: WorkStatus,
    ticket_hash: str | None = None,
    *,
    due: datetime | None = None,
) -> int:
    """How many items have `status` (and were sent in session `ticket_hash`, if given;
    and may be sent at `due`, if given: items waiting out a busy backoff are not)."""
    stmt = select(func.count()).select_from(WorkItem).where(WorkItem.status == status)
    if ticket_hash is not None:
        stmt = stmt.where(WorkItem.ticket_hash == ticket_hash)
    if due is not None:
        stmt = stmt.where(_due(due))
    return session.exec(stmt).one()


def claim_batch(
    session: Session, limit: int, ticket_hash: str, *, kind: WorkKind, verify: bool
) -> list[Claimed]:
    """Mark up to `limit` queued items of `kind` as sent in session `ticket_hash`.

    `verify` picks the items to look up first: an ADD whose earlier attempt
    has an unknown outcome, a MOD whose EditSequence must be re-read. Each
    claim is a compare-and-set on the item's status, so two senders never hand
    out the same item.
    """
    rows = session.exec(
        select(WorkItem, Project, Customer)
        .join(Project, col(Project.id) == WorkItem.project_id)
        .join(Customer, col(Customer.id) == Project.customer_id)
        .where(
            WorkItem.status == WorkStatus.QUEUED,
            WorkItem.kind == kind,
            WorkItem.verify_first == verify,
            _due(utcnow()),
        )
        .order_by(col(WorkItem.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=WorkItem)
    ).all()
    claimed = []
    for item, project, customer in rows:
        sent = {"status": WorkStatus.SENT, "sent_at": utcnow(), "ticket_hash": ticket_hash}
        if not verify:  # a look-up sends no fields: what the lost attempt sent stays
            sent["sent_fields"] = json.dumps(exported_fields(project))
        won = rows_changed(
            session,
            update(WorkItem)
            .where(col(WorkItem.id) == item.id, col(WorkItem.status) == WorkStatus.QUEUED)
            .values(**sent)
            .execution_options(synchronize_session=False),
        )
        if won:
            claimed.append(
                Claimed(
                    item.request_id,
                    f"{customer.full_name}:{project.name}",
                    job_fields(project, customer.list_id),
                    project.qb_list_id,
                    project.qb_edit_sequence,
                )
            )
    return claimed


def in_flight(session: Session, request_ids: list[str]) -> dict[str, WorkItem]:
    """The items still waiting for these responses, with their projects loaded (two queries
    for a whole batch, not two per item)."""
    items = {
        item.request_id: item
        for item in session.exec(
            select(WorkItem).where(
                col(WorkItem.request_id).in_(request_ids), WorkItem.status == WorkStatus.SENT
            )
        )
    }
    project_ids = [item.project_id for item in items.values()]
    session.exec(select(Project).where(col(Project.id).in_(project_ids))).all()  # the identity map
    return items


def _finish(session: Session, item: WorkItem, status: WorkStatus, message: str) -> Project:
    item.status, item.done_at, item.status_message = status, utcnow(), message[:ERROR_MESSAGE_MAX]
    session.add(item)
    return must_get(session, Project, item.project_id)


def _failed(session: Session, item: WorkItem, action: str, code: int, message: str) -> Applied:
    """QuickBooks refused the item: the project moves on with its code and message."""
    move(
        session,
        _finish(session, item, WorkStatus.FAILED, message),
        action,
        None,
        qb_error_code=code,
        qb_error_message=message[:ERROR_MESSAGE_MAX],
    )
    return Applied.FAILED


def _sent_fields(item: WorkItem, project: Project) -> str:
    """What QuickBooks holds once it accepted `item` (items sent before migration 0011
    recorded nothing; their fields were locked while in flight, so the row still says it)."""
    return item.sent_fields or json.dumps(exported_fields(project))


def _synced(session: Session, item: WorkItem, job: qbxml.CustomerRet, message: str) -> Applied:
    """Link the project to the job QuickBooks made or found (DONE), unless another
    project is linked to it already (FAILED: one job belongs to one project)."""
    holder = session.exec(
        select(Project).where(Project.qb_list_id == job.list_id, Project.id != item.project_id)
    ).first()
    if holder is not None:
        item.status_code = qbxml.DUPLICATE_NAME
        return _failed(
            session,
            item,
            "export_failed",
            qbxml.DUPLICATE_NAME,
            f"QuickBooks job “{job.full_name}” is already linked to project “{holder.name}” "
            f"({holder.number}); one QuickBooks job belongs to one project.",
        )
    project = _finish(session, item, WorkStatus.DONE, message)
    unlinked = session.exec(select(QbJob).where(QbJob.list_id == job.list_id)).first()
    if unlinked is not None:  # a customer sync saw the job before we learned it is ours
        bump_count(session, unlinked.erp_list, -1)
        unlinked.erp_list, unlinked.erp_version = "", unlinked.erp_version + 1
        session.add(unlinked)
    move(
        session,
        project,
        "export_succeeded",
        None,
        qb_list_id=job.list_id,
        qb_full_name=job.full_name,
        qb_edit_sequence=job.edit_sequence,
        qb_exported=_sent_fields(item, project),
        synced_at=utcnow(),
    )
    return Applied.DONE


def apply_add(session: Session, result: qbxml.QBResult, item: WorkItem | None) -> Applied | None:
    """Apply one `CustomerAddRs` to its item in flight: DONE or FAILED; None when no
    item is in flight, so a response delivered twice is never applied twice."""
    if item is None or item.status != WorkStatus.SENT:  # unknown, or already answered in this batch
        log.warning("Ignored QuickBooks response %r: no item in flight", result.request_id)
        return None
    item.status_code = result.status_code
    if result.ok and result.customers:
        return _synced(session, item, result.customers[0], result.message)
    if result.status_code in qbxml.BUSY_STATUSES:
        return _busy(session, item, result.status_code, result.message)
    return _failed(session, item, "export_failed", result.status_code, result.message)


def apply_mod(session: Session, result: qbxml.QBResult, item: WorkItem | None) -> Applied | None:
    """Apply one `CustomerModRs`: DONE (the job is current), RETRY (a stale
    EditSequence is re-read and the update re-sent, once), or FAILED (it waits in
    Ready To Update with the error); None when no item is in flight."""
    if item is None or item.status != WorkStatus.SENT:  # unknown, or already answered in this batch
        log.warning("Ignored QuickBooks response %r: no item in flight", result.request_id)
        return None
    item.status_code = result.status_code
    if result.ok and result.customers:
        job = result.customers[0]
        project = _finish(session, item, WorkStatus.DONE, result.message)
        move(
            session,
            project,
            "update_succeeded",
            None,
            qb_full_name=job.full_name,
            qb_edit_sequence=job.edit_sequence,
            qb_exported=_sent_fields(item, project),
            erp_changes="",
            qb_error_code=None,
            qb_error_message=None,
            synced_at=utcnow(),
        )
        return Applied.DONE
    if result.status_code in qbxml.BUSY_STATUSES:
        return _busy(session, item, result.status_code, result.message)
    stale = result.status_code == qbxml.STALE_EDIT_SEQUENCE
    if stale and not item.request_id.endswith(RETRY_SUFFIX):
        item.status, item.verify_first = WorkStatus.QUEUED, True
        item.request_id = item.request_id[: qbxml.REQUEST_ID_MAX - 2] + RETRY_SUFFIX
        session.add(item)
        return Applied.RETRY
    return _failed(session, item, "update_failed", result.status_code, result.message)


def backoff(attempts: int) -> timedelta:
    """How long an item waits after its `attempts`-th busy answer: the Web Connector's
    interval, doubled each time, at most an hour."""
    return min(expected_interval() * 2 ** min(max(0, attempts - 1), 16), MAX_BACKOFF)


def _try_again(session: Session, item: WorkItem, code: int, given_up: str, **again) -> Applied:
    """One more attempt for `item`: FAILED with `given_up` (and QuickBooks' `code`) at
    MAX_ATTEMPTS, else RETRY with the item queued again with the fields in `again`."""
    item.attempts += 1
    if item.attempts >= MAX_ATTEMPTS:
        return _failed(session, item, FAILED_ACTION[item.kind], code, given_up)
    item.status, item.ticket_hash = WorkStatus.QUEUED, None
    for field, value in again.items():
        setattr(item, field, value)
    session.add(item)
    return Applied.RETRY


def _busy(session: Session, item: WorkItem, code: int, message: str) -> Applied:
    """QuickBooks was busy (a list or record in use by another user): nothing was changed,
    so the same request goes again in a later session, with backoff, up to MAX_ATTEMPTS."""
    return _try_again(
        session,
        item,
        code,
        f"QuickBooks stayed busy through {item.attempts + 1} tries: {message}",
        status_code=code,
        not_before=utcnow() + backoff(item.attempts + 1),
        status_message=f"QuickBooks was busy (another user is working in it); retrying "
        f"automatically (try {item.attempts + 2} of {MAX_ATTEMPTS}). QuickBooks said: {message}",
    )


def requeue_unanswered(session: Session, ticket_hash: str, reason: str) -> int:
    """The items sent in this session got no readable answer (an HRESULT, an unreadable
    response): their outcome is unknown, so each is looked up before it is sent again, at
    most MAX_ATTEMPTS times before it fails with `reason`. Returns how many failed."""
    sent = select(WorkItem).where(
        WorkItem.ticket_hash == ticket_hash, WorkItem.status == WorkStatus.SENT
    )
    outcomes = [
        _try_again(
            session,
            item,
            qbxml.UNREADABLE_STATUS,
            f"QuickBooks' answer could not be read {item.attempts + 1} times: {reason}",
            verify_first=True,
            status_message=f"QuickBooks' answer was lost ({reason}); checking again.",
        )
        for item in session.exec(sent.order_by(col(WorkItem.id))).all()
    ]
    return outcomes.count(Applied.FAILED)


def apply_lookup(session: Session, result: qbxml.QBResult, item: WorkItem | None) -> Applied | None:
    """Apply the answer to one look-up: an ADD whose earlier attempt is unknown (by
    FullName: adopt the job QuickBooks has, else add it), a MOD whose EditSequence is
    re-read (by ListID). DONE, QUEUED, RETRY or FAILED; an error answer settles the
    item where a person can act on it. None when no item is in flight."""
    if item is None or item.status != WorkStatus.SENT:
        log.warning("Ignored QuickBooks look-up %r: no item in flight", result.request_id)
        return None
    code, found = result.status_code, result.customers[0] if result.customers else None
    if code in qbxml.BUSY_STATUSES:
        return _busy(session, item, code, result.message)
    if code != qbxml.STATUS_OK and code not in qbxml.NOT_FOUND_STATUSES:
        looked_up = "checking whether QuickBooks already has the job"
        if item.kind == WorkKind.MOD:
            looked_up = "reading the job's current version from QuickBooks"
        item.status_code = code
        return _failed(
            session, item, FAILED_ACTION[item.kind], code, f"While {looked_up}: {result.message}"
        )
    project = must_get(session, Project, item.project_id)
    if item.kind == WorkKind.ADD and found is not None:
        return _synced(session, item, found, "adopted the job an earlier attempt created")
    if item.kind == WorkKind.MOD and found is None:
        message = f"QuickBooks no longer has the job {project.qb_full_name}."
        return _failed(session, item, "update_failed", qbxml.NOT_FOUND, message)
    if found is not None:
        project.qb_edit_sequence = found.edit_sequence
        session.add(project)
    item.status, item.verify_first, item.ticket_hash = WorkStatus.QUEUED, False, None
    session.add(item)
    return Applied.QUEUED


def release_orphans(session: Session, now: datetime) -> int:
    """Items sent in a session that closed or expired have an unknown outcome: verify them."""
    dead = select(QbwcSession.ticket_hash).where(
        or_(col(QbwcSession.closed_at).is_not(None), col(QbwcSession.expires_at) <= now)
    )
    return rows_changed(
        session,
        update(WorkItem)
        .where(
            col(WorkItem.status) == WorkStatus.SENT,
            or_(col(WorkItem.ticket_hash).is_(None), col(WorkItem.ticket_hash).in_(dead)),
        )
        .values(status=WorkStatus.QUEUED, verify_first=True)
        .execution_options(synchronize_session=False),
    )
