"""Drains the export queue straight into the QuickBooks simulator.

It stands where the Web Connector will: claim a batch, send its qbXML, apply
the qbXML response, each step its own transaction, as over the real wire.
"""

from __future__ import annotations

from erp_dashboard import qbxml
from erp_dashboard.db import unit_of_work
from erp_dashboard.services import export_queue
from erp_dashboard.simulator.quickbooks import QuickBooksSimulator

BATCH_SIZE = 100
_simulator = QuickBooksSimulator()


def drain_once(batch_size: int = BATCH_SIZE) -> int:
    """Send one batch of queued work to the simulator; returns how many were sent."""
    with unit_of_work() as session:
        batch = export_queue.claim_batch(session, batch_size)
    if not batch:
        return 0
    request = qbxml.customer_add_rqs(batch)
    with unit_of_work() as session:
        response = _simulator.handle(session, request)
    with unit_of_work() as session:
        export_queue.apply_response(session, response)
    return len(batch)


def drain_all() -> int:
    """Send batches until the queue is empty; returns how many items were sent."""
    total = 0
    while sent := drain_once():
        total += sent
    return total
