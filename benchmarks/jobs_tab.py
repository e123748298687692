"""Jobs tab at scale: service calls alone, then the Reflex events over the websocket.

    python -m benchmarks.jobs_tab [--sizes 1000,100000] [--db sqlite|postgresql] [--repeat N]

For each size: seed a fresh database (`benchmarks.bulk_seed`), time the read
services directly, then start the real app on it (`tests.e2e.harness.running_app`,
`reflex run --env prod --single-port`) and play a browser tab with a python
socket.io client that speaks the Reflex 0.10 protocol (`tests.e2e.reflex_socket`):
a `_redirect` in an answer's `events` is a client-side navigation, after which the
browser sends `update_vars_internal` (the cookie) and `on_load_internal` for the new URL.

An operation's time runs from emitting the user's event to receiving the delta
that carries the Jobs state's new `rows` (for a filter switch: through the
redirect and the new page's on_load). Median and p95 per operation, per size,
and the largest/smallest ratio go to stdout and `benchmarks/results.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reflex.state import OnLoadInternalState, UpdateVarsInternalState
from sqlalchemy import event

from benchmarks import bulk_seed
from erp_dashboard.db import engine
from erp_dashboard.names import JobList
from erp_dashboard.services import auth, job_lists
from erp_dashboard.services.job_lists import PROJECT_SORTS, PageQuery
from erp_dashboard.states.jobs import JobsState
from tests.e2e.harness import running_app
from tests.e2e.reflex_socket import COOKIE_VAR, ReflexSocket

GOAL_MS = 50.0
GOAL_RATIO = 2.0
RESULTS = Path(__file__).with_name("results.md")
JOBS = JobsState.get_full_name()
ROWS = "rows_rx_state_"
DEEP_PAGE = 100
RARE = "P-100777"  # a number search: at most one match (n ≥ 777)
SORT_CYCLE = [c for c in PROJECT_SORTS if c != "name"] + ["name"]

Timings = dict[str, list[float]]


def _record(timings: Timings, label: str, seconds: float) -> None:
    timings.setdefault(label, []).append(seconds * 1000)


# ----- the service calls alone ---------------------------------------------------


def service_ops(token: str) -> list[tuple[str, Callable[[], object]]]:
    """Every read the Jobs tab makes, as (label, call) pairs."""
    actor = auth.actor_for(token)
    rte = JobList.READY_TO_EXPORT.value
    last = job_lists.list_page(actor, PageQuery()).pages

    def page(**kw) -> Callable[[], object]:
        return lambda: job_lists.list_page(actor, PageQuery(**kw))

    ops = [(f"svc list {jl.value}", page(job_list=jl.value)) for jl in JobList]
    ops += [
        (f"svc sort {col} {'desc' if desc else 'asc'}", page(sort=col, descending=desc))
        for col in PROJECT_SORTS
        for desc in (False, True)
    ]
    ops += [
        ("svc page 2", page(page=2)),
        (f"svc page {DEEP_PAGE}", page(page=DEEP_PAGE)),
        ("svc last page", page(page=last)),
        ("svc page size 100", page(page_size=100)),
        ("svc search 'harbor'", page(search="harbor")),
        (f"svc search '{RARE}'", page(search=RARE)),
        ("svc search 'harbor' in synced", page(job_list="synced", search="harbor")),
        ("svc counts", lambda: job_lists.counts(actor)),
        ("svc search_customers 'bay'", lambda: job_lists.search_customers(actor, "bay")),
        ("svc search_customers ''", lambda: job_lists.search_customers(actor, "")),
        ("svc actor_for", lambda: auth.actor_for(token)),
        ("svc open = actor+page+counts", lambda: _open_reads(token, rte)),
    ]
    return ops


def _open_reads(token: str, job_list: str):
    """What one JobsState reload reads (states/jobs.py `_load`)."""
    actor = auth.actor_for(token)
    query = PageQuery(job_list=job_list)
    return job_lists.list_page(actor, query), job_lists.counts(actor)


def time_services(token: str, repeat: int) -> Timings:
    """Each service op once to warm up, then `repeat` timed rounds."""
    timings: Timings = {}
    ops = service_ops(token)
    for _, call in ops:
        call()
    for _ in range(repeat):
        for label, call in ops:
            began = time.perf_counter()
            call()
            _record(timings, label, time.perf_counter() - began)
    return timings


# ----- the websocket: one browser tab ------------------------------------------------


class Tab(ReflexSocket):
    """A browser tab on /jobs, signed in with `session_token`, over socket.io."""

    async def open(self, path: str) -> dict:
        """Connect with the hydrate event in the CONNECT packet; wait for the rows."""
        await self.connect(path)
        return await self._rows()

    async def navigate(self, path: str) -> dict:
        """A client-side navigation: the events the browser sends on a route change."""
        self.path = path
        cookie = {"vars": {COOKIE_VAR: self.session_token}}
        await self.emit(f"{UpdateVarsInternalState.get_full_name()}.update_vars_internal", cookie)
        await self.emit(f"{OnLoadInternalState.get_full_name()}.on_load_internal")
        return await self._rows()

    async def call(self, handler: str, **payload) -> dict:
        """Emit a JobsState event; follow a redirect like the browser; wait for the rows."""
        while not self.inbox.empty():
            self.inbox.get_nowait()
        await self.emit(f"{JOBS}.{handler}", payload)
        return await self._rows()

    async def _rows(self, timeout: float = 30) -> dict:
        """The Jobs state's delta that carries new rows (following a `_redirect`)."""
        async with asyncio.timeout(timeout):
            while True:
                update = await self.inbox.get()
                jobs = (update.get("delta") or {}).get(JOBS, {})
                if ROWS in jobs:
                    return jobs
                for event in update.get("events") or []:
                    if event["name"] == "_redirect":
                        return await self.navigate(event["payload"]["path"])


