"""Sign-in sessions also end after a while without the user's own action; the session
cookie is Secure when the app is served over https."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from alembic.config import Config
from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import select
from sqlmodel.sql.sqltypes import UTCDateTime

from alembic import command
from erp_dashboard import config
from erp_dashboard.config import ROOT
from erp_dashboard.db import engine, read_only, unit_of_work
from erp_dashboard.models import UserSession, utcnow
from erp_dashboard.services import auth, purge
from erp_dashboard.services.errors import NotSignedIn
from erp_dashboard.states import live
from tests.builders import PASSWORD

IDLE_MESSAGE = "You were signed out after 120 minutes without activity. Please sign in again."


class Clock:
    """The clock of sign-in and of the session checks."""

    def __init__(self, monkeypatch) -> None:
        self.now = utcnow().replace(microsecond=0)
        monkeypatch.setattr(auth, "utcnow", lambda: self.now)

    def wait(self, **elapsed) -> None:
        self.now += timedelta(**elapsed)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def last_seen() -> list[datetime]:
    with read_only() as s:
        return list(s.exec(select(UserSession.last_seen_at).order_by(UserSession.id)).all())


@contextmanager
def statements(starting: str):
    """The SQL statements run inside the block that start with `starting`."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(starting):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def test_a_sign_in_is_seen_at_once(world, clock):
    auth.sign_in("ann@example.com", PASSWORD)
    assert last_seen() == [clock.now]


def test_activity_moves_last_seen_at_at_most_once_a_minute(world, clock):
    token = auth.sign_in("ann@example.com", PASSWORD)
    signed_in = clock.now
    with statements("UPDATE") as updates:
        clock.wait(seconds=30)
        assert auth.actor_for(token).name == "Ann Approver"
        assert last_seen() == [signed_in]
        clock.wait(seconds=31)  # 61 s after signing in
        auth.actor_for(token)
        active = clock.now
        clock.wait(seconds=59)
        for _ in range(5):  # a burst of events
            auth.actor_for(token)
    assert last_seen() == [active]
    assert len(updates) == 1


def test_the_write_is_conditional_so_parallel_workers_write_once(world, clock):
    token = auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=5)
    auth._seen(token)
    first = clock.now
    clock.wait(seconds=1)  # another worker read the row before that write
    auth._seen(token)
    assert last_seen() == [first]


def test_live_checks_are_not_activity(world, clock):
    token = auth.sign_in("ann@example.com", PASSWORD)
    signed_in = clock.now
    clock.wait(minutes=5)
    with statements("UPDATE") as updates:
        assert auth.actors_for([token])[token].name == "Ann Approver"
        with auth.watching():
            assert auth.actor_for(token).name == "Ann Approver"
        read = live.Read(token, ("idle-test", token), auth.actor_for, (token,))
        assert asyncio.run(live._reload(read)).name == "Ann Approver"
    assert (last_seen(), updates) == ([signed_in], [])
    auth.actor_for(token)  # outside the watch: the user's own action
    assert last_seen() == [clock.now]


def test_a_session_idle_past_the_limit_is_refused_and_deleted(world, clock):
    token = auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=120)
    with pytest.raises(NotSignedIn) as refused:
        auth.actor_for(token)
    assert str(refused.value) == IDLE_MESSAGE
    assert last_seen() == []


def test_the_sign_in_page_is_told_why(world, clock):
    """The reason travels in /login's address as a word; the page's words come from here."""
    token = auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=121)
    with pytest.raises(NotSignedIn) as ended:
        auth.actor_for(token)
    assert ended.value.reason == "idle"
    path = auth.sign_in_path("/jobs?filter=synced", ended.value.reason)
    assert path == "/login?next=%2Fjobs%3Ffilter%3Dsynced&ended=idle"
    assert auth.sign_in_path("/jobs?filter=ready_to_export", "idle") == "/login?ended=idle"
    assert auth.sign_in_path("/outbox", "<script>") == "/login?next=%2Foutbox"
    assert auth.ended_message("idle") == IDLE_MESSAGE
    assert auth.ended_message("ended") == "Your session has ended. Please sign in again."
    for forged in ("", "Idle", "<b>", None, ["idle"]):
        assert auth.ended_message(forged) == ""
    with pytest.raises(NotSignedIn) as never:
        auth.actor_for("no-such-token")
    assert never.value.reason == ""


def test_the_live_watch_ends_idle_sessions_with_one_query(world, clock):
    ann, bob = auth.sign_in("ann@example.com", PASSWORD), auth.sign_in("bob@example.com", PASSWORD)
    clock.wait(minutes=100)
    auth.actor_for(bob)  # Bob is still at work
    clock.wait(minutes=21)
    with statements("SELECT") as selects:
        found = auth.actors_for([ann, bob, "forged"])
    assert len(selects) == 1
    assert str(found[ann]) == IDLE_MESSAGE and isinstance(found[ann], NotSignedIn)
    assert found[bob].name == "Bob Approver" and isinstance(found["forged"], NotSignedIn)
    assert last_seen() == [clock.now - timedelta(minutes=21)]  # Bob's row only


