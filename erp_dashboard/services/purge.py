"""Forget what is no longer needed: old sign-in throttle rows, expired or idle sessions, and
the Web Connector's idle polls (the newest one stays: the health line shows when it last came)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import col, func, select

from erp_dashboard import config
from erp_dashboard.db import rows_changed, unit_of_work
from erp_dashboard.models import LoginThrottle, QbwcSession, UserSession, utcnow
from erp_dashboard.names import QbwcStage
from erp_dashboard.services import throttle
from erp_dashboard.services.auth import idle_since

log = logging.getLogger(__name__)
IDLE_POLLS_KEPT = timedelta(days=30)


def purge(now: datetime | None = None) -> dict[str, int]:
    """Delete stale rows in one transaction; returns how many of each kind."""
    now, idle_minutes = now or utcnow(), config.load().session_idle_minutes
    with unit_of_work() as session:
        newest = session.exec(select(func.max(QbwcSession.created_at))).one()
        idle_before = min(now - IDLE_POLLS_KEPT, newest) if newest else now
        deleted = {
            "login_throttle": delete(LoginThrottle).where(
                col(LoginThrottle.last_failure_at) < now - throttle.KEPT
            ),
            "user_session": delete(UserSession).where(
                or_(
                    col(UserSession.expires_at) <= now,
                    col(UserSession.last_seen_at) <= idle_since(now, idle_minutes),
                )
            ),
            "qbwc_session": delete(QbwcSession).where(
                col(QbwcSession.stage) == QbwcStage.IDLE, col(QbwcSession.created_at) < idle_before
            ),
        }
        return {table: rows_changed(session, query) for table, query in deleted.items()}


async def purge_loop(every_seconds: float = 3600) -> None:
    """Purge once an hour (each worker; deleting twice is harmless)."""
    while True:
        try:
            counts = await asyncio.to_thread(purge)
        except Exception:  # keep the loop alive; the next hour tries again
            log.exception("Purging old rows failed")
        else:
            if any(counts.values()):
                log.info("Purged old rows: %s", counts)
        await asyncio.sleep(every_seconds)
