"""The managers' overview, against a hand-computed history, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.config import Config
from sqlmodel import select

from alembic import command
from erp_dashboard.db import engine, read_only, unit_of_work
from erp_dashboard.models import DecisionWait, ErpDaily, ErpEvent
from erp_dashboard.services import (
    api_tokens,
    auth,
    export_queue,
    job_lists,
    jobs,
    overview,
    projects,
    rollup,
    state_machine,
)
from erp_dashboard.services.errors import InvalidInput
from erp_dashboard.services.overview import Period
from erp_dashboard.simulator.quickbooks import add_customer
from erp_dashboard.startup import ROOT
from tests.builders import PASSWORD, drain

NOV = 2026, 11


def at(day: int, hour: int = 0) -> datetime:
    return datetime(*NOV, day, hour, tzinfo=UTC)


class Clock:
    """The clock of the state machine, of sending to ERP and of QuickBooks' answers."""

    def __init__(self, monkeypatch):
        self.now = at(1)
        for module in (state_machine, projects, export_queue):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)


@pytest.fixture
def history(world, monkeypatch):
    """Alpha, Bravo and Charlie accepted on Nov 2 at 10:00 after 1, 2 and 3 hours; Delta
    rejected then after 34 hours; on Nov 3 QuickBooks takes Alpha and Bravo and refuses
    Charlie (3100); Echo waits since Oct 30 (and the world's three since today)."""
    clock = Clock(monkeypatch)
    sent = {}
    for name, when in (
        ("Echo", datetime(2026, 10, 30, tzinfo=UTC)),
        ("Delta", at(1)),
        ("Charlie", at(2, 7)),
        ("Bravo", at(2, 8)),
        ("Alpha", at(2, 9)),
    ):
        clock.now = when
        sent[name] = world.new_project(name)
    with unit_of_work() as s:
        add_customer(s, "Charlie", parent_full_name="Acme Builders")
    clock.now = at(2, 10)
    accepted = [world.choice(sent[name]) for name in ("Alpha", "Bravo", "Charlie")]
    assert all(o.ok for o in jobs.export_projects(world.approver, accepted))
    delta = sent["Delta"]
    jobs.reject(world.approver2, delta, world.project(delta).erp_version, "Wrong client")
    clock.now = at(3, 12)
    drain()
    assert world.project(sent["Charlie"]).erp_state == "failed_to_export"
    return world


def test_cards_count_the_period_and_the_lists_now(history):
    found = overview.overview(history.viewer, Period(date(*NOV, 1), date(*NOV, 5)))
    cards = {c.key: c for c in found.cards}
    assert {k: c.value for k, c in cards.items()} == {
        "ready_to_export": 4,
        "synced": 2,
        "failed_to_export": 1,
        "rejected": 1,
        "ready_to_update": 0,
        "ready_to_import": 0,  # Charlie's namesake job: hidden while Charlie was exporting
    }
    assert cards["failed_to_export"].detail == "1 new in the period."
    assert cards["ready_to_export"].detail.startswith("Oldest waiting ")
    assert " d" in cards["ready_to_export"].detail  # Echo, sent on Oct 30
    assert cards["synced"].href == "/jobs?filter=synced"
    later = overview.overview(history.viewer, Period(date(*NOV, 4), date(*NOV, 5)))
    assert {c.key: c.value for c in later.cards}["synced"] == 0  # outside the period


def test_points_per_day_and_per_week(history):
    daily = overview.overview(history.viewer, Period(date(*NOV, 1), date(*NOV, 4)))
    assert not daily.weekly
    assert [(p.label, p.synced, p.failed, p.rejected) for p in daily.points] == [
        ("Nov 1", 0, 0, 0),
        ("Nov 2", 0, 0, 1),
        ("Nov 3", 2, 1, 0),
        ("Nov 4", 0, 0, 0),
    ]
    weekly = overview.overview(history.viewer, Period(date(2026, 10, 1), date(*NOV, 26)))
    assert weekly.weekly
    assert weekly.points[0].start == date(2026, 9, 28)  # the Monday of Oct 1's week
    assert len(weekly.points) == 9
    week = {p.start: p for p in weekly.points}[date(*NOV, 2)]
    assert (week.label, week.synced, week.failed, week.rejected) == ("Week of Nov 2", 2, 1, 1)


