"""Bulk seeding: N realistic projects in a fresh database, in seconds.

Users go through `auth.create_user` (real argon2 hashes); everything else is
written with SQLAlchemy Core bulk inserts in chunks. `erp_list` is derived from
`erp_state` by the state machine's own mapping, and `list_count` is set from the
rows afterwards, so the counts the app shows equal the rows it pages.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from erp_dashboard import config
from erp_dashboard.db import engine_for, unit_of_work
from erp_dashboard.models import Customer, ErpEvent, ListCount, Project, QbJob
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.services import auth
from erp_dashboard.services.permissions import Role
from erp_dashboard.services.state_machine import LIST_OF_STATE
from erp_dashboard.startup import migrate

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
APPROVER_EMAIL = "bench-approver@example.com"
PASSWORD = "bench-password-1234"
CHUNK = 5_000
# Share of the projects in each ERP state (the Jobs-tab list follows from the state).
MIX = (
    (ErpState.READY_TO_EXPORT, 0.40),
    (ErpState.SYNCED, 0.35),
    (ErpState.FAILED_TO_EXPORT, 0.15),
    (ErpState.READY_TO_UPDATE, 0.10),
)
PLACES = (
    "Harbor", "Cedar Ridge", "Delta", "Evergreen", "Granite", "Ironwood", "Juniper",
    "Lakeshore", "Maple", "Northgate", "Oakmont", "Bayside", "Riverbend", "Summit",
    "Willow Creek", "Stonegate", "Pinecrest", "Silver Lake", "Foxhill", "Brookside",
)  # fmt: skip
KINDS = (
    "Clinic", "Warehouse", "Library", "School Gym", "Office Fitout", "Parking Deck",
    "Hotel Spa", "Data Center", "Fire Station", "Roof Repair", "Lobby Refresh",
    "Daycare", "Cold Storage", "Dormitory", "Marina", "Retail Podium", "Lab Wing",
)  # fmt: skip
STREETS = ("Main St", "Harbor Blvd", "Elm Ave", "Market St", "Lake Rd", "Pine St", "1st Ave")
CITIES = (
    ("Seattle", "WA", "98101"), ("Portland", "OR", "97201"), ("Boise", "ID", "83702"),
    ("Spokane", "WA", "99201"), ("Tacoma", "WA", "98402"), ("Eugene", "OR", "97401"),
    ("Salem", "OR", "97301"), ("Bend", "OR", "97701"), ("Olympia", "WA", "98501"),
    ("Missoula", "MT", "59801"), ("Reno", "NV", "89501"), ("Sacramento", "CA", "95814"),
)  # fmt: skip
COMPANIES = ("Properties", "Schools", "Logistics", "Health", "Holdings", "Council", "Hotels")


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A new empty database URL: a SQLite file in `folder`, or a PostgreSQL database
    created here and dropped (with its connections) when the block ends."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'erp.db'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"erp_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _when(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(days=rng.randint(0, days), seconds=rng.randint(0, 86_399))


def _projects(rng: random.Random, n: int, users: dict[Role, int], customers: list[tuple]):
    """Yield project rows and their 'send' audit events, chunk by chunk."""
    states = [s for s, share in MIX for _ in range(round(share * 1000))]
    epoch = datetime(2023, 1, 1, tzinfo=UTC)
    for first in range(0, n, CHUNK):
        rows, events = [], []
        for pid in range(first + 1, min(n, first + CHUNK) + 1):
            state = rng.choice(states)
            name = f"{rng.choice(PLACES)} {rng.choice(KINDS)}"
            if rng.random() < 0.3:
                name += f" Phase {rng.randint(2, 6)}"
            city, region, postal = rng.choice(CITIES)
            start = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2500))
            sent = _when(rng, epoch, 1000)
            changed = sent + timedelta(hours=rng.randint(0, 2000))
            cust_id, cust_name = rng.choice(customers)
            exported = state is not ErpState.READY_TO_EXPORT
            in_qb = state in (ErpState.SYNCED, ErpState.READY_TO_UPDATE)
            rows.append(
                {
                    "id": pid,
                    "name": name,
                    "number": f"P-{100_000 + pid}",
                    "street": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                    "city": city,
                    "state": region,
                    "postal_code": postal,
                    "start_date": start,
                    "projected_end_date": start + timedelta(days=rng.randint(60, 900)),
                    "description": f"{name} in {city}",
                    "creator_id": users[Role.PROJECT_ADMIN],
                    "is_active": True,
                    "created_at": sent - timedelta(days=rng.randint(1, 60)),
                    "erp_state": state.value,
                    "erp_list": LIST_OF_STATE[state],
                    "erp_version": {ErpState.READY_TO_EXPORT: 1, ErpState.READY_TO_UPDATE: 4}.get(
                        state, 3
                    ),
                    "erp_changed_at": changed,
                    "erp_sent_at": sent,
                    "erp_sent_by_id": users[Role.PROJECT_ADMIN],
                    "erp_decided_by_id": users[Role.APPROVER] if exported else None,
                    "erp_comment": "",
                    "customer_id": cust_id if exported else None,
                    "qb_list_id": f"{pid:08X}-1700000000" if in_qb else None,
                    "qb_full_name": f"{cust_name}:{name}" if exported else None,
                    "qb_edit_sequence": "1700000000" if in_qb else None,
                    "qb_error_code": 3100 if state is ErpState.FAILED_TO_EXPORT else None,
                    "qb_error_message": (
                        f'The name "{name}" of the list element is already in use.'
                        if state is ErpState.FAILED_TO_EXPORT
                        else None
                    ),
                    "synced_at": changed if in_qb else None,
                }
            )
            events.append(
                {
                    "project_id": pid,
                    "actor_id": users[Role.PROJECT_ADMIN],
                    "at": sent,
                    "action": "send",
                    "from_state": ErpState.NOT_SENT.value,
                    "to_state": ErpState.READY_TO_EXPORT.value,
                    "comment": "",
                }
            )
        yield rows, events


def seed(url: str, n: int, *, rng_seed: int = 7) -> dict[str, int]:
    """Migrate the empty database at `url` and fill it with `n` projects.

    Also: one approver (APPROVER_EMAIL / PASSWORD), an admin and a viewer;
    max(20, n/200) customers; n/50 QuickBooks jobs in each of Ready To Import
    and Archived. Returns the list counts, which equal the rows.
    """
    os.environ["REFLEX_DB_URL"] = url
    config.load.cache_clear()
    migrate()
    rng = random.Random(rng_seed)
    with unit_of_work() as session:
        users = {
            role: auth.create_user(session, email, name, PASSWORD, role).id
            for email, name, role in (
                (APPROVER_EMAIL, "Bench Approver", Role.APPROVER),
                ("bench-admin@example.com", "Bench Admin", Role.PROJECT_ADMIN),
                ("bench-viewer@example.com", "Bench Viewer", Role.VIEWER),
            )
        }
    eng = engine_for(url)
    customer_rows = [
        {
            "id": i,
            "list_id": f"{0x80000000 + i:08X}-1600000000",
            "full_name": f"{rng.choice(PLACES)} {rng.choice(COMPANIES)} {i}",
            "is_active": True,
        }
        for i in range(1, max(20, n // 200) + 1)
    ]
    customers = [(c["id"], c["full_name"]) for c in customer_rows]
    jobs = [
        {
            "list_id": f"{0x90000000 + i:08X}-1650000000",
            "full_name": f"{rng.choice(customers)[1]}:{rng.choice(PLACES)} {rng.choice(KINDS)} {i}",
            "customer_full_name": rng.choice(customers)[1],
            "city": rng.choice(CITIES)[0],
            "erp_list": job_list,
            "erp_changed_at": _when(rng, datetime(2023, 1, 1, tzinfo=UTC), 1000),
        }
        for i in range(2 * max(1, n // 50))
        for job_list in [JobList.READY_TO_IMPORT if i % 2 == 0 else JobList.ARCHIVED]
    ]
    with eng.begin() as conn:
        conn.execute(Customer.__table__.insert(), customer_rows)
        conn.execute(QbJob.__table__.insert(), jobs)
    for rows, events in _projects(rng, n, users, customers):
        with eng.begin() as conn:
            conn.execute(Project.__table__.insert(), rows)
            conn.execute(ErpEvent.__table__.insert(), events)
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table in ("project", "customer"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        counts = {name: 0 for name in JobList}
        for table in (Project.__table__, QbJob.__table__):
            for job_list, rows_in in conn.execute(
                select(table.c.erp_list, func.count()).group_by(table.c.erp_list)
            ):
                if job_list:
                    counts[job_list] += rows_in
        for job_list, rows_in in counts.items():
            conn.execute(
                ListCount.__table__.update()
                .where(ListCount.__table__.c.erp_list == job_list)
                .values(n=rows_in)
            )
    # What autovacuum would have done by now on a live database.
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if eng.dialect.name == "postgresql" else "ANALYZE"))
    return {str(k): v for k, v in counts.items()}


if __name__ == "__main__":
    import argparse
    import tempfile
    import time

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.db, Path(tmp)) as db_url:
        began = time.perf_counter()
        print(seed(db_url, args.n), f"{time.perf_counter() - began:.1f} s")
