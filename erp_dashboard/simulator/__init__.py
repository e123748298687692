"""A QuickBooks Desktop simulator whose company file lives in the app database."""

from erp_dashboard.simulator.company import SimListItem, SimulatorStatusError
from erp_dashboard.simulator.quickbooks import (
    QuickBooksSimulator,
    SimulatorParseError,
    add_customer,
)

__all__ = [
    "QuickBooksSimulator",
    "SimListItem",
    "SimulatorParseError",
    "SimulatorStatusError",
    "add_customer",
]
