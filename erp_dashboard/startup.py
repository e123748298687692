"""Bringing the database to the current schema (and demo data, when asked) at start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.config import Config
from sqlalchemy import text

from alembic import command
from erp_dashboard import config
from erp_dashboard.config import ROOT
from erp_dashboard.db import engine
from erp_dashboard.services import demo_seed

STARTUP_LOCK = 7_202_611  # PostgreSQL advisory lock: one worker prepares at a time


@contextmanager
def _exclusive() -> Iterator[None]:
    """Serialise start-up work across workers (SQLite runs a single worker)."""
    if engine().dialect.name != "postgresql":
        yield
        return
    with engine().connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": STARTUP_LOCK})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": STARTUP_LOCK})
            conn.commit()


def migrate() -> None:
    """Upgrade the configured database to the newest Alembic revision."""
    command.upgrade(Config(str(ROOT / "alembic.ini")), "head")


def prepare_database() -> None:
    """Migrate; seed demo data when ERP_DEMO_DATA=1 and the database is empty."""
    with _exclusive():
        migrate()
        if config.load().demo_data:
            demo_seed.seed()
