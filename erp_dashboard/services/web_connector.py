"""Our side of the QuickBooks Web Connector conversation (the SOAP layer calls this).

A session: authenticate → (sendRequestXML ↔ receiveResponseXML)* → closeConnection.
Each session first syncs customers (when due); then, message by message, it
looks up items whose earlier attempt was lost (query by FullName; adopt the job
if QuickBooks has it) and re-reads stale EditSequences (query by ListID), then
sends queued adds and updates in batches. Sessions live in the database, so a restarted
server answers a ticket it issued before.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import update
from sqlmodel import Session, func, select

from erp_dashboard import config, qbxml
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import (
    Customer,
    ErpEvent,
    Project,
    QbJob,
    QbwcSession,
    WorkItem,
    utcnow,
)
from erp_dashboard.services import export_queue
from erp_dashboard.services.permissions import Actor, Role, require_role
from erp_dashboard.services.state_machine import JobList, bump_count

log = logging.getLogger(__name__)

SERVER_VERSION = "ERP Integrations 1.0"
OLDEST_CLIENT = (2, 1)  # Web Connector 2.1 and later speak qbXML 13
SYNC_PAGE = 500
SYNC_ID, VERIFY_ID, REFRESH_ID = "customer-sync", "verify", "refresh"
APPLY = {"CustomerAdd": export_queue.apply_add, "CustomerMod": export_queue.apply_mod}
UNKNOWN_TICKET = "The session ticket is unknown or expired; the Web Connector will start a new one."


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def _sync_due(session: Session, now: datetime, minutes: int) -> bool:
    last = session.exec(select(func.max(QbwcSession.sync_finished_at))).one()
    return last is None or last <= now - timedelta(minutes=minutes)


class WebConnector:
    """The eight Web Connector operations, backed by the database (blocking calls)."""

    def __init__(self) -> None:
        self.settings = config.load()

    def server_version(self) -> str:
        """Shown in the Web Connector's log."""
        return SERVER_VERSION

    def client_version(self, version: str) -> str:
        """ "" to continue, or "O:<version>" when the Web Connector is too old for qbXML 13."""
        try:
            parts = tuple(int(p) for p in version.split(".")[:2])
        except ValueError:
            return f"W:Unrecognised Web Connector version {version[:40]!r}; continuing."
        if parts < OLDEST_CLIENT:
            return "O:" + ".".join(map(str, OLDEST_CLIENT))
        return ""

    def authenticate(self, username: str, password: str) -> list[str]:
        """[ticket, ""] with work, [ticket, "none"] without, [ticket, "nvu"] for bad credentials."""
        ticket = secrets.token_urlsafe(32)
        s = self.settings
        known = bool(s.qbwc_username and s.qbwc_password)
        ok = hmac.compare_digest(username.encode(), s.qbwc_username.encode()) & hmac.compare_digest(
            password.encode(), s.qbwc_password.encode()
        )
        if not (known and ok):
            log.warning("Web Connector sign-in refused for user %r", username[:60])
            return [ticket, "nvu"]
        now = utcnow()
        with unit_of_work() as session:
            export_queue.release_orphans(session, now)
            sync = _sync_due(session, now, s.customer_sync_minutes)
            work = sync or export_queue.count(session, "queued") > 0
            session.add(
                QbwcSession(
                    ticket_hash=_hash(ticket),
                    expires_at=now + timedelta(minutes=s.qbwc_ticket_minutes),
                    stage="sync" if sync else "work",
                    closed_at=None if work else now,
                )
            )
        return [ticket, "" if work else "none"]

    def _live(self, session: Session, ticket: str) -> QbwcSession | None:
        row = session.get(QbwcSession, _hash(ticket or ""))
        if row is None or row.closed_at is not None or row.expires_at <= utcnow():
            return None
        return row

    def send_request_xml(
        self,
        ticket: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: int,
        minor: int,
    ) -> str:
        """The next qbXML request of this session, or "" when nothing is left."""
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is None:
                return ""
            if qbwc.stage == "sync":
                return qbxml.customer_query_rq(
                    SYNC_ID,
                    max_returned=SYNC_PAGE,
                    iterator="Continue" if qbwc.iterator_id else "Start",
                    iterator_id=qbwc.iterator_id,
                    active_status="All",
                )
            claim = partial(
                export_queue.claim_batch, session, self.settings.qbwc_batch, qbwc.ticket_hash
            )
            if batch := claim(kind="add", verify=True):
                return qbxml.customer_query_rq(VERIFY_ID, full_names=[c.full_name for c in batch])
            if batch := claim(kind="mod", verify=True):
                return qbxml.customer_query_rq(REFRESH_ID, list_ids=[c.list_id for c in batch])
            if batch := claim(kind="add", verify=False):
                return qbxml.customer_add_rqs([(c.request_id, c.job) for c in batch])
            if batch := claim(kind="mod", verify=False):
                return qbxml.customer_mod_rqs(
                    [(c.request_id, c.list_id, c.edit_sequence, c.job) for c in batch]
                )
            qbwc.stage = "done"
            return ""

    def receive_response_xml(self, ticket: str, response: str, hresult: str, message: str) -> int:
        """Apply QuickBooks' answers; percent done (100 = finished), negative on error."""
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is None:
                return -1
            if hresult:
                qbwc.last_error = f"QuickBooks could not process the request ({hresult}): {message}"
                session.add(qbwc)
                return -1
            try:
                results = qbxml.parse_response(response)
            except qbxml.QBXMLError as err:
                qbwc.last_error = f"The response from QuickBooks could not be read: {err}"
                session.add(qbwc)
                return -1
            waiting = export_queue.in_flight(session, [r.request_id for r in results])
            for result in results:
                self._apply(session, qbwc, result, waiting.get(result.request_id))
            session.add(qbwc)
            return self._progress(session, qbwc)

    def _apply(
        self,
        session: Session,
        qbwc: QbwcSession,
        result: qbxml.QBResult,
        item: WorkItem | None,
    ) -> None:
        kind, request_id = result.kind, result.request_id
        if kind == "CustomerQuery" and request_id == SYNC_ID:
            _apply_sync(session, qbwc, result)
        elif kind == "CustomerQuery" and request_id in (VERIFY_ID, REFRESH_ID):
            if result.status_code in (0, 1, 500):  # otherwise the outcome stays unknown
                if request_id == VERIFY_ID:
                    found = {job.full_name.casefold(): job for job in result.customers}
                    export_queue.apply_verification(session, qbwc.ticket_hash, found)
                else:
                    found = {job.list_id: job for job in result.customers}
                    export_queue.apply_refresh(session, qbwc.ticket_hash, found)
        elif kind in APPLY and result.status_code == qbxml.UNREADABLE_STATUS:
            # Without a status the outcome is unknown: the item is looked up next session.
            qbwc.last_error = f"QuickBooks sent an unreadable response: {result.message}"
        elif kind in APPLY:
            outcome = APPLY[kind](session, result, item)
            qbwc.exported += outcome == "done"
            qbwc.failed += outcome == "failed"
        else:
            log.warning("Ignored %sRs %r (%s)", kind, request_id, result.message)

    def _progress(self, session: Session, qbwc: QbwcSession) -> int:
        if qbwc.stage == "sync":
            return 5
        waiting = export_queue.count(session, "queued")
        done = qbwc.exported + qbwc.failed
        if waiting == 0 and export_queue.count(session, "sent", qbwc.ticket_hash) == 0:
            qbwc.stage = "done"
            return 100
        return max(1, min(99, 100 * done // max(1, done + waiting)))

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        """QuickBooks could not be opened: record why and end the session."""
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is not None:
                qbwc.last_error = f"QuickBooks could not be reached ({hresult}): {message}"
                qbwc.closed_at = utcnow()
                session.add(qbwc)
        return "done"

    def get_last_error(self, ticket: str) -> str:
        """The message the Web Connector shows its user after a negative result."""
        with unit_of_work() as session:
            qbwc = session.get(QbwcSession, _hash(ticket or ""))
            if qbwc is None:
                return UNKNOWN_TICKET
            return qbwc.last_error or "No error."

    def close_connection(self, ticket: str) -> str:
        """End the session; anything still in flight will be verified next time."""
        now = utcnow()
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is None:
                return "OK"
            qbwc.closed_at = now
            session.add(qbwc)
            session.flush()
            export_queue.release_orphans(session, now)
            return f"Done: {qbwc.exported} sent, {qbwc.failed} refused by QuickBooks."


def request_customer_sync(actor: Actor) -> str:
    """Make the next Web Connector session re-read QuickBooks' customers."""
    require_role(actor, Role.APPROVER, "refresh QuickBooks customers")
    with unit_of_work() as session:
        session.execute(update(QbwcSession).values(sync_finished_at=None))
    return "Customers will be refreshed at the next Web Connector session."


def _apply_sync(session: Session, qbwc: QbwcSession, result: qbxml.QBResult) -> None:
    """Keep customers current and list QuickBooks jobs no project is linked to."""
    if not result.ok:
        qbwc.last_error = f"Customer sync failed: {result.message} ({result.status_code})"
        qbwc.stage, qbwc.iterator_id = "work", None
        return
    for ret in result.customers:
        if ret.sublevel == 0:
            _upsert_customer(session, ret)
        else:
            _note_unlinked_job(session, ret)
    if result.iterator_remaining and result.iterator_id:
        qbwc.iterator_id = result.iterator_id
    else:
        qbwc.stage, qbwc.iterator_id, qbwc.sync_finished_at = "work", None, utcnow()


def _upsert_customer(session: Session, ret: qbxml.CustomerRet) -> None:
    customer = session.exec(select(Customer).where(Customer.list_id == ret.list_id)).first()
    customer = customer or Customer(list_id=ret.list_id, full_name=ret.full_name)
    customer.full_name, customer.is_active = ret.full_name, ret.is_active
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
