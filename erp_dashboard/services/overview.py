"""Read side of the managers' overview: what synced, what failed and why, how long
decisions take, over a period of UTC days (from the rollups, never by scanning)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from erp_dashboard import routes
from erp_dashboard.db import read_only
from erp_dashboard.models import DecisionWait, ErpDaily, ListCount, Project, User, utcnow
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.services import csv_export, rollup
from erp_dashboard.services.errors import InvalidInput
from erp_dashboard.services.outcomes import next_step
from erp_dashboard.services.permissions import Actor

PRESETS = {"today": 1, "7d": 7, "30d": 30, "90d": 90}
PRESET_LABELS = {"today": "Today", "7d": "7 days", "30d": "30 days", "90d": "90 days"}
DEFAULT_PRESET = "30d"
MAX_DAYS = 731  # a custom range spans at most two years
DAILY_UP_TO = 31  # longer periods are charted per week
REFUSED = {"export_failed": JobList.FAILED_TO_EXPORT, "update_failed": JobList.READY_TO_UPDATE}
APPROVER_COLUMNS = {  # column: the actions it counts
    "accepted": ("export",),
    "retried": ("retry",),
    "rejected": ("reject",),
    "linked": ("link",),
    "updates": ("update", "reject_update"),
}
COLUMN_OF = {action: column for column, actions in APPROVER_COLUMNS.items() for action in actions}
CHARTED = {  # the chart's series, by the actions they count
    "export_succeeded": "synced",
    "link": "synced",
    "export_failed": "failed",
    "reject": "rejected",
}


@dataclass(frozen=True)
class Period:
    """The UTC days `start` to `end` (both included), and the preset that chose them."""

    start: date
    end: date
    preset: str = "custom"

    @property
    def days(self) -> int:
        """How many days it spans."""
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """The period in words."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def period_from_url(params: dict[str, str], today: date) -> Period:
    """The period an overview address asks for (`range=today|7d|30d|90d`, or `from` and
    `to` as YYYY-MM-DD); InvalidInput names the first value it cannot use."""
    if "from" in params or "to" in params:
        start, end = _day(params, "from", today), _day(params, "to", today)
        if start > end:
            raise InvalidInput("The period's start must not be after its end.")
        if end > today:
            raise InvalidInput(f"The period cannot end after today ({today.isoformat()}).")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(f"A period spans at most {MAX_DAYS} days.")
        return Period(start, end)
    preset = params.get("range", DEFAULT_PRESET)
    if preset not in PRESETS:
        raise InvalidInput(
            f"The address's range must be one of {', '.join(PRESETS)}, or from= and to=."
        )
    return Period(today - timedelta(days=PRESETS[preset] - 1), today, preset)


def _day(params: dict[str, str], key: str, today: date) -> date:
    value = params.get(key, today.isoformat())
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"The address's {key} must be a date like 2026-11-26.") from None


def url_params(period: Period) -> dict[str, str]:
    """The address parameters of a period (none for the default)."""
    if period.preset == DEFAULT_PRESET:
        return {}
    if period.preset in PRESETS:
        return {"range": period.preset}
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def today() -> date:
    """The current UTC day."""
    return utcnow().date()


@dataclass(frozen=True)
class Card:
    """A summary figure, what it means, and the Jobs list behind it."""

    key: str
    label: str
    value: int
    detail: str
    href: str


@dataclass(frozen=True)
class Point:
    """One day (or week) of the chart."""

    label: str
    start: date
    synced: int
    failed: int
    rejected: int


@dataclass(frozen=True)
class FailureReason:
    """QuickBooks' refusals with one status code in the period."""

    code: int
    kind: str  # "Export" or "Update"
    count: int
    message: str  # QuickBooks' latest message with this code
    advice: str
    href: str  # the affected projects: their list filtered to the code


@dataclass(frozen=True)
class WaitWeek:
    """Time from Sent to ERP to Accept or Reject, for decisions in one week."""

    week_start: date
    decisions: int
    median_seconds: float
    p90_seconds: float


@dataclass(frozen=True)
class ApproverTally:
    """One approver's decisions in the period."""

    name: str
    accepted: int
    retried: int
    rejected: int
    linked: int
    updates: int
    total: int  # every decision counted


@dataclass(frozen=True)
class Overview:
    """Everything the overview page draws for one period."""

    period: Period
    weekly: bool
    cards: list[Card]
    points: list[Point]
    failures: list[FailureReason]
    waits: list[WaitWeek]
    approvers: list[ApproverTally]


