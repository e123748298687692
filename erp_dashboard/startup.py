"""Bringing the database to the current schema (and demo data, when asked) at start."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from erp_dashboard import config
from erp_dashboard.config import ROOT
from erp_dashboard.db import advisory_lock
from erp_dashboard.services import demo_seed

STARTUP_LOCK = 7_202_611  # PostgreSQL advisory lock: one worker prepares at a time


def migrate() -> None:
    """Upgrade the configured database to the newest Alembic revision."""
    command.upgrade(Config(str(ROOT / "alembic.ini")), "head")


def prepare_database() -> None:
    """Migrate; seed demo data when ERP_DEMO_DATA=1 and the database is empty."""
    with advisory_lock(STARTUP_LOCK):
        migrate()
        if config.load().demo_data:
            demo_seed.seed()
