"""Web Connector health: when it last connected, how its last working session ended, and
whether exports are waiting longer than its schedule allows.

One snapshot serves every open Jobs tab of a worker (the change feed reads it once per
change, not once per tab); it holds only text and numbers, minute-precise, so it changes
when something a person would notice changes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from erp_dashboard import config
from erp_dashboard.db import read_only
from erp_dashboard.models import AppSetting, QbwcSession, WorkItem, utcnow
from erp_dashboard.names import QbwcStage, WorkStatus

REFUSED_SIGN_IN = "qbwc_refused_sign_in"  # AppSetting: the latest refused Web Connector sign-in
GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Health:
    """What the Jobs tab shows about the Web Connector (all text, for the page)."""

    connected_at: str = ""  # ISO 8601 UTC to the minute; "" = never connected
    summary: str = ""  # how the last session that had work ended, in plain words
    ok: bool = True  # False when that session ended with an error
    waiting: int = 0  # exports and updates not yet answered by QuickBooks
    busy: int = 0  # of those, how many QuickBooks was too busy for (retried later)
    warning: str = ""  # set when people must act: the Web Connector is overdue
    company: str = ""  # the company file and qbXML version of the last session


def _minute(value: datetime | None) -> str:
    return "" if value is None else value.replace(second=0, microsecond=0).isoformat()


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours ago"
    return f"{hours // 24} days ago"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def expected_interval() -> timedelta:
    """How often the Web Connector should connect (its schedule, or the simulator's)."""
    s = config.load()
    if s.qbd_mode == "simulator":
        return timedelta(seconds=s.simulator_every_seconds)
    return timedelta(minutes=s.qbwc_run_every_minutes)


def session_summary(row: QbwcSession) -> str:
    """How a session ended, in the words the Jobs tab and the Web Connector both use."""
    parts = []
    if row.exported:
        parts.append(f"exported {row.exported}")
    if row.failed:
        parts.append(f"refused {row.failed}")
    if row.retrying:
        parts.append(f"{row.retrying} to retry (QuickBooks was busy)")
    if row.skipped:
        parts.append(f"skipped {_plural(row.skipped, 'unreadable customer record')}")
    text = "; ".join(parts)
    text = f"{text[:1].upper()}{text[1:]}." if text else ""
    if row.last_error:
        text = f"{text} {row.last_error}".strip()
    return text or "Customers synced; nothing else to do."


def _waiting(session: Session) -> tuple[int, int]:
    """Work items QuickBooks has not answered yet, and of those the ones it was busy for."""
    unanswered = select(func.count()).where(
        col(WorkItem.status).in_((WorkStatus.QUEUED, WorkStatus.SENT))
    )
    waiting = session.exec(unanswered).one()
    busy = session.exec(unanswered.where(WorkItem.attempts > 0)).one() if waiting else 0
    return waiting, busy


def snapshot(now: datetime | None = None) -> Health:
    """The Web Connector's health as of `now`."""
    now = now or utcnow()
    with read_only() as session:
        last = session.exec(
            select(QbwcSession.created_at, QbwcSession.last_seen_at)
            .order_by(col(QbwcSession.created_at).desc())
            .limit(1)
        ).first()
        worked = session.exec(
            select(QbwcSession)
            .where(QbwcSession.stage != QbwcStage.IDLE)
            .order_by(col(QbwcSession.created_at).desc())
            .limit(1)
        ).first()
        waiting, busy = _waiting(session)
        refused = session.get(AppSetting, REFUSED_SIGN_IN)
    connected = None
    if last is not None:
        created_at, last_seen_at = last
        connected = last_seen_at or created_at
    health = Health(
        connected_at=_minute(connected),
        summary=session_summary(worked) if worked else "",
        ok=not (worked and worked.last_error),
        waiting=waiting,
        busy=busy,
        company=(
            f"{worked.company_file} (qbXML {worked.qbxml_version})"
            if worked and worked.company_file and worked.qbxml_version
            else ""
        ),
    )
    if refused is not None and (connected is None or refused.at > connected):
        return dataclasses.replace(
            health,
            ok=False,
            warning=f"The Web Connector tried to connect {_ago(now - refused.at)} as "
            f"“{refused.value}”, and its user name or password was refused. Enter the password "
            "(QBWC_PASSWORD) for this application in the Web Connector on the QuickBooks computer.",
        )
    overdue = expected_interval() * 2 + GRACE
    if waiting and (connected is None or now - connected > overdue):
        since = (
            "has never connected"
            if connected is None
            else f"last connected {_ago(now - connected)}"
        )
        every = expected_interval()
        schedule = (
            f"every {_plural(int(every.total_seconds() // 60), 'minute')}"
            if every >= timedelta(minutes=1)
            else f"every {_plural(int(every.total_seconds()), 'second')}"
        )
        health = dataclasses.replace(
            health,
            warning=f"{_plural(waiting, 'export')} waiting; the Web Connector {since} "
            f"(it should connect {schedule}). Check that QuickBooks and the Web Connector "
            "are running on the QuickBooks computer.",
        )
    return health
