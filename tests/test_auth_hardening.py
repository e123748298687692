"""Sign-in cannot stall the app or lock out an owner, its throttle counts under concurrency,
the Web Connector's sign-in is throttled too, and stale rows are purged."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from lxml import etree
from sqlmodel import func, select

from erp_dashboard.db import engine, unit_of_work
from erp_dashboard.models import LoginThrottle, QbwcSession, UserSession, utcnow
from erp_dashboard.names import QbwcStage
from erp_dashboard.qbwc.soap import soap_app
from erp_dashboard.qbwc.wsdl import NAMESPACE
from erp_dashboard.services import auth, purge, throttle
from erp_dashboard.services.errors import InvalidInput
from erp_dashboard.services.permissions import Role
from erp_dashboard.services.web_connector import WebConnector
from tests.builders import PASSWORD, QBWC_PASSWORD, QBWC_USER
from tests.test_qbwc_soap import envelope, serve


def throttle_rows() -> list[LoginThrottle]:
    with unit_of_work() as s:
        return list(s.exec(select(LoginThrottle).order_by(LoginThrottle.address)).all())


def age_failures(seconds: float) -> None:
    """Move every recorded failure `seconds` into the past (as if the wait had passed)."""
    with unit_of_work() as s:
        for row in s.exec(select(LoginThrottle)).all():
            row.last_failure_at -= timedelta(seconds=seconds)
            s.add(row)


class _Hasher:
    """The real argon2 hasher, with a hook run just before each verification."""

    def __init__(self, before_verify) -> None:
        self.real, self.before_verify = auth._hasher, before_verify

    def verify(self, hashed: str, password: str) -> bool:
        self.before_verify()
        return self.real.verify(hashed, password)


def test_the_password_is_checked_outside_any_transaction(world, monkeypatch):
    held: list[int] = []
    monkeypatch.setattr(auth, "_hasher", _Hasher(lambda: held.append(engine().pool.checkedout())))
    auth.sign_in("ann@example.com", PASSWORD)
    with pytest.raises(InvalidInput):
        auth.sign_in("ann@example.com", "wrong-password")
    assert held == [0, 0]  # no connection (so no transaction, no lock) while argon2 runs


def test_a_burst_of_sign_ins_queues_for_argon2_instead_of_taking_every_core(world, monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()

    def count_in():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    monkeypatch.setattr(auth, "_hasher", _Hasher(count_in))
    monkeypatch.setattr(auth, "_VERIFYING", threading.BoundedSemaphore(2))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: auth.sign_in("ann@example.com", PASSWORD, f"10.0.0.{n}"), range(8)))
    assert most == [2]


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("a" * 250 + "@example.com", PASSWORD, "at most 254 characters"),
        ("ann@example.com", "p" * 1025, "at most 1,024 characters"),
        ("x" * 900_000, "p" * 900_000, "at most 254 characters"),
    ],
)
def test_oversized_sign_ins_are_refused_before_the_database(world, email, password, message):
    with pytest.raises(InvalidInput, match=message):
        auth.sign_in(email, password, "10.0.0.1")
    assert throttle_rows() == []


def test_new_passwords_are_bounded_too(world):
    with pytest.raises(InvalidInput, match="1,024"), unit_of_work() as s:
        auth.create_user(s, "long@example.com", "Long", "p" * 1025, Role.VIEWER)
    assert auth.actor_for(auth.sign_in("ann@example.com", PASSWORD, "10.0.0.1"))


def test_parallel_failures_from_no_row_each_count_once(world, monkeypatch):
    everyone_checked = threading.Barrier(20, timeout=60)  # all read "no row" before any failure
    monkeypatch.setattr(auth, "_hasher", _Hasher(everyone_checked.wait))
    monkeypatch.setattr(auth, "_VERIFYING", threading.BoundedSemaphore(20))

    def attempt(_: int) -> str:
        try:
            auth.sign_in("ann@example.com", "wrong-password", "10.0.0.7")
        except Exception as err:  # whatever it is, the assertion names it
            return f"{type(err).__name__}: {err}"
        return "signed in"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes == [f"InvalidInput: {auth.BAD_CREDENTIALS}"] * 20
    assert [(r.account, r.address, r.failures) for r in throttle_rows()] == [
        ("ann@example.com", "10.0.0.7", 20)
    ]


def test_an_attacker_slows_only_their_own_address_never_the_owner(world):
    for n in range(1, throttle.FREE_FAILURES + 1):
        with pytest.raises(InvalidInput, match="incorrect"):
            auth.sign_in("ann@example.com", f"guess-{n}", "203.0.113.9")
    with pytest.raises(InvalidInput, match=r"Try again in 2 seconds"):
        auth.sign_in("ann@example.com", PASSWORD, "203.0.113.9")  # even the right password
    owner = auth.sign_in("ann@example.com", PASSWORD, "198.51.100.4")
    assert auth.actor_for(owner).name == "Ann Approver"
    rows = throttle_rows()
    assert [(r.address, r.failures) for r in rows] == [("203.0.113.9", throttle.FREE_FAILURES)]
    age_failures(3)  # the wait passed: one more wrong guess doubles it
    with pytest.raises(InvalidInput, match="incorrect"):
        auth.sign_in("ann@example.com", "guess-4", "203.0.113.9")
    with pytest.raises(InvalidInput, match=r"Try again in 4 seconds"):
        auth.sign_in("ann@example.com", "guess-5", "203.0.113.9")


def call(base: str, op: str, params: str) -> list[str]:
    """One SOAP call; the strings of its result."""
    reply = httpx.post(f"{base}/qbwc", content=envelope(op, params), timeout=30)
    assert reply.status_code == 200, reply.text
    return [e.text or "" for e in etree.fromstring(reply.content).iter(f"{{{NAMESPACE}}}string")]


def authenticate(base: str, password: str) -> list[str]:
    user = f"<strUserName>{QBWC_USER}</strUserName><strPassword>{password}</strPassword>"
    return call(base, "authenticate", user)


def test_the_web_connector_sign_in_is_throttled_and_logged(world, caplog):
    caplog.set_level(logging.WARNING)
    guarded = soap_app(WebConnector(), sign_in_guard=throttle.web_connector_sign_in)
    with serve(guarded) as base:
        for n in range(throttle.FREE_FAILURES):
            assert authenticate(base, f"wrong-{n}")[1] == "nvu"
        assert authenticate(base, QBWC_PASSWORD)[1] == "nvu"  # waiting: not even checked
        with unit_of_work() as s:
            assert s.exec(select(func.count()).select_from(QbwcSession)).one() == 0
        rows = throttle_rows()
        assert [(r.scope, r.account, r.address, r.failures) for r in rows] == [
            ("qbwc", QBWC_USER, "127.0.0.1", throttle.FREE_FAILURES)
        ]
        age_failures(3)
        ticket, status = authenticate(base, QBWC_PASSWORD)[:2]
        assert status not in ("nvu", "busy") and len(ticket) > 20
    assert throttle_rows() == []  # a success from that address clears its count
    failed = [r.getMessage() for r in caplog.records if "from 127.0.0.1" in r.getMessage()]
    assert len(failed) == throttle.FREE_FAILURES + 1
    assert "(3 in a row)" in failed[2] and "refused unchecked" in failed[3]
    assert not any(
        "wrong-" in r.getMessage() or QBWC_PASSWORD in r.getMessage() for r in caplog.records
    )


def test_a_throttled_web_connector_address_leaves_other_addresses_alone(world):
    wc = WebConnector()
    for _ in range(throttle.FREE_FAILURES):
        assert (
            throttle.web_connector_sign_in(wc.authenticate, QBWC_USER, "x", "10.0.0.1")[1] == "nvu"
        )
    assert (
        throttle.web_connector_sign_in(wc.authenticate, QBWC_USER, QBWC_PASSWORD, "10.0.0.1")[1]
        == "nvu"
    )
    assert (
        throttle.web_connector_sign_in(wc.authenticate, QBWC_USER, QBWC_PASSWORD, "10.0.0.2")[1]
        != "nvu"
    )


def _sessions(s) -> list[str]:
    return sorted(s.exec(select(QbwcSession.ticket_hash)).all())


def test_purge_forgets_stale_throttle_session_and_idle_poll_rows(world):
    now = utcnow()
    ann_token = auth.sign_in("ann@example.com", PASSWORD)
    auth.sign_in("bob@example.com", PASSWORD)
    with unit_of_work() as s:
        for address, age in (("10.0.0.1", timedelta(days=2)), ("10.0.0.2", timedelta(hours=1))):
            throttle.record_failure(s, throttle.USER, "ann@example.com", address)
            s.flush()
            row = s.get(LoginThrottle, (throttle.USER, "ann@example.com", address))
            row.last_failure_at = now - age
        bob = s.exec(select(UserSession).where(UserSession.user_id == world.approver2.id)).one()
        bob.expires_at = now - timedelta(minutes=1)
        for name, stage, age in (
            ("idle-old", QbwcStage.IDLE, 40),
            ("idle-recent", QbwcStage.IDLE, 3),
            ("work-old", "done", 40),
        ):
            at = now - timedelta(days=age)
            s.add(QbwcSession(ticket_hash=name, stage=stage, created_at=at, expires_at=at))
    assert purge.purge(now) == {"login_throttle": 1, "user_session": 1, "qbwc_session": 1}
    assert [r.address for r in throttle_rows()] == ["10.0.0.2"]
    assert auth.actor_for(ann_token).name == "Ann Approver"
    with unit_of_work() as s:
        assert s.exec(select(func.count()).select_from(UserSession)).one() == 1
        assert _sessions(s) == ["idle-recent", "work-old"]
    assert purge.purge(now + timedelta(days=60)) == {
        "login_throttle": 1,
        "user_session": 1,
        "qbwc_session": 0,  # the newest poll stays: the health line shows when it came
    }


def test_the_purge_loop_purges_on_its_schedule(world):
    with unit_of_work() as s:
        throttle.record_failure(s, throttle.USER, "ann@example.com", "10.0.0.1")
    age_failures(2 * 86400)

    async def one_round() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(purge.purge_loop(every_seconds=60), timeout=2)

    asyncio.run(one_round())
    assert throttle_rows() == []
