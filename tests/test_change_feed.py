"""The per-worker change feed on SQLite (polling) and PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from sqlalchemy import event, text

from erp_dashboard.change_feed import ChangeFeed
from erp_dashboard.db import engine, unit_of_work
from erp_dashboard.services import jobs
from tests.builders import drain

WAKE_SECONDS = 5.0


@contextlib.asynccontextmanager
async def running_feed():
    """A feed following the test database, started (its first health read done)."""
    feed = ChangeFeed()
    task = asyncio.create_task(feed.run())
    try:
        async with asyncio.timeout(WAKE_SECONDS):
            while feed.mark().health is None:
                await asyncio.sleep(0.02)
        yield feed
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _reject(world, project_id: int) -> None:
    version = world.project(project_id).erp_version
    await asyncio.to_thread(jobs.reject, world.approver, project_id, version, "")


def test_every_waiter_wakes_after_a_transition_commits(world):
    async def body():
        async with running_feed() as feed:
            mark = feed.mark()
            waiters = [asyncio.create_task(feed.next(mark, 30)) for _ in range(50)]
            await asyncio.sleep(0.1)
            assert not any(w.done() for w in waiters)
            began = time.monotonic()
            await _reject(world, world.projects[0])
            results = await asyncio.wait_for(asyncio.gather(*waiters), WAKE_SECONDS)
            assert time.monotonic() - began < 1.5
            assert all(change.projects for change, _ in results)
            assert len({new for _, new in results}) == 1

    asyncio.run(body())


def test_a_web_connector_session_changes_the_health(world):
    async def body():
        async with running_feed() as feed:
            mark = feed.mark()
            assert mark.health.connected_at == ""
            await asyncio.to_thread(drain)
            async with asyncio.timeout(WAKE_SECONDS):
                while True:
                    change, mark = await feed.next(mark, WAKE_SECONDS)
                    if change.health is not None:
                        break
            assert change.health.connected_at != ""
            assert feed.mark().health == change.health

    asyncio.run(body())


def test_idle_waiters_cost_no_reads(world):
    """However many tabs wait, an idle worker reads only its own revision (SQLite: every
    0.5 s) or nothing at all (PostgreSQL: it waits for NOTIFY)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    async def body():
        async with running_feed() as feed:
            mark = feed.mark()
            waiters = [asyncio.create_task(feed.next(mark, 30)) for _ in range(500)]
            engines = {engine(), engine(writes=False)}
            for eng in engines:
                event.listen(eng, "before_cursor_execute", count)
            try:
                await asyncio.sleep(2.0)
            finally:
                for eng in engines:
                    event.remove(eng, "before_cursor_execute", count)
            assert not any(w.done() for w in waiters)
            for w in waiters:
                w.cancel()
        polls = 0 if engine().dialect.name == "postgresql" else int(2.0 / feed.poll_seconds) + 1
        assert len(statements) <= polls, statements

    asyncio.run(body())


def _listener_pids() -> list[int]:
    with unit_of_work() as s:
        return list(
            s.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'erp-change-feed'"
                    " AND datname = current_database()"
                )
            ).scalars()
        )


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # LISTEN/NOTIFY; SQLite polls
def test_the_listener_recovers_after_its_connection_is_killed(world):

    async def body():
        async with running_feed() as feed:
            [pid] = _listener_pids()
            mark = feed.mark()
            with unit_of_work() as s:
                s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await _reject(world, world.projects[0])  # while the feed is away
            change, mark = await feed.next(mark, WAKE_SECONDS)
            assert change is not None and change.projects
            assert len(pids := _listener_pids()) == 1 and pids != [pid]

            await _reject(world, world.projects[1])  # and after it is back
            change, _ = await feed.next(mark, WAKE_SECONDS)
            assert change is not None and change.projects

    asyncio.run(body())