def overview(actor: Actor, period: Period) -> Overview:
    """The overview of `period`, for any signed-in user: each part one grouped read of
    the rollups (a few rows per day), never of the audit trail."""
    in_period = (ErpDaily.day >= period.start, ErpDaily.day <= period.end)
    total = func.sum(ErpDaily.n)
    with read_only() as session:
        per_day = _rows(
            session,
            select(col(ErpDaily.day), ErpDaily.action, total)
            .where(*in_period, col(ErpDaily.action).in_(CHARTED))
            .group_by(col(ErpDaily.day), ErpDaily.action),
        )
        refusals = _rows(
            session,
            select(ErpDaily.action, ErpDaily.qb_code, total, func.max(ErpDaily.day))
            .where(*in_period, col(ErpDaily.action).in_(REFUSED))
            .group_by(col(ErpDaily.action), col(ErpDaily.qb_code)),
        )
        decisions = _rows(
            session,
            select(ErpDaily.actor_id, ErpDaily.action, total)
            .where(
                *in_period,
                col(ErpDaily.action).in_(COLUMN_OF),
                ErpDaily.actor_id != rollup.QUICKBOOKS_ACTOR,
            )
            .group_by(col(ErpDaily.actor_id), col(ErpDaily.action)),
        )
        lists = dict(session.exec(select(ListCount.erp_list, ListCount.n)).all())
        return Overview(
            period=period,
            weekly=period.days > DAILY_UP_TO,
            cards=_cards(lists, _oldest_waiting(session), per_day),
            points=_points(period, per_day),
            failures=_failures(session, refusals),
            waits=_waits(session, period),
            approvers=_approvers(session, decisions),
        )


def _rows(session: Session, statement) -> list[Any]:
    """A read's rows as plain tuples (no ORM loading: these are many small rows)."""
    return list(session.connection().execute(statement).all())


def _oldest_waiting(session: Session) -> datetime | None:
    return session.exec(
        select(Project.erp_sent_at)
        .where(
            Project.erp_list == JobList.READY_TO_EXPORT,
            Project.erp_state == ErpState.READY_TO_EXPORT,
            col(Project.erp_sent_at).is_not(None),
        )
        .order_by(col(Project.erp_sent_at))
        .limit(1)
    ).first()


def _totals(per_day: Iterable[tuple[date, str, int]]) -> Counter[str]:
    """The period's total of each charted series."""
    totals: Counter[str] = Counter()
    for _day, action, n in per_day:
        totals[CHARTED[action]] += n
    return totals


