"""The simulated Web Connector the app runs beside itself (QBD_MODE=simulator only)."""

from __future__ import annotations

import asyncio
import logging

from reflex.config import get_config

from erp_dashboard import config
from erp_dashboard.db import advisory_lock
from erp_dashboard.simulator.quickbooks import QuickBooksSimulator
from erp_dashboard.simulator.web_connector import run_session

log = logging.getLogger(__name__)
SIMULATOR_LOCK = 7_202_612  # PostgreSQL advisory lock: one simulated Web Connector at a time


def _session(url: str, quickbooks: QuickBooksSimulator) -> str:
    settings = config.load()
    with advisory_lock(SIMULATOR_LOCK, wait=False) as mine:
        if not mine:
            return ""
        report = run_session(
            url, settings.qbwc_username, settings.qbwc_password, simulator=quickbooks
        )
        return report.summary()


async def simulated_web_connector() -> None:
    """Play the QuickBooks Web Connector against our own /qbwc over HTTP, every few seconds."""
    settings = config.load()
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
