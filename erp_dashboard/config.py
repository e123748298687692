"""Settings read from the environment (12-factor); no secrets live in the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = f"sqlite:///{ROOT / 'data' / 'erp.db'}"


QBD_MODES = ("webconnector", "simulator")


class ConfigError(RuntimeError):
    """A setting the app cannot start with; the message names it and what is allowed."""


def _qbd_mode(demo_data: bool) -> str:
    """Who plays the Web Connector: the real one unless the simulator is asked for, by
    QBD_MODE=simulator or by demo data (fail closed: a production start never exports
    into the simulated company)."""
    mode = os.environ.get("QBD_MODE", "").strip()
    if not mode:
        return "simulator" if demo_data else "webconnector"
    if mode not in QBD_MODES:
        raise ConfigError(
            f"QBD_MODE={mode[:40]!r} is not a mode: set QBD_MODE=webconnector (a real "
            "QuickBooks Web Connector calls /qbwc) or QBD_MODE=simulator (the app plays it "
            "against a simulated QuickBooks), or leave it unset (webconnector, or simulator "
            "with ERP_DEMO_DATA=1)."
        )
    return mode


def public_origin() -> str | None:
    """ERP_PUBLIC_URL's origin as a browser sends it (`https://host`, a port only when not
    the scheme's default); None when the variable is unset."""
    raw = os.environ.get("ERP_PUBLIC_URL", "").strip()
    if not raw:
        return None
    url = urlsplit(raw)
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    if default_port is None or not url.hostname:
        raise ConfigError(f"ERP_PUBLIC_URL={raw[:80]!r} is not an http(s) address.")
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    port = f":{url.port}" if url.port not in (None, default_port) else ""
    return f"{url.scheme}://{host}{port}"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


MAX_IDLE_MINUTES = 525_600  # a year; far more would overflow the date arithmetic


def _idle_minutes() -> int:
    """ERP_SESSION_IDLE_MINUTES: a whole number of minutes from 1 to a year (default 120)."""
    raw = os.environ.get("ERP_SESSION_IDLE_MINUTES", "").strip()
    if not raw:
        return 120
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_IDLE_MINUTES):
        raise ConfigError(
            f"ERP_SESSION_IDLE_MINUTES={raw[:40]!r} is not a number of minutes: set a whole "
            f"number from 1 to {MAX_IDLE_MINUTES} (e.g. ERP_SESSION_IDLE_MINUTES=120), or "
            "leave it unset (120)."
        )
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """What the service layer needs to know about its environment."""

    db_url: str
    demo_data: bool
    session_hours: int
    session_idle_minutes: int
    qbd_mode: str
    qbwc_username: str
    qbwc_password: str
    qbwc_ticket_minutes: int
    qbwc_batch: int
    qbwc_run_every_minutes: int
    qbwc_company_file: str
    customer_sync_minutes: int
    simulator_every_seconds: float
    public_url: str


def load() -> Settings:
    """Read the settings afresh from the environment."""
    demo_data = os.environ.get("ERP_DEMO_DATA", "") == "1"
    return Settings(
        db_url=os.environ.get("REFLEX_DB_URL") or DEFAULT_DB_URL,
        demo_data=demo_data,
        session_hours=_int("ERP_SESSION_HOURS", 12),
        session_idle_minutes=_idle_minutes(),
        qbd_mode=_qbd_mode(demo_data),
        qbwc_username=os.environ.get("QBWC_USERNAME", ""),
        qbwc_password=os.environ.get("QBWC_PASSWORD", ""),
        qbwc_ticket_minutes=_int("QBWC_TICKET_MINUTES", 30),
        qbwc_batch=_int("QBWC_BATCH", 200),
        qbwc_run_every_minutes=_int("QBWC_RUN_EVERY_MINUTES", 5),
        qbwc_company_file=os.environ.get("QBWC_COMPANY_FILE", "").strip(),
        customer_sync_minutes=_int("ERP_CUSTOMER_SYNC_MINUTES", 15),
        simulator_every_seconds=float(os.environ.get("ERP_SIMULATOR_SECONDS", "2")),
        public_url=os.environ.get("ERP_PUBLIC_URL", "http://localhost:3000").rstrip("/"),
    )
