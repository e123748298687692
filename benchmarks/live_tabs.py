"""Open Jobs tabs following changes: idle database reads and change-to-delta latency.

    python -m benchmarks.live_tabs [--tabs 20,200] [--workers 2] [--changes 10]

The app runs on PostgreSQL with Redis state and several backend workers
(`tests.e2e.harness.running_app`, bulk-seeded with `benchmarks.bulk_seed`, no Web
Connector so that idle is idle). Each tab is a python socket.io client speaking the
Reflex protocol (`benchmarks.jobs_tab.Tab`). For each tab count:

* idle reads: transactions the database counted (`pg_stat_database` xact_commit +
  xact_rollback) per second while every tab sits open, against the same window with no
  tab open. Per-tab polling would add about one read per tab per second.
* latency: a Project Admin retrieves or re-sends the first Ready To Export project (the
  service call commits), and every tab must receive the Jobs state's new rows; the time
  from the commit to each tab's delta, p50 / p95 / max over all tabs and changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from benchmarks import bulk_seed
from benchmarks.jobs_tab import Tab, p95
from erp_dashboard.services import auth, job_lists, projects
from erp_dashboard.services.job_lists import PageQuery
from tests.e2e.harness import running_app

RESULTS = Path(__file__).with_name("results-live.md")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
PROJECTS = 1_000
IDLE_SECONDS = 20.0
SETTLE_SECONDS = 12.0  # PostgreSQL reports an idle backend's counts within 10 s
OPEN_BATCH = 20
GOAL_P95_MS = 1_000.0
PATH = "/jobs?filter=ready_to_export"


def activity(url: str) -> tuple[int, int]:
    """(transactions, table scans) of the app's database so far: `pg_stat_database` also
    counts autovacuum's transactions; `pg_stat_user_tables` counts only queries' reads."""
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            return tuple(
                conn.execute(
                    text(
                        "SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database "
                        "WHERE datname = current_database()), "
                        "(SELECT sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)) "
                        "FROM pg_stat_user_tables)"
                    )
                ).one()
            )
    finally:
        eng.dispose()


async def idle_reads(url: str) -> tuple[float, float]:
    """Transactions and table scans per second while nothing happens."""
    await asyncio.sleep(SETTLE_SECONDS)
    before = await asyncio.to_thread(activity, url)
    await asyncio.sleep(IDLE_SECONDS)
    after = await asyncio.to_thread(activity, url)
    return tuple(float(a - b) / IDLE_SECONDS for a, b in zip(after, before, strict=True))


async def open_tabs(base: str, sessions: list[str], tabs: list[Tab], n: int) -> None:
    """Open tabs until there are `n`, `OPEN_BATCH` at a time, each in its own session."""
    while len(tabs) < n:
        batch = [Tab(base, sessions[i]) for i in range(len(tabs), min(len(tabs) + OPEN_BATCH, n))]
        async with asyncio.timeout(120):
            await asyncio.gather(*(tab.open(PATH) for tab in batch))
        tabs.extend(batch)


class Toggle:
    """Retrieve the first project of Ready To Export; the next call re-sends it; and so on."""

    def __init__(self, admin, approver) -> None:
        self.admin, self.retrieved = admin, False
        self.project_id = job_lists.list_page(approver, PageQuery()).rows[0].id

    def __call__(self) -> float:
        """Make the change; when it committed (perf_counter)."""
        change = projects.send_to_erp if self.retrieved else projects.retrieve
        change(self.admin, self.project_id)
        self.retrieved = not self.retrieved
        return time.perf_counter()


async def _arrival(tab: Tab) -> float:
    """When the tab receives the Jobs state's next rows."""
    await tab._rows(timeout=30)
    return time.perf_counter()


async def latencies(tabs: list[Tab], changes: int, toggle: Toggle) -> list[float]:
    """ms from each committed change to each tab's delta with the new rows."""
    found: list[float] = []
    for _ in range(changes):
        for tab in tabs:
            while not tab.inbox.empty():
                tab.inbox.get_nowait()
        arrivals = [asyncio.create_task(_arrival(tab)) for tab in tabs]
        committed = await asyncio.to_thread(toggle)
        found += [(at - committed) * 1000 for at in await asyncio.gather(*arrivals)]
        await asyncio.sleep(1.0)
    return found


