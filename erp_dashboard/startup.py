"""Bringing the database to the current schema (and demo data, when asked) at start."""

from __future__ import annotations

from collections.abc import Callable

from alembic.config import Config

from alembic import command
from erp_dashboard.config import ROOT
from erp_dashboard.db import advisory_lock

STARTUP_LOCK = 7_202_611  # PostgreSQL advisory lock: one worker prepares at a time


def migrate() -> None:
    """Upgrade the configured database to the newest Alembic revision."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["upgrade_only"] = True  # env.py: leave the simulator unloaded
    command.upgrade(config, "head")


def prepare_database(seed: Callable[[], None] | None = None) -> None:
    """Migrate, then run `seed` (the demo data, when the app asks for it), one worker at a time."""
    with advisory_lock(STARTUP_LOCK):
        migrate()
        if seed is not None:
            seed()
