"""Progressive delay after failed sign-ins, per account and client address (OWASP).

After FREE_FAILURES failures for an account from one address, that address waits 2 s,
then 4 s, … (at most MAX_WAIT_SECONDS) before each further try; the owner signing in
from another address is not slowed. Failures are counted with one atomic upsert, so
parallel attempts each count once on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import LoginThrottle, utcnow

log = logging.getLogger(__name__)

USER, WEB_CONNECTOR = "user", "qbwc"  # scopes: people signing in; the Web Connector
FREE_FAILURES = 3
MAX_WAIT_SECONDS = 300
KEPT = timedelta(days=1)  # a row this long without a failure is purged (services.purge)
MAX_ACCOUNT, MAX_ADDRESS = 254, 64


def retry_after_seconds(failures: int, seconds_since_last: float) -> int:
    """How long an address must still wait after `failures` consecutive failures."""
    if failures < FREE_FAILURES:
        return 0
    wait = min(2 ** (failures - FREE_FAILURES + 1), MAX_WAIT_SECONDS)
    return max(0, int(wait - seconds_since_last + 0.999))


def _key(scope: str, account: str, address: str) -> tuple[str, str, str]:
    return scope, account[:MAX_ACCOUNT], (address or "")[:MAX_ADDRESS]


def wait_seconds(session: Session, scope: str, account: str, address: str) -> int:
    """Seconds `address` must wait before trying `account` again (0: it may try now)."""
    row = session.get(LoginThrottle, _key(scope, account, address))
    if row is None:
        return 0
    return retry_after_seconds(row.failures, (utcnow() - row.last_failure_at).total_seconds())


def record_failure(session: Session, scope: str, account: str, address: str) -> int:
    """Count one failure (INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1);
    returns the count so far."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    scope, account, address = _key(scope, account, address)
    now = utcnow()
    insert = dialect.insert(LoginThrottle).values(
        scope=scope, account=account, address=address, failures=1, last_failure_at=now
    )
    return session.execute(
        insert.on_conflict_do_update(
            index_elements=["scope", "account", "address"],
            set_={"failures": LoginThrottle.failures + 1, "last_failure_at": now},
        ).returning(LoginThrottle.failures)
    ).scalar_one()


def forget(session: Session, scope: str, account: str, address: str) -> None:
    """A success from `address` clears its count for `account`."""
    scope, account, address = _key(scope, account, address)
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.scope) == scope,
            col(LoginThrottle.account) == account,
            col(LoginThrottle.address) == address,
        )
    )


def web_connector_sign_in(
    authenticate: Callable[[str, str], list[str]], username: str, password: str, address: str
) -> list[str]:
    """The Web Connector's `authenticate`, throttled like a person's sign-in: a waiting
    address is answered "nvu" unchecked; each failure is counted and logged (never the
    password)."""
    with read_only() as session:
        wait = wait_seconds(session, WEB_CONNECTOR, username, address)
    if wait:
        log.warning(
            "Web Connector sign-in for user %r from %s refused unchecked: wait %d s",
            username[:60],
            address,
            wait,
        )
        return [secrets.token_urlsafe(32), "nvu"]
    answer = authenticate(username, password)
    with unit_of_work() as session:
        if answer[1:2] == ["nvu"]:
            failures = record_failure(session, WEB_CONNECTOR, username, address)
            log.warning(
                "Web Connector sign-in failed for user %r from %s (%d in a row)",
                username[:60],
                address,
                failures,
            )
        else:
            forget(session, WEB_CONNECTOR, username, address)
    return answer
