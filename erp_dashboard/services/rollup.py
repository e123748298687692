"""The overview's per-day rollups of the audit trail, kept in step with every transition.

`erp_daily` counts transitions per UTC day, action, actor and QuickBooks status code;
`decision_wait` counts first decisions per week (from Monday) by how long the project had
waited since it was sent to ERP, in log-scale buckets about 5 % apart (percentiles read
from them are within that of the exact value). The state machine calls `count` in the
transition's own transaction; `rebuild` recomputes both from the audit trail (the
migration that adds them back-fills with it).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from erp_dashboard.models import DecisionWait, ErpDaily, ErpEvent, table_of
from erp_dashboard.names import ErpState

DECISIONS = frozenset({"export", "reject", "link"})  # what ends a wait in Ready To Export
BUCKETS_PER_E = 20  # wait buckets per factor e (e ** (1/20) ≈ 1.05)
QUICKBOOKS_ACTOR = 0  # `actor_id` of what QuickBooks caused
NO_CODE = 0  # `qb_code` of a transition without a QuickBooks refusal


def wait_bucket(seconds: float) -> int:
    """The bucket of a wait of `seconds`."""
    return round(math.log1p(max(0.0, seconds)) * BUCKETS_PER_E)


def bucket_seconds(bucket: int) -> float:
    """The wait a bucket stands for."""
    return math.expm1(bucket / BUCKETS_PER_E)


def week_of(day: date) -> date:
    """The Monday that starts `day`'s week."""
    return day - timedelta(days=day.weekday())


def _add_one(session: Session, table, keys: dict, **latest) -> None:
    """`n = n + 1` on the row with `keys` (and its `latest` values set), made at 1 when
    missing (atomic on both engines)."""
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        upsert(table)
        .values(**keys, **latest, n=1)
        .on_conflict_do_update(index_elements=list(keys), set_={"n": table.c.n + 1, **latest})
    )


def count(session: Session, event: ErpEvent, sent_at: datetime | None) -> None:
    """Count `event` (a project that was in Ready To Export since `sent_at`, when a decision)."""
    day = event.at.date()
    _add_one(
        session,
        table_of(ErpDaily),
        {
            "day": day,
            "action": event.action,
            "actor_id": event.actor_id or QUICKBOOKS_ACTOR,
            "qb_code": event.qb_code or NO_CODE,
        },
        **({"message": event.comment} if event.qb_code else {}),
    )
    if _is_decision(event.action, event.from_state) and sent_at is not None:
        waited = (event.at - sent_at).total_seconds()
        _add_one(
            session, table_of(DecisionWait), {"week": week_of(day), "bucket": wait_bucket(waited)}
        )


def _is_decision(action: str, from_state: str) -> bool:
    return action in DECISIONS and from_state == ErpState.READY_TO_EXPORT


def rebuild(conn: Connection, chunk: int = 50_000) -> int:
    """Recompute both rollups from the projects' audit trail in one pass; returns the
    events read."""
    daily: Counter[tuple[date, str, int, int]] = Counter()
    messages: dict[tuple[date, str, int, int], tuple[datetime, str]] = {}  # the latest
    waits: Counter[tuple[date, int]] = Counter()  # (week, bucket)
    e = table_of(ErpEvent).c
    rows = conn.execute(
        select(e.project_id, e.at, e.action, e.actor_id, e.qb_code, e.from_state, e.comment)
        .where(e.project_id.is_not(None))  # a QuickBooks job's own events are not transitions
        .order_by(e.project_id, e.at, e.id)
        .execution_options(yield_per=chunk)
    )
    read, project, sent_at = 0, None, None
    for project_id, at, action, actor_id, qb_code, from_state, comment in rows:
        read += 1
        if project_id != project:
            project, sent_at = project_id, None
        day = at.date()
        key = (day, action, actor_id or QUICKBOOKS_ACTOR, qb_code or NO_CODE)
        daily[key] += 1
        if qb_code and (key not in messages or messages[key][0] <= at):
            messages[key] = (at, comment)
        if action == "send":
            sent_at = at
        elif _is_decision(action, from_state) and sent_at is not None:
            waits[week_of(day), wait_bucket((at - sent_at).total_seconds())] += 1
    conn.execute(delete(table_of(ErpDaily)))
    conn.execute(delete(table_of(DecisionWait)))
    daily_rows = [
        {"day": d, "action": a, "actor_id": u, "qb_code": c, "n": n, "message": m}
        for (d, a, u, c), n in daily.items()
        for m in [messages.get((d, a, u, c), (None, ""))[1]]
    ]
    wait_rows = [{"week": w, "bucket": b, "n": n} for (w, b), n in waits.items()]
    for table, values in ((table_of(ErpDaily), daily_rows), (table_of(DecisionWait), wait_rows)):
        for start in range(0, len(values), chunk):
            conn.execute(insert(table), values[start : start + chunk])
    return read
