"""Settings read once from the environment (12-factor); no secrets live in the repo."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = f"sqlite:///{ROOT / 'data' / 'erp.db'}"


QBD_MODES = ("webconnector", "simulator")
MAX_IDLE_MINUTES = 525_600  # a year; far more would overflow the date arithmetic
# Credentials are taken as they are, spaces included.
VERBATIM = frozenset({"QBWC_USERNAME", "QBWC_PASSWORD", "SMTP_USERNAME", "SMTP_PASSWORD"})
WHOLE = "a whole number"


class ConfigError(RuntimeError):
    """A setting the app cannot start with; the message names it and what is allowed."""


def _origin(url: str) -> str | None:
    """An http(s) URL's origin as a browser sends it (`https://host`, a port only when not
    the scheme's default); None when `url` is not such an address."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed host or port
        return None
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if default_port is None or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{f':{port}' if port not in (None, default_port) else ''}"


class Settings(BaseSettings):
    """Every setting the app reads, each from the environment variable its alias names.

    Surrounding spaces do not count (except in credentials) and a blank variable is unset.
    A number that pydantic refuses is reported with its field's `description`; the
    validators below word their own messages.
    """

    # Defaults are taken as they are; qbd_mode and smtp_from ask for their check by name.
    model_config = SettingsConfigDict(case_sensitive=True, frozen=True, validate_default=False)

    db_url: str = Field(DEFAULT_DB_URL, alias="REFLEX_DB_URL")
    demo_data: bool = Field(False, alias="ERP_DEMO_DATA")
    session_hours: int = Field(12, alias="ERP_SESSION_HOURS", description=WHOLE)
    session_idle_minutes: int = Field(120, alias="ERP_SESSION_IDLE_MINUTES")
    qbd_mode: str = Field("", alias="QBD_MODE", validate_default=True)
    qbwc_username: str = Field("", alias="QBWC_USERNAME")
    qbwc_password: str = Field("", alias="QBWC_PASSWORD")
    qbwc_app_url: str = Field("", alias="QBWC_APP_URL")
    qbwc_ticket_minutes: int = Field(30, alias="QBWC_TICKET_MINUTES", description=WHOLE)
    qbwc_batch: int = Field(200, alias="QBWC_BATCH", description=WHOLE)
    qbwc_run_every_minutes: int = Field(5, alias="QBWC_RUN_EVERY_MINUTES", description=WHOLE)
    qbwc_company_file: str = Field("", alias="QBWC_COMPANY_FILE")
    customer_sync_minutes: int = Field(15, alias="ERP_CUSTOMER_SYNC_MINUTES", description=WHOLE)
    simulator_every_seconds: float = Field(
        2.0, alias="ERP_SIMULATOR_SECONDS", description="a number of seconds"
    )
    public_url: str = Field("http://localhost:3000", alias="ERP_PUBLIC_URL")
    summary_hour: int = Field(
        7, ge=0, le=23, alias="ERP_SUMMARY_HOUR", description="an hour (UTC) from 0 to 23"
    )
    smtp_host: str = Field("", alias="SMTP_HOST")
    smtp_port: int | None = Field(
        None, ge=1, le=65_535, alias="SMTP_PORT", description="a port from 1 to 65535"
    )
    smtp_starttls: bool = Field(False, alias="SMTP_STARTTLS")
    smtp_username: str = Field("", alias="SMTP_USERNAME")
    smtp_password: str = Field("", alias="SMTP_PASSWORD")
    smtp_from: str = Field("", alias="SMTP_FROM", validate_default=True)
    smtp_timeout: float = Field(
        10.0,
        gt=0,
        allow_inf_nan=False,
        alias="SMTP_TIMEOUT",
        description="a number of seconds above 0",
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, env: dict[str, str]) -> dict[str, str]:
        """The variables set, without surrounding spaces (but in `VERBATIM`)."""
        values = {name: v if name in VERBATIM else v.strip() for name, v in env.items()}
        return {name: v for name, v in values.items() if v != ""}

    @field_validator("demo_data", mode="before")
    @classmethod
    def _demo_data(cls, raw: str) -> bool:
        """ERP_DEMO_DATA=1 asks for demo data; any other value does not."""
        return raw == "1"

    @field_validator("smtp_starttls", mode="before")
    @classmethod
    def _starttls(cls, raw: str) -> bool:
        """SMTP_STARTTLS=1 or true (any case) turns it on; any other value does not."""
        return raw.lower() in ("1", "true")

    @field_validator("session_idle_minutes", mode="before")
    @classmethod
    def _idle_minutes(cls, raw: str) -> int:
        """ERP_SESSION_IDLE_MINUTES: a whole number of minutes from 1 to a year."""
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_IDLE_MINUTES):
            raise ValueError(
                f"ERP_SESSION_IDLE_MINUTES={raw[:40]!r} is not a number of minutes: set a whole "
                f"number from 1 to {MAX_IDLE_MINUTES} (e.g. ERP_SESSION_IDLE_MINUTES=120), or "
                "leave it unset (120)."
            )
        return int(raw)

    @field_validator("qbd_mode")
    @classmethod
    def _qbd_mode(cls, mode: str, info: ValidationInfo) -> str:
        """Who plays the Web Connector: the real one unless the simulator is asked for, by
        QBD_MODE=simulator or by demo data (fail closed: a production start never exports
        into the simulated company)."""
        if not mode:
            return "simulator" if info.data["demo_data"] else "webconnector"
        if mode not in QBD_MODES:
            raise ValueError(
                f"QBD_MODE={mode[:40]!r} is not a mode: set QBD_MODE=webconnector (a real "
                "QuickBooks Web Connector calls /qbwc) or QBD_MODE=simulator (the app plays it "
                "against a simulated QuickBooks), or leave it unset (webconnector, or simulator "
                "with ERP_DEMO_DATA=1)."
            )
        return mode

    @field_validator("public_url")
    @classmethod
    def _http_address(cls, url: str) -> str:
        """ERP_PUBLIC_URL: an http(s) address, kept without a trailing slash."""
        if _origin(url) is None:
            raise ValueError(f"ERP_PUBLIC_URL={url[:80]!r} is not an http(s) address.")
        return url.rstrip("/")

    @field_validator("smtp_from")
    @classmethod
    def _sender(cls, sender: str, info: ValidationInfo) -> str:
        """SMTP_FROM is required once SMTP_HOST is set."""
        if info.data.get("smtp_host") and not sender:
            raise ValueError("SMTP_HOST is set but SMTP_FROM is not: set the sender address.")
        return sender


def _problem(error: ErrorDetails) -> str:
    """One bad value in words: a validator's own message, or the variable and what it allows."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    [name] = error["loc"]
    [allowed] = [f.description for f in Settings.model_fields.values() if f.alias == name]
    return f"{name}={str(error['input'])[:40]!r} is not allowed: set {allowed}, or leave it unset."


@functools.cache
def load() -> Settings:
    """The settings, read from the environment by the first call (the app's start) and the
    same after it; `load.cache_clear()` makes the next call read them again (tests).

    Raises ConfigError with one line per bad variable, naming it and what it allows.
    """
    try:
        return Settings()
    except ValidationError as err:
        raise ConfigError("\n".join(_problem(e) for e in err.errors())) from None


def public_origin() -> str | None:
    """ERP_PUBLIC_URL's origin as a browser sends it; None when the variable is unset."""
    settings = load()
    return _origin(settings.public_url) if "public_url" in settings.model_fields_set else None