async def _timed(timings: Timings, label: str, action) -> dict:
    began = time.perf_counter()
    delta = await action
    _record(timings, label, time.perf_counter() - began)
    return delta


async def time_websocket(base: str, session_token: str, counts: dict, repeat: int) -> Timings:
    """One warm-up round, then `repeat` rounds of every user action."""
    timings: Timings = {}
    rte = f"/jobs?filter={JobList.READY_TO_EXPORT.value}"
    for round_no in range(repeat + 1):
        scratch: Timings = {} if round_no == 0 else timings
        tab = Tab(base, session_token)
        delta = await _timed(scratch, "ws open Jobs tab (connect+hydrate+on_load)", tab.open(rte))
        if delta.get("total_rx_state_") != counts[JobList.READY_TO_EXPORT]:
            raise AssertionError(f"Ready To Export shows {delta.get('total_rx_state_')} rows")
        try:
            await _timed(scratch, "ws reload Jobs tab (on_load)", tab.navigate(rte))
            for job_list in [*JobList, JobList.READY_TO_EXPORT]:
                switch = tab.call("choose_list", job_list=job_list.value)
                delta = await _timed(scratch, f"ws filter → {job_list.value}", switch)
                assert delta.get("job_list_rx_state_") == job_list.value, delta.keys()
            await _timed(scratch, "ws page 2", tab.call("go_to_page", page=2))
            await _timed(scratch, f"ws page {DEEP_PAGE}", tab.call("go_to_page", page=DEEP_PAGE))
            await _timed(scratch, "ws page 1", tab.call("go_to_page", page=1))
            for column in SORT_CYCLE:
                for direction in ("asc", "desc"):
                    label = f"ws sort {column} {direction}"
                    await _timed(scratch, label, tab.call("sort_by", column=column))
            await tab.call("sort_by", column="name")  # back to name ascending
            for text in ("harbor", RARE):
                await _timed(scratch, f"ws search '{text}'", tab.call("set_search", text=text))
            await _timed(scratch, "ws clear search", tab.call("set_search", text=""))
            await _timed(scratch, "ws page size 100", tab.call("set_page_size", size="100"))
            await _timed(scratch, "ws page size 25", tab.call("set_page_size", size="25"))
        finally:
            await tab.close()
    return timings


# ----- one size, all sizes, the table ---------------------------------------------------


def seed_size(url: str, n: int) -> tuple[dict, str]:
    """Seed `n` projects into the empty database at `url`; the list counts and the
    approver's session token (signed in through the service, as the login form does)."""
    began = time.perf_counter()
    counts = bulk_seed.seed(url, n)
    print(f"[{n:,}] seeded in {time.perf_counter() - began:.1f} s: {counts}", flush=True)
    return counts, auth.sign_in(bulk_seed.APPROVER_EMAIL, bulk_seed.PASSWORD)


@contextmanager
def serve(url: str, log_path: Path) -> Iterator[str]:
    """The real app on the seeded database at `url`; yields its base URL. No demo data:
    `running_app` asks for it, and it would add demo users and projects to the seed."""
    with running_app({"REFLEX_DB_URL": url, "ERP_DEMO_DATA": "0"}, log_path) as (base, _pid):
        print(f"app up at {base}", flush=True)
        yield base