def test_failure_reasons_name_code_message_advice_and_the_affected_projects(history):
    found = overview.overview(history.viewer, Period(date(*NOV, 1), date(*NOV, 5)))
    [reason] = found.failures
    assert (reason.kind, reason.code, reason.count) == ("Export", 3100, 1)
    assert "already in use" in reason.message
    assert reason.advice.startswith("QuickBooks already has a job with this name")
    assert reason.href == "/jobs?filter=failed_to_export&code=3100"
    narrowed = job_lists.query_from_url({"filter": "failed_to_export", "code": "3100"})
    page = job_lists.list_page(history.viewer, narrowed)
    assert [r.name for r in page.rows] == ["Charlie"] and page.total == 1
    other = job_lists.list_page(history.viewer, dataclasses.replace(narrowed, code=3120))
    assert other.rows == [] and other.total == 0
    assert overview.overview(history.viewer, Period(date(*NOV, 4), date(*NOV, 5))).failures == []


def test_time_to_decision_median_and_90th_percentile_per_week(history):
    found = overview.overview(history.viewer, Period(date(*NOV, 1), date(*NOV, 5)))
    [week] = found.waits
    assert (week.week_start, week.decisions) == (date(*NOV, 2), 4)  # 1 h, 2 h, 3 h, 34 h
    assert week.median_seconds == pytest.approx(2 * 3600, rel=0.05)
    assert week.p90_seconds == pytest.approx(34 * 3600, rel=0.05)
    assert overview.age_text(week.median_seconds) in ("1 h 57 min", "2 h", "2 h 3 min", "2 h 2 min")


def test_decisions_per_approver(history):
    found = overview.overview(history.viewer, Period(date(*NOV, 1), date(*NOV, 5)))
    assert [(a.name, a.accepted, a.rejected, a.total) for a in found.approvers] == [
        ("Ann Approver", 3, 0, 3),
        ("Bob Approver", 0, 1, 1),
    ]


def test_refusal_event_keeps_quickbooks_code_and_message(history):
    with read_only() as s:
        [event] = s.exec(select(ErpEvent).where(ErpEvent.action == "export_failed")).all()
    assert event.qb_code == 3100 and "already in use" in event.comment


def _rollups() -> tuple[list, list]:
    with read_only() as s:
        daily = sorted(
            (r.day, r.action, r.actor_id, r.qb_code, r.n, r.message)
            for r in s.exec(select(ErpDaily))
        )
        waits = sorted((r.week, r.bucket, r.n) for r in s.exec(select(DecisionWait)))
    return daily, waits


def test_rebuild_from_the_audit_trail_equals_what_transitions_kept(history):
    kept = _rollups()
    assert kept[0] and kept[1]
    with read_only() as s:
        events = len(s.exec(select(ErpEvent.id).where(ErpEvent.project_id.is_not(None))).all())
    with engine().begin() as conn:
        assert rollup.rebuild(conn, chunk=3) == events
    assert _rollups() == kept


def test_migration_back_fills_codes_and_rollups(history, db):
    kept = _rollups()
    config = Config(str(ROOT / "alembic.ini"))
    command.downgrade(config, "0013")  # as before the rollups existed
    command.upgrade(config, "head")
    assert _rollups() == kept
    with read_only() as s:
        [event] = s.exec(select(ErpEvent).where(ErpEvent.action == "export_failed")).all()
    assert event.qb_code == 3100 and "already in use" in event.comment


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (date(*NOV, 26) - timedelta(days=29), date(*NOV, 26), "30d")),
        ({"range": "today"}, (date(*NOV, 26), date(*NOV, 26), "today")),
        ({"range": "7d"}, (date(*NOV, 20), date(*NOV, 26), "7d")),
        ({"range": "90d"}, (date(2026, 8, 29), date(*NOV, 26), "90d")),
        ({"from": "2026-11-01", "to": "2026-11-03"}, (date(*NOV, 1), date(*NOV, 3), "custom")),
        ({"from": "2026-11-20"}, (date(*NOV, 20), date(*NOV, 26), "custom")),
    ],
)
def test_period_from_the_address(params, expected):
    period = overview.period_from_url(params, date(*NOV, 26))
    assert (period.start, period.end, period.preset) == expected
    assert overview.period_from_url(overview.url_params(period), date(*NOV, 26)) == period


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"range": "year"}, "range must be one of"),
        ({"from": "2026-11-31"}, "from must be a date"),
        ({"from": "26-11-2026"}, "from must be a date"),
        ({"to": "2026-11-01T00"}, "to must be a date"),
        ({"from": "2026-11-05", "to": "2026-11-01"}, "must not be after its end"),
        ({"to": "2026-11-27"}, "cannot end after today"),
        ({"from": "2020-01-01"}, "at most 731 days"),
    ],
)
def test_bad_periods_are_named(params, says):
    with pytest.raises(InvalidInput, match=says):
        overview.period_from_url(params, date(*NOV, 26))


