"""App-wide background work started with the server."""

from __future__ import annotations

import asyncio
import logging

from erp_dashboard import config
from erp_dashboard.services import simulated_connector

log = logging.getLogger(__name__)


async def export_loop() -> None:
    """In simulator mode, keep draining the export queue into the simulated QuickBooks."""
    settings = config.load()
    if settings.qbd_mode != "simulator":
        return
    while True:
        try:
            sent = await asyncio.to_thread(simulated_connector.drain_once)
        except Exception:  # keep the loop alive; the item stays re-sendable
            log.exception("Simulated QuickBooks export failed")
            sent = 0
        if not sent:
            await asyncio.sleep(settings.export_poll_seconds)