def run_size(n: int, db: str, repeat: int, folder: Path) -> tuple[Timings, dict, str]:
    """Seed `n` projects, time the services, explain the slow ones, then the websocket."""
    with bulk_seed.fresh_database(db, folder) as url:
        counts, token = seed_size(url, n)
        timings = time_services(token, repeat)
        plans = explain_slow(token, timings)
        with serve(url, folder / f"app-{n}.log") as base:
            timings |= asyncio.run(time_websocket(base, token, counts, repeat))
    return timings, counts, plans


def explain_slow(token: str, timings: Timings) -> str:
    """The plan of each SELECT over 5 ms run by a service call whose median misses the goal."""
    eng, captured, out = engine(), [], []

    def grab(_conn, _cursor, statement, params, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    prefix = "EXPLAIN QUERY PLAN " if eng.dialect.name == "sqlite" else "EXPLAIN "
    for label, call in service_ops(token):
        if statistics.median(timings[label]) <= GOAL_MS:
            continue
        captured.clear()
        event.listen(eng, "before_cursor_execute", grab)
        try:
            call()
        finally:
            event.remove(eng, "before_cursor_execute", grab)
        for statement, params in captured:
            with eng.connect() as conn:
                began = time.perf_counter()
                conn.exec_driver_sql(statement, params).all()
                ms = (time.perf_counter() - began) * 1000
                plan = conn.exec_driver_sql(prefix + statement, params).all()
            if ms < GOAL_MS / 10:
                continue
            sql = " ".join(statement.split())
            text = "\n".join(" ".join(str(c) for c in row) for row in plan)
            out.append(f"**{label}** ({ms:.0f} ms): `{sql[:150]}…`\n\n```\n{text}\n```\n")
    return "\n".join(out)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def table(results: dict[int, Timings], counts: dict[int, dict], db: str, repeat: int) -> str:
    """The Markdown report: median / p95 per size, the ratio of medians, the verdict."""
    sizes = sorted(results)
    small, big = sizes[0], sizes[-1]
    head = " | ".join(f"{n:,} median | {n:,} p95" for n in sizes)
    rows_per_list = "; ".join(
        f"{n:,}: " + ", ".join(f"{k} {v:,}" for k, v in counts[n].items()) for n in sizes
    )
    lines = [
        f"# Jobs tab benchmark ({db}, {repeat} rounds, {os.cpu_count()} CPUs)",
        "",
        f"Times in ms. Goal: p95 ≤ {GOAL_MS:.0f} ms at {big:,} projects and "
        f"median({big:,}) / median({small:,}) ≤ {GOAL_RATIO:g}. Rows per list: {rows_per_list}. "
        f"Pages are of 25 rows of Ready To Export unless named; a page past the end is "
        f"clamped to the last page. `svc` = the service call alone, `ws` = the Reflex event "
        f"from emit to the delta with the new rows.",
        "",
        f"| operation | {head} | ratio | goal |",
        "|---" * (2 * len(sizes) + 3) + "|",
    ]
    for label in results[small]:
        cells, verdict = [], []
        for n in sizes:
            values = results[n].get(label, [math.nan])
            cells += [f"{statistics.median(values):.1f}", f"{p95(values):.1f}"]
        ratio = statistics.median(results[big][label]) / statistics.median(results[small][label])
        if p95(results[big][label]) > GOAL_MS:
            verdict.append("slow")
        if ratio > GOAL_RATIO and len(sizes) > 1:
            verdict.append("grows")
        lines.append(
            f"| {label} | {' | '.join(cells)} | {ratio:.2f} | {', '.join(verdict) or 'ok'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the arguments, run every size, print and write the table."""
    parser = argparse.ArgumentParser(description="Benchmark the Jobs tab at scale.")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path, help="default: benchmarks/results[-postgresql].md")
    args = parser.parse_args()
    out = args.out or RESULTS.with_stem("results" + ("-postgresql" if args.db != "sqlite" else ""))
    results, counts, plans = {}, {}, ""
    with tempfile.TemporaryDirectory(prefix="erp-bench-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            results[n], counts[n], plans = run_size(n, args.db, args.repeat, folder)
    report = table(results, counts, args.db, args.repeat)
    if plans:
        title = f"Query plans of the service calls slower than {GOAL_MS:g} ms ({max(results):,})"
        report += f"\n## {title}\n\n{plans}"
    print(report)
    out.write_text(report)


if __name__ == "__main__":
    main()
