"""One change feed per backend worker process, fanned out in memory to that worker's tabs.

Two signals: "projects" (something a list or row shows changed) and "health" (the Web
Connector health snapshot changed). On PostgreSQL the feed LISTENs on `erp_change`
(triggers of migration 0010 notify it); on SQLite it polls one cheap revision query.
Either way the database is read once per worker, however many tabs wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import time

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from erp_dashboard import config
from erp_dashboard.db import read_only
from erp_dashboard.models import ErpEvent, Project, QbJob, QbwcSession, WorkItem
from erp_dashboard.services import wc_health
from erp_dashboard.services.wc_health import Health

log = logging.getLogger(__name__)

CHANNEL = "erp_change"
PROJECTS, HEALTH = "projects", "health"
POLL_SECONDS = 0.5  # SQLite: how often the worker reads the revision
HEALTH_SECONDS = 15.0  # the health snapshot is re-read at least this often ("overdue" ages)
MAX_BACKOFF_SECONDS = 10.0
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5}


@dataclasses.dataclass(frozen=True)
class Mark:
    """How far a waiter has read: the projects counter and the health it last saw."""

    projects: int = 0
    health: Health | None = None


@dataclasses.dataclass(frozen=True)
class Change:
    """What changed since a mark: projects (reload the page) and/or the new health."""

    projects: bool
    health: Health | None


class ChangeFeed:
    """The latest signals of one worker, and the waiters woken when they change."""

    def __init__(self, poll_seconds: float = POLL_SECONDS) -> None:
        self.poll_seconds = poll_seconds
        self._mark = Mark()
        self._projects_at = -math.inf
        self._wakeup = asyncio.Event()

    def mark(self) -> Mark:
        """The current mark: what a new waiter has already seen."""
        return self._mark

    def changed_within(self, seconds: float) -> bool:
        """Whether projects changed in the last `seconds` (a new tab may have read too early)."""
        return time.monotonic() - self._projects_at < seconds

    async def next(self, mark: Mark, timeout: float) -> tuple[Change | None, Mark]:
        """Wait until the feed moves past `mark` (or `timeout`); the change and the new mark."""
        wakeup = self._wakeup
        if self._mark == mark:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout)
        new = self._mark
        if new == mark:
            return None, mark
        health = new.health if new.health != mark.health else None
        return Change(new.projects != mark.projects, health), new

    def publish(self, *, projects: bool = False, health: Health | None = None) -> None:
        """Record a change and wake every waiter (health only when it differs)."""
        mark = self._mark
        if projects:
            mark = dataclasses.replace(mark, projects=mark.projects + 1)
            self._projects_at = time.monotonic()
        if health is not None and health != mark.health:
            mark = dataclasses.replace(mark, health=health)
        if mark != self._mark:
            self._mark = mark
            self._wakeup.set()
            self._wakeup = asyncio.Event()

    async def refresh_health(self) -> None:
        """Re-read the health snapshot (in a worker thread) and publish it if it changed."""
        self.publish(health=await asyncio.to_thread(wc_health.snapshot))

    async def run(self) -> None:
        """Follow the configured database until cancelled."""
        url = config.load().db_url
        if make_url(url).get_backend_name() == "postgresql":
            await self._listen(url.replace("+psycopg", "", 1))
        else:
            await self._poll()

    async def _poll(self) -> None:
        """SQLite: read one revision row per interval; re-read health when it moves."""
        last, health_at = None, -math.inf
        while True:
            try:
                projects, sessions = await asyncio.to_thread(revision)
                if last is not None and projects != last[0]:
                    self.publish(projects=True)
                stale = time.monotonic() - health_at >= HEALTH_SECONDS
                if last is None or (projects, sessions) != last or stale:
                    await self.refresh_health()
                    health_at = time.monotonic()
                last = projects, sessions
            except Exception:  # the database may be away for a moment; keep polling
                log.exception("Change feed poll failed")
            await asyncio.sleep(self.poll_seconds)

    async def _listen(self, url: str) -> None:
        """PostgreSQL: LISTEN, reconnecting with backoff; after a reconnect, re-read."""
        backoff, first = 0.5, True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    url, autocommit=True, application_name="erp-change-feed", **KEEPALIVE
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.publish(projects=not first)  # what happened while away
                    await self.refresh_health()
                    first, backoff = False, 0.5
                    await self._follow(conn)
            except Exception:  # connection lost or database away: reconnect, then re-read
                log.warning(
                    "Change feed lost PostgreSQL; reconnecting in %.1f s", backoff, exc_info=True
                )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _follow(self, conn: psycopg.AsyncConnection) -> None:
        health_at = time.monotonic()
        while True:
            wait = max(0.0, health_at + HEALTH_SECONDS - time.monotonic())
            async for note in conn.notifies(timeout=wait, stop_after=1):
                if note.payload == PROJECTS:
                    self.publish(projects=True)
            await self.refresh_health()  # on any signal (work items change its counts too)
            health_at = time.monotonic()


def revision() -> tuple[tuple, tuple]:
    """SQLite: (what lists show, the latest Web Connector session) in one cheap query."""
    latest = (
        select(QbwcSession.created_at, QbwcSession.last_seen_at)
        .order_by(QbwcSession.created_at.desc())
        .limit(1)
        .subquery()
    )
    columns = [
        select(func.max(ErpEvent.id)),
        select(func.max(WorkItem.id)),
        select(func.max(WorkItem.sent_at)),
        select(func.max(WorkItem.done_at)),
        select(func.max(QbJob.id)),
        select(func.max(QbJob.erp_changed_at)),
        select(func.max(Project.id)),
        select(latest.c.created_at),
        select(latest.c.last_seen_at),
    ]
    with read_only() as session:
        row = session.execute(select(*(c.scalar_subquery() for c in columns))).one()
    return tuple(row[:7]), tuple(row[7:])


FEED = ChangeFeed()


async def run_change_feed() -> None:
    """Lifespan task: this worker's feed."""
    await FEED.run()