def age_text(seconds: float) -> str:
    """A duration as people say it: "45 min", "3 h 20 min", "2 d 4 h"."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1) if seconds else 0} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _cards(lists: dict[str, int], oldest: datetime | None, per_day: list) -> list[Card]:
    waiting = "Nothing waits for approval."
    if oldest is not None:
        waiting = f"Oldest waiting {age_text((utcnow() - oldest).total_seconds())}."
    totals = _totals(per_day)
    return [
        Card(
            "ready_to_export",
            "Waiting for approval",
            lists.get(JobList.READY_TO_EXPORT, 0),
            waiting,
            routes.jobs_list(JobList.READY_TO_EXPORT),
        ),
        Card(
            "synced",
            "Synced in the period",
            totals["synced"],
            "Exported to or linked in QuickBooks.",
            routes.jobs_list(JobList.SYNCED),
        ),
        Card(
            "failed_to_export",
            "Failed To Export now",
            lists.get(JobList.FAILED_TO_EXPORT, 0),
            f"{totals['failed']} new in the period.",
            routes.jobs_list(JobList.FAILED_TO_EXPORT),
        ),
        Card(
            "rejected",
            "Rejected in the period",
            totals["rejected"],
            "Sent back to their project admins.",
            routes.PROJECTS,
        ),
        Card(
            "ready_to_update",
            "Ready To Update",
            lists.get(JobList.READY_TO_UPDATE, 0),
            "Changes to synced projects awaiting approval.",
            routes.jobs_list(JobList.READY_TO_UPDATE),
        ),
        Card(
            "ready_to_import",
            "Ready To Import",
            lists.get(JobList.READY_TO_IMPORT, 0),
            "QuickBooks jobs no project is linked to.",
            routes.jobs_list(JobList.READY_TO_IMPORT),
        ),
    ]


def _bucket_start(day: date, weekly: bool) -> date:
    return rollup.week_of(day) if weekly else day


def _points(period: Period, per_day: list[tuple[date, str, int]]) -> list[Point]:
    """Synced, failed and rejected per day, or per week (from Monday) for long periods."""
    weekly = period.days > DAILY_UP_TO
    tally: dict[date, Counter[str]] = defaultdict(Counter)
    for day, action, n in per_day:
        tally[_bucket_start(day, weekly)][CHARTED[action]] += n
    starts, day = [], _bucket_start(period.start, weekly)
    while day <= period.end:
        starts.append(day)
        day += timedelta(days=7 if weekly else 1)
    return [
        Point(
            (f"Week of {d:%b} {d.day}" if weekly else f"{d:%b} {d.day}"),
            d,
            tally[d]["synced"],
            tally[d]["failed"],
            tally[d]["rejected"],
        )
        for d in starts
    ]


def _failures(session: Session, refusals: list[tuple[str, int, int, date]]) -> list[FailureReason]:
    """Refusals per kind and status code, most frequent first, each with QuickBooks' latest
    message (the rollup keeps each day's latest: read on the last day each was seen)."""
    messages: dict[tuple[str, int], str] = {}
    if refusals:
        last_days = [
            and_(
                col(ErpDaily.action) == action,
                col(ErpDaily.qb_code) == code,
                col(ErpDaily.day) == day,
            )
            for action, code, _n, day in refusals
        ]
        for action, code, message in _rows(
            session,
            select(ErpDaily.action, ErpDaily.qb_code, ErpDaily.message).where(or_(*last_days)),
        ):
            messages[action, code] = messages.get((action, code)) or message
    reasons = []
    for action, code, n, _day in sorted(refusals, key=lambda r: (-r[2], r[0], r[1])):
        updating = action == "update_failed"
        reasons.append(
            FailureReason(
                code=code,
                kind="Update" if updating else "Export",
                count=n,
                message=messages.get((action, code), ""),
                advice=next_step(updating, code),
                href=routes.jobs_view({"filter": REFUSED[action], "code": str(code)}),
            )
        )
    return reasons


def _waits(session: Session, period: Period) -> list[WaitWeek]:
    """Median and 90th percentile wait for each week that overlaps the period, found in
    SQL: per week, the first bucket where the running count reaches that share."""
    w = DecisionWait
    ranked = (
        select(
            col(w.week),
            w.bucket,
            func.sum(w.n).over(partition_by=col(w.week), order_by=col(w.bucket)).label("seen"),
            func.sum(w.n).over(partition_by=col(w.week)).label("total"),
        )
        .where(w.week >= rollup.week_of(period.start), w.week <= period.end)
        .subquery()
    )

    def first_reaching(share: float):
        return func.min(case((ranked.c.seen >= share * ranked.c.total, ranked.c.bucket)))

    rows = _rows(
        session,
        select(ranked.c.week, func.max(ranked.c.total), first_reaching(0.5), first_reaching(0.9))
        .group_by(ranked.c.week)
        .order_by(ranked.c.week),
    )
    return [
        WaitWeek(week, total, rollup.bucket_seconds(p50), rollup.bucket_seconds(p90))
        for week, total, p50, p90 in rows
    ]


def _approvers(session: Session, decisions: list[tuple[int, str, int]]) -> list[ApproverTally]:
    """Each person's decisions in the period, most first."""
    per: dict[int, Counter[str]] = defaultdict(Counter)
    for actor_id, action, n in decisions:
        per[actor_id][COLUMN_OF[action]] += n
    names = dict(session.exec(select(User.id, User.name).where(col(User.id).in_(list(per)))).all())
    tallies = [
        ApproverTally(
            names.get(user_id, f"User {user_id}"),
            **{c: n[c] for c in APPROVER_COLUMNS},
            total=sum(n.values()),
        )
        for user_id, n in per.items()
    ]
    return sorted(tallies, key=lambda t: (-t.total, t.name))


def as_json(found: Overview) -> dict:
    """The overview as plain JSON values (ISO dates; waits in seconds)."""
    return {
        "from": found.period.start.isoformat(),
        "to": found.period.end.isoformat(),
        "cards": {card.key: {"value": card.value, "detail": card.detail} for card in found.cards},
        "per": "week" if found.weekly else "day",
        "series": [
            {
                "start": p.start.isoformat(),
                "synced": p.synced,
                "failed": p.failed,
                "rejected": p.rejected,
            }
            for p in found.points
        ],
        "refusals": [
            {"kind": f.kind.lower(), "code": f.code, "count": f.count, "message": f.message}
            for f in found.failures
        ],
        "time_to_decision": [
            {
                "week": w.week_start.isoformat(),
                "decisions": w.decisions,
                "median_seconds": round(w.median_seconds),
                "p90_seconds": round(w.p90_seconds),
            }
            for w in found.waits
        ],
        "approvers": [
            {
                "name": a.name,
                "accepted": a.accepted,
                "rejected": a.rejected,
                "retried": a.retried,
                "linked": a.linked,
                "updates": a.updates,
            }
            for a in found.approvers
        ],
    }


def csv_filename(period: Period) -> str:
    """The daily table's file name, e.g. overview-2026-10-28-to-2026-11-26.csv."""
    return f"overview-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"


def daily_csv(actor: Actor, period: Period) -> Generator[bytes, None, None]:
    """The chart's numbers as CSV: one row per day (per week for long periods)."""
    found = overview(actor, period)
    return csv_export.table_chunks(
        ("Week from" if found.weekly else "Day", "Synced", "Failed", "Rejected"),
        ((p.start, p.synced, p.failed, p.rejected) for p in found.points),
    )
