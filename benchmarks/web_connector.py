"""1,000 queued exports drained end to end through /qbwc by the simulated Web Connector.

    python -m benchmarks.web_connector [--exports 1000] [--db sqlite|postgresql]

Starts the real app (`reflex run --env prod`, QBD_MODE=webconnector so nothing
else drains the queue), queues the exports through the service layer, then
times one simulated Web Connector session over HTTP: SOAP round trips and wall
time. Goal: ≤ 20 round trips and ≤ 10 s. Results go to stdout and
`benchmarks/results-web-connector.md`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from pathlib import Path

from sqlmodel import func, select

from benchmarks import bulk_seed
from erp_dashboard import config
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, Project
from erp_dashboard.names import ErpState
from erp_dashboard.services import auth, jobs, projects
from erp_dashboard.services.permissions import Role
from erp_dashboard.simulator.quickbooks import add_customer
from erp_dashboard.simulator.web_connector import run_session
from erp_dashboard.startup import migrate
from tests.e2e.harness import running_app

RESULTS = Path(__file__).with_name("results-web-connector.md")
GOAL_ROUND_TRIPS, GOAL_SECONDS = 20, 10.0


def queue_exports(n: int) -> None:
    """n projects, sent and accepted under 10 customers: n CustomerAddRq waiting."""
    password = secrets.token_urlsafe(16)
    with unit_of_work() as s:
        admin = auth.actor_of(
            auth.create_user(s, "a@example.com", "Admin", password, Role.PROJECT_ADMIN)
        )
        approver = auth.actor_of(
            auth.create_user(s, "b@example.com", "Appr", password, Role.APPROVER)
        )
        customers = []
        for i in range(10):
            item = add_customer(s, f"Customer {i:02d}")
            s.add(Customer(list_id=item.list_id, full_name=item.full_name))
            customers.append(item.list_id)
    ids = [
        projects.add_project(
            admin, name=f"Job {i:05d}", number=f"B-{i}", street=f"{i} Main St", city="Boise"
        )
        for i in range(n)
    ]
    for pid in ids:
        projects.send_to_erp(admin, pid)
    choices = [jobs.ExportChoice(pid, 1, customers[i % 10]) for i, pid in enumerate(ids)]
    outcomes = jobs.export_projects(approver, choices)
    assert all(o.ok for o in outcomes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exports", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    user, password = "qbwc-bench", secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp, bulk_seed.fresh_database(args.db, Path(tmp)) as url:
        os.environ["REFLEX_DB_URL"] = url
        config.load.cache_clear()
        migrate()
        env = {
            "REFLEX_DB_URL": url,
            "ERP_DEMO_DATA": "0",
            "QBD_MODE": "webconnector",
            "QBWC_USERNAME": user,
            "QBWC_PASSWORD": password,
        }
        with running_app(env, Path(tmp) / "app.log") as (base, _pid):
            queue_exports(args.exports)
            started = time.perf_counter()
            report = run_session(f"{base}/qbwc", user, password)
            seconds = time.perf_counter() - started
        with unit_of_work() as s:
            synced = s.exec(select(func.count()).where(Project.erp_state == ErpState.SYNCED)).one()
    rows = [
        ("exports queued", args.exports, ""),
        ("synced afterwards", synced, "ok" if synced == args.exports else "MISSING"),
        ("SOAP round trips", report.round_trips, _verdict(report.round_trips <= GOAL_ROUND_TRIPS)),
        ("wall time (s)", f"{seconds:.2f}", _verdict(seconds <= GOAL_SECONDS)),
        ("session", report.summary(), ""),
    ]
    table = "\n".join(f"| {name} | {value} | {verdict} |" for name, value, verdict in rows)
    text = (
        f"# Web Connector drain ({args.db}, {os.cpu_count()} CPUs)\n\n"
        f"| what | value | goal |\n|---|---|---|\n{table}\n"
    )
    print(text)
    RESULTS.write_text(text)


def _verdict(ok: bool) -> str:
    return "ok" if ok else "missed"


if __name__ == "__main__":
    main()
