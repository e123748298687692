"""App-wide background work started with the server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from reflex.config import get_config
from sqlalchemy import func, select

from erp_dashboard import config
from erp_dashboard.db import engine
from erp_dashboard.simulator.quickbooks import QuickBooksSimulator
from erp_dashboard.simulator.web_connector import run_session

log = logging.getLogger(__name__)
SIMULATOR_LOCK = 7_202_612  # PostgreSQL advisory lock: one simulated Web Connector at a time


@contextmanager
def _one_worker() -> Iterator[bool]:
    """True in the one worker that may run a session now (SQLite runs one worker)."""
    if engine().dialect.name != "postgresql":
        yield True
        return
    with engine().connect() as conn:
        won = conn.execute(select(func.pg_try_advisory_lock(SIMULATOR_LOCK))).scalar()
        try:
            yield bool(won)
        finally:
            if won:
                conn.execute(select(func.pg_advisory_unlock(SIMULATOR_LOCK)))
            conn.commit()


def _session(url: str, quickbooks: QuickBooksSimulator) -> str:
    settings = config.load()
    with _one_worker() as mine:
        if not mine:
            return ""
        report = run_session(
            url, settings.qbwc_username, settings.qbwc_password, simulator=quickbooks
        )
        return report.summary()


async def simulated_web_connector() -> None:
    """In simulator mode, play the QuickBooks Web Connector against our own /qbwc over HTTP."""
    settings = config.load()
    if settings.qbd_mode != "simulator":
        return
    url = f"http://127.0.0.1:{get_config().backend_port}/qbwc"
    quickbooks = QuickBooksSimulator()
    while True:
        await asyncio.sleep(settings.simulator_every_seconds)
        try:
            summary = await asyncio.to_thread(_session, url, quickbooks)
        except Exception:  # keep the loop alive; the next session verifies what was lost
            log.exception("Simulated Web Connector session failed")
        else:
            if summary:
                log.info("Simulated Web Connector: %s", summary)
