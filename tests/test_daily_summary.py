"""The daily summary: once per day, to approvers who did not opt out."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from erp_dashboard.db import read_only
from erp_dashboard.models import Email
from erp_dashboard.services import daily_summary
from erp_dashboard.services.notifications import SUMMARY_SUBJECT


def summaries() -> list[Email]:
    with read_only() as s:
        query = select(Email).where(Email.subject.startswith(SUMMARY_SUBJECT))
        return list(s.exec(query).all())


def test_written_once_a_day_to_approvers_who_want_it(world):
    daily_summary.set_daily_summary(world.approver2, False)
    assert daily_summary.write_summaries(date(2026, 11, 26)) == 1
    assert daily_summary.write_summaries(date(2026, 11, 26)) == 0  # another worker, same day
    [email] = summaries()
    assert email.to_addrs == "ann@example.com"
    assert email.subject == "ERP Integrations Daily Summary 2026-11-26"
    assert "Ready To Export: 3" in email.body and "- Project 1 (Ready To Export)" in email.body
    assert daily_summary.write_summaries(date(2026, 11, 27)) == 1


def test_nothing_waiting_sends_nothing(db):
    assert daily_summary.write_summaries(date(2026, 11, 26)) == 0
    assert summaries() == []


def test_only_approvers_want_it_and_each_sets_their_own(world):
    assert daily_summary.wants_daily_summary(world.approver)
    assert not daily_summary.wants_daily_summary(world.viewer)
    daily_summary.set_daily_summary(world.approver, False)
    assert not daily_summary.wants_daily_summary(world.approver)
    assert daily_summary.wants_daily_summary(world.approver2)
