"""The opt-out "ERP Integrations Daily Summary": what waits for the approvers, once a day."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from erp_dashboard import config
from erp_dashboard.db import must_get, read_only, unit_of_work
from erp_dashboard.models import DailySummaryRun, ListCount, Project, User, utcnow
from erp_dashboard.names import JobList
from erp_dashboard.services import notifications
from erp_dashboard.services.permissions import Actor, Role

log = logging.getLogger(__name__)
WAITING = (JobList.READY_TO_EXPORT, JobList.READY_TO_UPDATE, JobList.FAILED_TO_EXPORT)
LISTED = 50  # project names listed per summary


def set_daily_summary(actor: Actor, wanted: bool) -> str:
    """An approver opts in or out of their own daily summary."""
    with unit_of_work() as session:
        user = must_get(session, User, actor.id)
        user.daily_summary = wanted
        session.add(user)
    return "You will get the daily summary." if wanted else "No more daily summaries."


def wants_daily_summary(actor: Actor) -> bool:
    """Whether the signed-in user gets the daily summary (approvers only get one)."""
    with read_only() as session:
        return actor.role is Role.APPROVER and must_get(session, User, actor.id).daily_summary


def write_summaries(day: date) -> int:
    """Queue today's summaries (once per day, across workers); returns how many."""
    try:
        with unit_of_work() as session:
            session.add(DailySummaryRun(day=day))
            session.flush()  # a second writer for the same day fails here
            counts = {
                c.erp_list: c.n
                for c in session.exec(select(ListCount).where(col(ListCount.erp_list).in_(WAITING)))
            }
            if not sum(counts.values()):
                return 0
            names = session.exec(
                select(Project.name, Project.erp_list)
                .where(col(Project.erp_list).in_(WAITING))
                .order_by(col(Project.erp_sent_at))
                .limit(LISTED)
            ).all()
            people = session.exec(
                select(User.email).where(
                    User.role == Role.APPROVER.value, User.is_active, User.daily_summary
                )
            ).all()
            notifications.queue_daily_summary(session, people, day, counts, names)
            return len(people)
    except IntegrityError:
        return 0


async def summary_loop(every_seconds: float = 600) -> None:
    """Once a day, after ERP_SUMMARY_HOUR (UTC, default 7), write the summaries."""
    hour = config.load().summary_hour
    while True:
        now: datetime = utcnow()
        if now.hour >= hour:
            try:
                written = await asyncio.to_thread(write_summaries, now.date())
            except Exception:  # keep the loop alive; tomorrow is another day
                log.exception("Daily summary failed")
            else:
                if written:
                    log.info("Daily summary written for %d approvers", written)
        await asyncio.sleep(every_seconds)
