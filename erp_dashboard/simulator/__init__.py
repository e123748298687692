"""A QuickBooks Desktop simulator whose company file lives in the app database."""

from erp_dashboard.simulator.company import SimListItem, SimulatorStatusError, SimulatorTable
from erp_dashboard.simulator.quickbooks import (
    BAD_RECORD_KINDS,
    SUPPORTED_QBXML_VERSIONS,
    Faults,
    QuickBooksSimulator,
    SimulatorParseError,
    SimulatorVersionError,
    add_customer,
)

__all__ = [
    "BAD_RECORD_KINDS",
    "SUPPORTED_QBXML_VERSIONS",
    "Faults",
    "QuickBooksSimulator",
    "SimListItem",
    "SimulatorParseError",
    "SimulatorStatusError",
    "SimulatorTable",
    "SimulatorVersionError",
    "add_customer",
]