@pytest.mark.parametrize("code", ["abc", "3100x", "1234567", "", "٣١٠٠"])
def test_bad_code_in_the_jobs_address_is_named(code):
    with pytest.raises(InvalidInput, match="code must be a QuickBooks status code"):
        job_lists.query_from_url({"filter": "failed_to_export", "code": code})


def test_code_only_narrows_project_lists():
    with pytest.raises(InvalidInput, match="Ready To Import has no QuickBooks status codes"):
        job_lists.query_from_url({"filter": "ready_to_import", "code": "3100"})
    query = job_lists.query_from_url({"filter": "ready_to_update", "code": "-1"})
    assert query.code == -1 and job_lists.url_params(query)["code"] == "-1"


def test_time_to_decision_covers_the_whole_weeks_a_period_overlaps(history):
    sunday = overview.overview(history.viewer, Period(date(*NOV, 1), date(*NOV, 1)))
    assert sunday.waits == []  # Nov 1 ends the week before the decisions
    tuesday = overview.overview(history.viewer, Period(date(*NOV, 3), date(*NOV, 3)))
    assert [(w.week_start, w.decisions) for w in tuesday.waits] == [(date(*NOV, 2), 4)]
    assert rollup.bucket_seconds(rollup.wait_bucket(60)) == pytest.approx(60, rel=0.05)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 min"),
        (20, "1 min"),
        (45 * 60, "45 min"),
        (3 * 3600, "3 h"),
        (3 * 3600 + 20 * 60, "3 h 20 min"),
        (52 * 3600, "2 d 4 h"),
        (48 * 3600, "2 d"),
    ],
)
def test_age_text(seconds, text):
    assert overview.age_text(seconds) == text


def test_a_viewer_starts_on_the_overview_others_on_ready_to_export(world):
    assert auth.home_for(world.viewer) == "/overview"
    assert auth.home_for(world.approver) == auth.home_for(world.admin) == auth.HOME
    assert auth.return_path("", "/overview") == "/overview"
    assert auth.return_path("//evil.example", "/overview") == "/overview"
    assert auth.return_path("/jobs?filter=synced", "/overview") == "/jobs?filter=synced"


# ----- over HTTP: the read API's summary and the daily table's CSV ---------------------


def _client():
    from starlette.testclient import TestClient

    from erp_dashboard.api.app import api_app

    return TestClient(api_app())


def test_the_api_summary_of_a_period(history):
    token = api_tokens.create(history.admin, "Board").secret
    reply = _client().get(
        "/api/v1/summary?from=2026-11-01&to=2026-11-05",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["from"], body["to"], body["per"]) == ("2026-11-01", "2026-11-05", "day")
    assert body["cards"]["synced"]["value"] == 2 and body["cards"]["rejected"]["value"] == 1
    assert body["series"][2] == {"start": "2026-11-03", "synced": 2, "failed": 1, "rejected": 0}
    [refusal] = body["refusals"]
    assert (refusal["kind"], refusal["code"], refusal["count"]) == ("export", 3100, 1)
    [week] = body["time_to_decision"]
    assert week["week"] == "2026-11-02" and week["decisions"] == 4
    assert week["median_seconds"] == pytest.approx(7200, rel=0.05)
    assert [a["name"] for a in body["approvers"]] == ["Ann Approver", "Bob Approver"]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("?from=2026-13-01", 422, "from must be a date"),
        ("?range=year", 422, "range must be one of"),
        ("?from=2026-11-05&to=2026-11-01", 422, "must not be after its end"),
        ("?week=1", 422, "Unknown parameter 'week'"),
    ],
)
def test_a_bad_summary_request_is_named(history, query, status, words):
    token = api_tokens.create(history.admin, "Board").secret
    reply = _client().get(f"/api/v1/summary{query}", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == status and words in reply.json()["message"], reply.text


def test_the_summary_needs_a_token(history):
    reply = _client().get("/api/v1/summary")
    assert reply.status_code == 401 and reply.headers["www-authenticate"].startswith("Bearer")


def test_the_daily_table_as_csv(history):
    import csv
    import io

    cookie = auth.sign_in("vic@example.com", PASSWORD)
    client = _client()
    client.cookies.set("erp_session", cookie)
    reply = client.get("/overview.csv?from=2026-11-01&to=2026-11-04")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-disposition"] == (
        'attachment; filename="overview-2026-11-01-to-2026-11-04.csv"'
    )
    assert reply.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows == [
        ["Day", "Synced", "Failed", "Rejected"],
        ["2026-11-01", "0", "0", "0"],
        ["2026-11-02", "0", "0", "1"],
        ["2026-11-03", "2", "1", "0"],
        ["2026-11-04", "0", "0", "0"],
    ]
    assert client.get("/overview.csv?from=nope").status_code == 422
    client.cookies.clear()
    assert client.get("/overview.csv").status_code == 401
