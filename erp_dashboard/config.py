"""Settings read from the environment (12-factor); no secrets live in the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = f"sqlite:///{ROOT / 'data' / 'erp.db'}"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


@dataclass(frozen=True)
class Settings:
    """What the service layer needs to know about its environment."""

    db_url: str
    redis_url: str | None
    demo_data: bool
    session_hours: int
    qbd_mode: str
    export_poll_seconds: float


def load() -> Settings:
    """Read the settings afresh from the environment."""
    return Settings(
        db_url=os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL,
        redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
        demo_data=os.environ.get("ERP_DEMO_DATA", "") == "1",
        session_hours=_int("ERP_SESSION_HOURS", 12),
        qbd_mode=os.environ.get("QBD_MODE", "simulator"),
        export_poll_seconds=float(os.environ.get("ERP_EXPORT_POLL_SECONDS", "0.5")),
    )