async def measure(base: str, url: str, sizes: list[int], changes: int) -> dict:
    sessions = [
        await asyncio.to_thread(auth.sign_in, bulk_seed.APPROVER_EMAIL, bulk_seed.PASSWORD)
        for _ in range(max(sizes))
    ]
    admin_token = await asyncio.to_thread(
        auth.sign_in, "bench-admin@example.com", bulk_seed.PASSWORD
    )
    approver = await asyncio.to_thread(auth.actor_for, sessions[0])
    admin = await asyncio.to_thread(auth.actor_for, admin_token)
    toggle = await asyncio.to_thread(Toggle, admin, approver)
    results = {"baseline": await idle_reads(url)}
    xacts, scans = results["baseline"]
    print(f"no tabs idle: {xacts:.2f} transactions/s, {scans:.2f} table scans/s", flush=True)
    tabs: list[Tab] = []
    try:
        for n in sizes:
            await open_tabs(base, sessions, tabs, n)
            reads = await idle_reads(url)
            ms = await latencies(tabs, changes, toggle)
            results[n] = {"reads": reads, "ms": ms}
            print(
                f"{n} tabs idle: {reads[0]:.2f} transactions/s, {reads[1]:.2f} table scans/s; "
                f"change → delta p50 "
                f"{statistics.median(ms):.0f} ms, p95 {p95(ms):.0f} ms, max {max(ms):.0f} ms",
                flush=True,
            )
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
    return results


def report(results: dict, workers: int, changes: int) -> str:
    """The Markdown table."""
    xacts, scans = results["baseline"]
    lines = [
        f"# Live Jobs tabs (PostgreSQL + Redis, {workers} backend workers, {os.cpu_count()} CPUs)",
        "",
        f"{PROJECTS:,} bulk-seeded projects (then VACUUM ANALYZE), no Web Connector running. "
        f"Tabs are python socket.io clients on {PATH} on the same machine, each signed in on "
        f"its own. Idle: per second over {IDLE_SECONDS:g} s, the database's transactions "
        "(`pg_stat_database`, includes autovacuum) and table scans by queries "
        f"(`pg_stat_user_tables` seq + idx); with no tab open {xacts:.2f} transactions/s and "
        f"{scans:.2f} scans/s (the app's mail and summary loops, the feed's health re-read). "
        f"Latency: {changes} committed changes (a Project Admin retrieves / re-sends the first "
        "Ready To Export project), from the commit to each tab's delta with the new rows. "
        f"Goal: idle reads independent of the tab count, p95 ≤ {GOAL_P95_MS:g} ms.",
        "",
        "| open tabs | idle transactions/s | idle table scans/s | scans/s over no tabs "
        "| p50 ms | p95 ms | max ms | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, row in results.items():
        if n == "baseline":
            continue
        ms, (tabs_xacts, tabs_scans) = row["ms"], row["reads"]
        ok = p95(ms) <= GOAL_P95_MS and tabs_scans - scans < 1
        lines.append(
            f"| {n} | {tabs_xacts:.2f} | {tabs_scans:.2f} | {tabs_scans - scans:+.2f} | "
            f"{statistics.median(ms):.0f} | {p95(ms):.0f} | {max(ms):.0f} | "
            f"{'ok' if ok else 'missed'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Seed, start the app, measure every tab count, print and write the table."""
    parser = argparse.ArgumentParser(description="Benchmark live Jobs tabs.")
    parser.add_argument("--tabs", default="20,200")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.tabs.split(","))
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="erp-live-") as tmp,
            bulk_seed.fresh_database("postgresql", Path(tmp)) as url,
        ):
            bulk_seed.seed(url, PROJECTS)
            with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text("VACUUM ANALYZE"))  # autovacuum would do it mid-measure
            env = {
                "REFLEX_DB_URL": url,
                "REFLEX_REDIS_URL": REDIS_URL,
                "GRANIAN_WORKERS": str(args.workers),
                "ERP_DEMO_DATA": "0",
                "QBD_MODE": "webconnector",
            }
            with running_app(env, Path(tmp) / "app.log") as (base, _pid):
                results = asyncio.run(measure(base, url, sizes, args.changes))
    finally:
        store.flushdb()
    table = report(results, args.workers, args.changes)
    print(table)
    RESULTS.write_text(table)


if __name__ == "__main__":
    main()
