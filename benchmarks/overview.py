"""The managers' overview at scale: 1,000 and 100,000 projects with ten audit events each
(1,000,000 at 100,000), on SQLite and PostgreSQL.

    python -m benchmarks.overview [--sizes 1000,100000] [--db sqlite,postgresql] [--repeat 30]

For each size and database: seed with `benchmarks.bulk_seed`, replace the audit trail
with ten events per project (sent, accepted, exported or refused with a QuickBooks code,
retried, re-sent, updated, rejected...) spread over the last 1,000 days, rebuild the
rollups from it (timed: what the migration's back-fill costs), then time the overview's
service call (`overview.overview`, the server time of a page load or a live update) for
each preset period and a two-year one, and the Jobs list narrowed to a failure code.
Median and p95 per read, and the largest/smallest ratio, go to stdout and
`benchmarks/results-overview.md`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, text

from benchmarks import bulk_seed
from erp_dashboard.db import engine
from erp_dashboard.models import ErpEvent, Project, User
from erp_dashboard.services import auth, job_lists, overview, rollup
from erp_dashboard.services.permissions import Role

GOAL_MS = 50.0
GOAL_RATIO = 2.0
GOALS = {f"overview {p}" for p in ("today", "7 days", "30 days", "90 days")}  # the presets
RESULTS = Path(__file__).with_name("results-overview.md")
EVENTS_PER_PROJECT = 10
CODES = (3100, 3100, 3100, 3140, 3070, 3260)  # QuickBooks refusals, the commonest first
HISTORIES = (  # (share, actions after "send"); a refusal takes a code from CODES
    (0.70, ("export", "export_succeeded", "resend", "update", "update_succeeded", "resend",
            "update", "update_succeeded", "resend")),
    (0.15, ("export", "export_failed", "retry", "export_succeeded", "resend", "update",
            "update_failed", "update", "update_succeeded")),
    (0.15, ("reject", "send", "export", "export_succeeded", "resend", "update",
            "update_succeeded", "resend", "reject_update")),
)  # fmt: skip
QUICKBOOKS = {"export_succeeded", "export_failed", "update_succeeded", "update_failed"}
ADMIN_ACTIONS = {"send", "resend"}


def _from_state(previous: str | None) -> str:
    """The state an action leaves from, given the action before it (enough for the
    rollups, which only look at `reject`/`export`/`link` leaving Ready To Export)."""
    return "ready_to_export" if previous in (None, "send") else "other"


def write_history(url: str, now: datetime, rng_seed: int = 11) -> int:
    """Replace the audit trail with EVENTS_PER_PROJECT events per project."""
    rng = random.Random(rng_seed)
    eng = engine()
    with eng.begin() as conn:
        people = dict(conn.execute(select(User.role, User.id)).all())
        ids = [pid for (pid,) in conn.execute(select(Project.id).order_by(Project.id))]
        conn.execute(delete(ErpEvent.__table__))
    approver, admin = people[Role.APPROVER], people[Role.PROJECT_ADMIN]
    shares = [share for share, _ in HISTORIES]
    written, chunk = 0, []
    for pid in ids:
        at = now - timedelta(days=rng.uniform(30, 1000))
        (_, actions) = rng.choices(HISTORIES, weights=shares)[0]
        previous = None
        for action in ("send", *actions):
            failed = action.endswith("_failed")
            chunk.append(
                {
                    "project_id": pid,
                    "actor_id": None
                    if action in QUICKBOOKS
                    else admin
                    if action in ADMIN_ACTIONS
                    else approver,
                    "at": at,
                    "action": action,
                    "from_state": _from_state(previous),
                    "to_state": "",
                    "comment": "The name is already in use." if failed else "",
                    "qb_code": rng.choice(CODES) if failed else None,
                }
            )
            previous = action
            at += timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        if len(chunk) >= 50_000:
            written += _insert(chunk)
    return written + _insert(chunk)


def _insert(rows: list[dict]) -> int:
    if not rows:
        return 0
    with engine().begin() as conn:
        conn.execute(ErpEvent.__table__.insert(), rows)
    n = len(rows)
    rows.clear()
    return n


def _time(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm the caches and the pool
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def measure(kind: str, n: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Seed one database and time each read; returns {read: (median ms, p95 ms)}."""
    with tempfile.TemporaryDirectory() as tmp, bulk_seed.fresh_database(kind, Path(tmp)) as url:
        bulk_seed.seed(url, n)
        now = datetime.now(UTC)
        events = write_history(url, now)
        began = time.perf_counter()
        with engine().begin() as conn:
            rollup.rebuild(conn)
        rebuilt = time.perf_counter() - began
        with engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if kind == "postgresql" else "ANALYZE"))
        actor = auth.actor_for(auth.sign_in(bulk_seed.APPROVER_EMAIL, bulk_seed.PASSWORD))
        today = now.date()
        reads = {
            f"overview {label}": (
                lambda params=params: overview.overview(
                    actor, overview.period_from_url(params, today)
                )
            )
            for label, params in (
                ("today", {"range": "today"}),
                ("7 days", {"range": "7d"}),
                ("30 days", {"range": "30d"}),
                ("90 days", {"range": "90d"}),
                ("2 years", {"from": (today - timedelta(days=730)).isoformat()}),
            )
        }
        code = job_lists.query_from_url({"filter": "failed_to_export", "code": "3100"})
        reads["failed list, code 3100"] = lambda: job_lists.list_page(actor, code)
        results = {name: _time(fn, repeat) for name, fn in reads.items()}
        print(f"{kind} {n:>7,}: {events:,} events, rollups rebuilt in {rebuilt:.1f} s")
        results["_rebuild_s"] = (rebuilt, float(events))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    lines = [
        "# Overview benchmark",
        "",
        f"`python -m benchmarks.overview --sizes {args.sizes} --db {args.db} "
        f"--repeat {args.repeat}`: server time of the overview's read (ms, median / p95), "
        f"{EVENTS_PER_PROJECT} audit events per project. Goal for the preset periods: "
        f"≤ {GOAL_MS:.0f} ms at the largest size, largest/smallest ≤ {GOAL_RATIO:.0f}.",
        "",
    ]
    failed = False
    for kind in args.db.split(","):
        table = {n: measure(kind, n, args.repeat) for n in sizes}
        lines += [
            f"## {kind}",
            "",
            "| read | " + " | ".join(f"{n:,} projects" for n in sizes) + " | ratio |",
            "|---" * (len(sizes) + 2) + "|",
        ]
        for name in table[sizes[0]]:
            if name.startswith("_"):
                continue
            cells = [f"{table[n][name][0]:.1f} / {table[n][name][1]:.1f}" for n in sizes]
            ratio = table[sizes[-1]][name][0] / max(table[sizes[0]][name][0], 0.001)
            worst = table[sizes[-1]][name][0]
            failed |= name in GOALS and (worst > GOAL_MS or ratio > GOAL_RATIO)
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
        lines += [
            "",
            "Rollups rebuilt from the audit trail (the migration's back-fill): "
            + ", ".join(
                f"{int(table[n]['_rebuild_s'][1]):,} events in {table[n]['_rebuild_s'][0]:.1f} s"
                for n in sizes
            )
            + ".",
            "",
        ]
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(report)
    if failed:
        raise SystemExit("An overview read missed its goal.")


if __name__ == "__main__":
    main()