def test_one_just_inside_the_limit_works_and_is_renewed(world, clock):
    token = auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=120, seconds=-1)
    assert auth.actor_for(token).name == "Ann Approver"
    clock.wait(minutes=119)
    assert auth.actor_for(token).name == "Ann Approver"


def test_the_limit_and_the_message_follow_the_setting(world, clock, monkeypatch):
    monkeypatch.setenv("ERP_SESSION_IDLE_MINUTES", "15")
    token = auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=15)
    with pytest.raises(NotSignedIn, match="after 15 minutes without activity"):
        auth.actor_for(token)


def test_the_absolute_limit_still_holds_for_an_active_user(world, clock, monkeypatch):
    monkeypatch.setenv("ERP_SESSION_HOURS", "1")
    token = auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=50)
    auth.actor_for(token)
    clock.wait(minutes=10)
    with pytest.raises(NotSignedIn, match="Your session has ended"):
        auth.actor_for(token)


def test_purge_removes_idle_sessions(world, clock):
    auth.sign_in("ann@example.com", PASSWORD)
    clock.wait(minutes=100)
    bob = auth.sign_in("bob@example.com", PASSWORD)
    clock.wait(minutes=20)
    assert purge.purge(clock.now)["user_session"] == 1
    assert auth.actor_for(bob).name == "Bob Approver"
    assert len(last_seen()) == 1


@pytest.mark.parametrize(("raw", "minutes"), [("", 120), (" ", 120), ("1", 1), (" 45 ", 45)])
def test_the_idle_setting(monkeypatch, raw, minutes):
    monkeypatch.setenv("ERP_SESSION_IDLE_MINUTES", raw)
    assert config.load().session_idle_minutes == minutes


@pytest.mark.parametrize("bad", ["0", "-5", "1.5", "two hours", "525601", "1e3", "٣"])
def test_a_bad_idle_setting_stops_the_start(monkeypatch, bad):
    monkeypatch.setenv("ERP_SESSION_IDLE_MINUTES", bad)
    with pytest.raises(config.ConfigError, match=f"ERP_SESSION_IDLE_MINUTES='{bad}' is not"):
        config.load()


# --------------------------------------------------------------------------- the cookie


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [
        ("https://erp.example.com", True),
        ("HTTPS://erp.example.com/", True),
        ("http://localhost:3000", False),
        ("http://https.example.com", False),
    ],
)
def test_the_cookie_is_secure_when_served_over_https(monkeypatch, public_url, secure):
    monkeypatch.setenv("ERP_PUBLIC_URL", public_url)
    assert auth.cookie_options(config.load()) == {
        "name": "erp_session",
        "same_site": "strict",
        "secure": secure,
    }


COMPILED_COOKIES = """
import json
from reflex.compiler.utils import compile_client_storage
from erp_dashboard.states.session import SessionState
print(json.dumps(compile_client_storage(SessionState)["cookies"]))
"""


@pytest.mark.parametrize(
    ("public_url", "secure"), [("https://erp.example.com", True), ("http://localhost:3000", False)]
)
def test_the_compiled_page_sets_the_cookie_with_those_options(public_url, secure):
    env = {**os.environ, "ERP_PUBLIC_URL": public_url}
    done = subprocess.run(
        [sys.executable, "-c", COMPILED_COOKIES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    [options] = json.loads(done.stdout.strip().splitlines()[-1]).values()
    assert options["name"] == "erp_session" and options["sameSite"] == "strict"
    assert options["secure"] is secure


# --------------------------------------------------------------------------- migration 0015


@pytest.fixture
def at_0014(empty_db) -> str:
    """A new database migrated to 0014 only (sessions without last_seen_at)."""
    command.upgrade(Config(str(ROOT / "alembic.ini")), "0014")
    return empty_db


def test_migration_0015_back_fills_last_seen_with_the_sign_in_time(at_0014):
    token, began = uuid.uuid4().hex, utcnow() - timedelta(minutes=30)
    with unit_of_work() as s:  # the tables as of 0014
        user_id = s.execute(
            text(
                'INSERT INTO "user" (email, name, password_hash, role, is_active,'
                " is_company_admin, daily_summary, created_at) VALUES ('ann@example.com',"
                " 'Ann', 'x', 'accounting_approver', true, false, true, :at) RETURNING id"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"at": began},
        ).scalar_one()
        s.execute(
            text(
                "INSERT INTO user_session (token_hash, user_id, created_at, expires_at)"
                " VALUES (:hash, :user_id, :at, :until)"
            ).bindparams(
                bindparam("at", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
            ),
            {
                "hash": auth._token_hash(token),
                "user_id": user_id,
                "at": began,
                "until": began + timedelta(hours=12),
            },
        )
    migrations = Config(str(ROOT / "alembic.ini"))
    command.upgrade(migrations, "0015")
    with read_only() as s:
        row = s.exec(select(UserSession)).one()
    assert row.last_seen_at == row.created_at == began
    assert auth.actors_for([token])[token].name == "Ann"  # 30 minutes idle: still signed in
    command.downgrade(migrations, "0014")
    columns = {c["name"] for c in inspect(engine()).get_columns("user_session")}
    assert "last_seen_at" not in columns and "expires_at" in columns
    with read_only() as s:
        assert s.execute(text("SELECT token_hash FROM user_session")).scalars().all() == [
            auth._token_hash(token)
        ]
