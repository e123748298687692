"""Our side of the QuickBooks Web Connector conversation (the SOAP layer calls this).

A session: authenticate → (sendRequestXML ↔ receiveResponseXML)* → closeConnection.
Each session first syncs customers when due (`imports` keeps what it reads); then,
message by message, it looks up items whose earlier attempt was lost (query by FullName;
adopt the job if QuickBooks has it) and re-reads stale EditSequences (query by ListID),
then sends queued adds and updates in batches. Sessions live in the database, so a restarted
server answers a ticket it issued before.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from erp_dashboard import config, qbxml
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import AppSetting, QbwcSession, WorkItem, utcnow
from erp_dashboard.names import QbwcStage, WorkKind, WorkStatus
from erp_dashboard.services import export_queue, imports
from erp_dashboard.services.wc_health import REFUSED_SIGN_IN, session_summary

log = logging.getLogger(__name__)

SERVER_VERSION = "ERP Integrations 1.0"
OLDEST_CLIENT = (2, 1)  # Web Connector 2.1 and later speak qbXML 13
SYNC_PAGE = 500
SYNC_ID = "customer-sync"
LOOKUP = "lookup-"  # a look-up's requestID: this, then its item's requestID
APPLY = {
    "CustomerAdd": export_queue.apply_add,
    "CustomerMod": export_queue.apply_mod,
    "CustomerQuery": export_queue.apply_lookup,
}
UNKNOWN_TICKET = "The session ticket is unknown or expired; the Web Connector will start a new one."
COMPANY_FILE, COMPANY_NAME = "qb_company_file", "qb_company_name"  # AppSetting keys
IDLE_SESSIONS_KEPT = timedelta(days=1)
NOTES_MAX = 4000
HRESULTS = {  # what the Web Connector's HRESULTs mean, for the person reading them
    qbxml.PARSE_ERROR_HRESULT: "QuickBooks could not read the request",
    qbxml.NO_CONNECTION_HRESULT: "The Web Connector could not reach QuickBooks",
    qbxml.UNEXPECTED_HRESULT: "QuickBooks hit an unexpected error",
    qbxml.CANNOT_START_HRESULT: (
        "The Web Connector could not start QuickBooks (is the company file open "
        "elsewhere, or QuickBooks not installed?)"
    ),
    qbxml.UNSUPPORTED_VERSION_HRESULT: (
        "This QuickBooks does not support the qbXML version of the request"
    ),
}


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def _item_id(result: qbxml.QBResult) -> str:
    """The requestID of the work item a response answers."""
    return result.request_id.removeprefix(LOOKUP)


def _unreadable(result: qbxml.QBResult) -> bool:
    """An answer whose outcome cannot be known: no status, a record that could not be read,
    or an add or update reported done without the job it made."""
    changed = result.kind in ("CustomerAdd", "CustomerMod") and result.ok
    return (
        result.status_code == qbxml.UNREADABLE_STATUS
        or bool(result.skipped)
        or (changed and not result.customers)
    )


def hresult_text(hresult: str, message: str) -> str:
    """An HRESULT from the Web Connector in plain words, with its code and message."""
    words = HRESULTS.get(hresult.strip().lower(), "QuickBooks could not process the request")
    return f"{words} ({hresult}): {message}".strip().rstrip(":")


def _note(qbwc: QbwcSession, *lines: str) -> None:
    """Keep what a session had to skip (bounded), for the health panel and the log."""
    qbwc.notes = "\n".join(filter(None, [qbwc.notes, *lines]))[:NOTES_MAX]


def _company_label(path: str, name: str) -> str:
    return " — ".join(filter(None, [name, path]))


def _setting(session: Session, key: str) -> str:
    row = session.get(AppSetting, key)
    return row.value if row else ""


def _same_file(a: str, b: str) -> bool:
    """Windows paths: case and slash direction do not matter."""
    return a.replace("/", "\\").casefold() == b.replace("/", "\\").casefold()


def company_problem(session: Session, settings: config.Settings, path: str, name: str) -> str:
    """Why this session's company file is not the one the app exports to ("" when it is).

    The first company file seen is recorded (path and CompanyName); QBWC_COMPANY_FILE, when
    set, names the expected file instead. Customers of two companies must never merge.
    """
    bound_path, bound_name = _setting(session, COMPANY_FILE), _setting(session, COMPANY_NAME)
    expected = settings.qbwc_company_file or bound_path
    wrong = bool(path and expected and not _same_file(path, expected))
    if not settings.qbwc_company_file:
        wrong |= bool(name and bound_name and name != bound_name)
    if wrong:
        bound = _company_label(expected, "" if settings.qbwc_company_file else bound_name)
        return (
            f"This session opened the QuickBooks company file “{_company_label(path, name)}”, "
            f"but ERP Integrations exports to “{bound}”. Nothing was read or sent. Open that "
            "company file in QuickBooks and run the Web Connector again"
            + ("." if settings.qbwc_company_file else " (or set QBWC_COMPANY_FILE).")
        )
    if (path or name) and (path, name) != (bound_path, bound_name):
        for key, value in ((COMPANY_FILE, path), (COMPANY_NAME, name)):
            if value:
                session.merge(AppSetting(key=key, value=value, at=utcnow()))
    return ""


def _forget_idle_sessions(session: Session, now: datetime) -> None:
    """Sessions that had nothing to do are kept a day (the health panel needs the latest)."""
    session.execute(
        delete(QbwcSession).where(
            col(QbwcSession.stage) == QbwcStage.IDLE,
            col(QbwcSession.created_at) < now - IDLE_SESSIONS_KEPT,
        )
    )


def _end_unfinished_sessions(session: Session, now: datetime) -> None:
    """A new sign-in means the Web Connector gave up on any session still open (it runs one
    at a time): end those now, so what they sent is looked up before it goes again, and a
    late call on their tickets is refused."""
    for row in session.exec(select(QbwcSession).where(col(QbwcSession.closed_at).is_(None))):
        row.closed_at = now
        _note(row, "Ended without closeConnection: a new Web Connector session began.")
        session.add(row)
    session.flush()


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
        """[ticket, ""] with work (or [ticket, company file] when one is configured, so a
        scheduled run opens it with QuickBooks closed), [ticket, "none"] without,
        [ticket, "nvu"] for bad credentials."""
        ticket = secrets.token_urlsafe(32)
        s = self.settings
        known = bool(s.qbwc_username and s.qbwc_password)
        ok = hmac.compare_digest(username.encode(), s.qbwc_username.encode()) & hmac.compare_digest(
            password.encode(), s.qbwc_password.encode()
        )
        if not (known and ok):
            log.warning("Web Connector sign-in refused for user %r", username[:60])
            with unit_of_work() as session:  # the health line tells the approvers
                session.merge(AppSetting(key=REFUSED_SIGN_IN, value=username[:60], at=utcnow()))
            return [ticket, "nvu"]
        now = utcnow()
        with unit_of_work() as session:
            _end_unfinished_sessions(session, now)
            export_queue.release_orphans(session, now)
            _forget_idle_sessions(session, now)
            sync = _sync_due(session, now, s.customer_sync_minutes)
            work = sync or export_queue.count(session, WorkStatus.QUEUED, due=now) > 0
            session.add(
                QbwcSession(
                    ticket_hash=_hash(ticket),
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + timedelta(minutes=s.qbwc_ticket_minutes),
                    stage=QbwcStage.SYNC if sync else (QbwcStage.WORK if work else QbwcStage.IDLE),
                    closed_at=None if work else now,
                )
            )
        return [ticket, s.qbwc_company_file if work else "none"]

    def _live(self, session: Session, ticket: str) -> QbwcSession | None:
        """The open session behind `ticket`; each call keeps it alive (sliding expiry)."""
        row = session.get(QbwcSession, _hash(ticket or ""))
        now = utcnow()
        if row is None or row.closed_at is not None or row.expires_at <= now:
            return None
        row.last_seen_at = now
        row.expires_at = now + timedelta(minutes=self.settings.qbwc_ticket_minutes)
        session.add(row)
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
        """The next qbXML request of this session, or "" when nothing is left (or the
        session cannot go on: getLastError then says why)."""
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is None:
                return ""
            if not qbwc.qbxml_version and not self._open(
                session, qbwc, hcp_response, company_file, major, minor
            ):
                qbwc.stage = QbwcStage.DONE
                return ""
            version = qbwc.qbxml_version
            if qbwc.stage == QbwcStage.SYNC:
                return qbxml.customer_query_rq(
                    SYNC_ID,
                    max_returned=SYNC_PAGE,
                    iterator="Continue" if qbwc.iterator_id else "Start",
                    iterator_id=qbwc.iterator_id,
                    active_status="All",
                    version=version,
                )
            claim = partial(
                export_queue.claim_batch, session, self.settings.qbwc_batch, qbwc.ticket_hash
            )
            if batch := claim(kind=WorkKind.ADD, verify=True):
                return qbxml.customer_lookup_rqs(
                    [(LOOKUP + c.request_id, c.full_name) for c in batch],
                    by="FullName",
                    version=version,
                )
            if batch := claim(kind=WorkKind.MOD, verify=True):
                return qbxml.customer_lookup_rqs(
                    [(LOOKUP + c.request_id, c.list_id) for c in batch],
                    by="ListID",
                    version=version,
                )
            if batch := claim(kind=WorkKind.ADD, verify=False):
                return qbxml.customer_add_rqs(
                    [(c.request_id, c.job) for c in batch], version=version
                )
            if batch := claim(kind=WorkKind.MOD, verify=False):
                return qbxml.customer_mod_rqs(
                    [(c.request_id, c.list_id, c.edit_sequence, c.job) for c in batch],
                    version=version,
                )
            qbwc.stage = QbwcStage.DONE
            return ""

    def _open(
        self,
        session: Session,
        qbwc: QbwcSession,
        hcp_response: str,
        company_file: str,
        major: int,
        minor: int,
    ) -> bool:
        """First request of a session: agree on a qbXML version QuickBooks listed and check
        the company file. False (with the reason in last_error) ends the session."""
        host = qbxml.parse_host_response(hcp_response)
        version = qbxml.negotiate_version(host.versions, major, minor)
        if version is None:
            spoken = ", ".join(host.versions) or f"{major}.{minor}"
            qbwc.last_error = (
                f"This QuickBooks ({host.product or 'version unknown'}) speaks qbXML {spoken}; "
                f"ERP Integrations needs qbXML {qbxml.MIN_QBXML_VERSION} or later. Nothing was "
                "sent. Update QuickBooks Desktop, then run the Web Connector again."
            )
            log.warning("Web Connector session refused: %s", qbwc.last_error)
            return False
        if problem := company_problem(session, self.settings, company_file, host.company_name):
            qbwc.last_error = problem
            log.warning("Web Connector session refused: %s", problem)
            return False
        qbwc.qbxml_version = version
        qbwc.company_file = _company_label(company_file, host.company_name)
        return True

    def receive_response_xml(self, ticket: str, response: str, hresult: str, message: str) -> int:
        """Apply QuickBooks' answers; percent done (100 = finished), negative on error."""
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is None:
                return -1
            if hresult:
                qbwc.last_error = hresult_text(hresult, message)
                self._unanswered(session, qbwc, qbwc.last_error)
                return -1
            try:
                results = qbxml.parse_response(response)
            except qbxml.QBXMLError as err:
                log.warning("Unreadable QuickBooks response (%s): %.500r", err, response)
                self._unanswered(session, qbwc, f"the response could not be read: {err}")
                return self._progress(session, qbwc)
            waiting = export_queue.in_flight(session, [_item_id(r) for r in results])
            for result in results:
                self._apply(session, qbwc, result, waiting.get(_item_id(result)))
            if qbwc.stage != QbwcStage.SYNC:  # what this batch left unanswered is looked up again
                self._unanswered(session, qbwc, "QuickBooks did not answer it")
            return self._progress(session, qbwc)

    def _unanswered(self, session: Session, qbwc: QbwcSession, reason: str) -> None:
        """No readable answer came: a customer-sync page is skipped (exports go on); items
        sent in this session are looked up again before they are re-sent (bounded)."""
        if qbwc.stage == QbwcStage.SYNC:
            _note(qbwc, f"Customers were not refreshed: {reason}")
            qbwc.stage, qbwc.iterator_id = QbwcStage.WORK, None
            return
        qbwc.failed += export_queue.requeue_unanswered(session, qbwc.ticket_hash, reason)

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
        elif kind in APPLY and _unreadable(result):  # the sweep after the batch looks it up
            log.warning(
                "Unreadable %sRs %r: %s", kind, request_id, result.skipped or result.message
            )
        elif kind in APPLY:
            outcome = APPLY[kind](session, result, item)
            qbwc.exported += outcome == export_queue.Applied.DONE
            qbwc.failed += outcome == export_queue.Applied.FAILED
            qbwc.retrying += outcome == export_queue.Applied.RETRY
        else:
            log.warning("Ignored %sRs %r (%s)", kind, request_id, result.message)

    def _progress(self, session: Session, qbwc: QbwcSession) -> int:
        if qbwc.stage == QbwcStage.SYNC:
            return 5
        waiting = export_queue.count(session, WorkStatus.QUEUED, due=utcnow())
        done = qbwc.exported + qbwc.failed + qbwc.retrying
        if waiting == 0 and export_queue.count(session, WorkStatus.SENT, qbwc.ticket_hash) == 0:
            qbwc.stage = QbwcStage.DONE
            return 100
        return max(1, min(99, 100 * done // max(1, done + waiting)))

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        """QuickBooks could not be opened: record why and end the session."""
        with unit_of_work() as session:
            qbwc = self._live(session, ticket)
            if qbwc is not None:
                qbwc.last_error = hresult_text(hresult, message)
                qbwc.closed_at = utcnow()
                session.add(qbwc)
        return "done"

    def get_last_error(self, ticket: str) -> str:
        """The message the Web Connector shows its user: what went wrong, in plain words."""
        with unit_of_work() as session:
            qbwc = session.get(QbwcSession, _hash(ticket or ""))
            if qbwc is None:
                return UNKNOWN_TICKET
            return session_summary(qbwc)

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
            summary = session_summary(qbwc)
            if qbwc.failed:
                summary += " See Failed To Export (or Ready To Update) on the Jobs tab."
            return summary


def _apply_sync(session: Session, qbwc: QbwcSession, result: qbxml.QBResult) -> None:
    """One page of the customer sync: its customers and jobs to `imports`, its progress and
    the records it skipped to the session."""
    if not result.ok:
        _note(qbwc, f"Customers were not refreshed: {result.message} ({result.status_code})")
        qbwc.stage, qbwc.iterator_id = QbwcStage.WORK, None
        return
    for problem in result.skipped:
        log.warning("Customer sync skipped a record: %s", problem)
    qbwc.skipped += len(result.skipped)
    _note(qbwc, *(f"Skipped a customer record: {problem}" for problem in result.skipped))
    imports.discover(session, result.customers, qbwc.created_at)
    if result.iterator_remaining and result.iterator_id:
        qbwc.iterator_id = result.iterator_id
        return
    qbwc.stage, qbwc.iterator_id, qbwc.sync_finished_at = QbwcStage.WORK, None, utcnow()
    if not qbwc.skipped:  # every customer was read: those not listed are gone from QuickBooks
        imports.retire_customers(session, qbwc.created_at)
