"""Each unhappy QuickBooks answer, end to end over HTTP: the simulated Web Connector speaks
SOAP to the real /qbwc endpoint, beside a simulated QuickBooks told to misbehave. Runs on
SQLite and PostgreSQL (the `world` fixture). Nothing lost, nothing duplicated, every project
in a state a person can act on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, QbwcSession, WorkItem, utcnow
from erp_dashboard.qbwc.soap import soap_app
from erp_dashboard.services import imports, jobs, wc_health
from erp_dashboard.services.web_connector import WebConnector
from erp_dashboard.simulator.company import SimListItem
from erp_dashboard.simulator.quickbooks import Faults, QuickBooksSimulator, add_customer
from erp_dashboard.simulator.web_connector import COMPANY_FILE, host_response, run_session
from tests.builders import QBWC_PASSWORD, QBWC_USER
from tests.test_qbwc_soap import serve

OLD_VERSIONS = ("1.0", "1.1", "2.0", "2.1", "3.0", "4.0")


@pytest.fixture
def qbwc(world):
    """The real endpoint on a free port; yields a function running one session against it."""
    with serve(soap_app(WebConnector())) as base:

        def session(quickbooks: QuickBooksSimulator | None = None, **kw):
            return run_session(f"{base}/qbwc", QBWC_USER, QBWC_PASSWORD, simulator=quickbooks, **kw)

        yield session


def jobs_named(full_name: str) -> int:
    with unit_of_work() as s:
        return s.exec(select(func.count()).where(SimListItem.full_name == full_name)).one()


def make_due() -> None:
    with unit_of_work() as s:
        for item in s.exec(select(WorkItem).where(WorkItem.not_before.is_not(None))).all():
            item.not_before = utcnow() - timedelta(seconds=1)
            s.add(item)


def export(world, index: int = 0, customer: str = "Acme Builders") -> int:
    pid = world.projects[index]
    jobs.export_projects(world.approver, [world.choice(pid, customer)])
    return pid


def test_a_busy_quickbooks_is_retried_in_later_sessions(world, qbwc):
    qbwc()  # customers synced
    pid = export(world)
    quickbooks = QuickBooksSimulator(faults=Faults(busy_for={"Project 1": 2}, busy_code=3170))
    for _ in range(2):
        report = qbwc(quickbooks)
        assert report.errors == [] and "to retry (QuickBooks was busy)" in report.close_message
        assert world.project(pid).erp_state == "exporting"
        assert qbwc(quickbooks).auth_status == "none"  # backing off: nothing is due yet
        make_due()
    report = qbwc(quickbooks)
    assert report.close_message == "Exported 1."
    assert world.project(pid).erp_state == "synced"
    assert jobs_named("Acme Builders:Project 1") == 1


def test_a_failing_lookup_settles_the_project_in_one_session(world, qbwc):
    qbwc()
    pid = export(world)
    with unit_of_work() as s:  # an earlier attempt's answer was lost: the next one looks up
        item = s.exec(select(WorkItem)).one()
        item.verify_first = True
        s.add(item)
    faults = Faults(lookup_errors={"Acme Builders:Project 1": 3140})
    report = qbwc(QuickBooksSimulator(faults=faults))
    assert report.errors == [] and report.last_percent == 100
    project = world.project(pid)
    assert (project.erp_state, project.qb_error_code) == ("failed_to_export", 3140)
    assert "Refused 1." in report.close_message
    assert qbwc(QuickBooksSimulator(faults=faults)).auth_status == "none"  # never re-asked


@pytest.mark.parametrize("kind", ["bad_date", "missing_list_id", "ampersand"])
def test_an_unreadable_customer_record_is_skipped_and_exports_still_go(world, qbwc, kind):
    with unit_of_work() as s:
        add_customer(s, "Broken Record Co")
        add_customer(s, "Good Record Co")
    pid = export(world)
    quickbooks = QuickBooksSimulator(faults=Faults(bad_records={"Broken Record Co": kind}))
    report = qbwc(quickbooks)
    assert report.errors == []
    assert world.project(pid).erp_state == "synced"
    with unit_of_work() as s:
        names = set(s.exec(select(Customer.full_name)).all())
        session = s.exec(select(QbwcSession).where(QbwcSession.exported == 1)).one()
    assert "Good Record Co" in names and "Broken Record Co" not in names
    assert session.skipped == 1 and "Skipped a customer record" in session.notes
    assert "skipped 1 unreadable customer record" in wc_health.snapshot().summary


def test_a_control_character_in_quickbooks_data_loses_neither_the_message_nor_the_record(
    world, qbwc
):
    """The .NET Web Connector sends it as "&#x1;", which XML 1.0 forbids: read as U+FFFD."""
    with unit_of_work() as s:
        add_customer(s, "Stray Char Co")
    pid = export(world)
    report = qbwc(QuickBooksSimulator(faults=Faults(bad_records={"Stray Char Co": "control_char"})))
    assert report.errors == [] and report.close_message == "Exported 1."
    assert world.project(pid).erp_state == "synced"
    with unit_of_work() as s:
        assert s.exec(select(Customer).where(Customer.full_name == "Stray Char Co")).one()


def test_an_old_quickbooks_is_sent_nothing_and_told_why(world, qbwc):
    pid = export(world)
    quickbooks = QuickBooksSimulator(faults=Faults(supported_versions=OLD_VERSIONS))
    with unit_of_work() as s:
        before = s.exec(select(func.count()).select_from(SimListItem)).one()
    report = qbwc(
        quickbooks,
        hcp_response=host_response(versions=OLD_VERSIONS, major=16),
        qbxml_major=4,
        qbxml_minor=0,
    )
    assert report.requests_sent == 0
    assert "speaks qbXML 1.0, 1.1, 2.0, 2.1, 3.0, 4.0" in report.last_error
    assert "Update QuickBooks Desktop" in report.close_message
    with unit_of_work() as s:
        assert s.exec(select(func.count()).select_from(SimListItem)).one() == before
        assert s.exec(select(WorkItem)).one().status == "queued"
    assert world.project(pid).erp_state == "exporting"  # waits for a QuickBooks that can


def test_a_quickbooks_listing_older_versions_gets_one_it_listed(world, qbwc):
    versions = (*OLD_VERSIONS, "5.0", "6.0", "7.0", "8.0")
    quickbooks = QuickBooksSimulator(faults=Faults(supported_versions=versions))
    pid = export(world)
    report = qbwc(quickbooks, hcp_response=host_response(versions=versions), qbxml_major=8)
    assert report.errors == [] and report.close_message == "Exported 1."
    assert world.project(pid).erp_state == "synced"
    with unit_of_work() as s:
        assert s.exec(select(QbwcSession.qbxml_version)).all() == ["8.0"]


def test_a_second_company_file_is_refused_and_nothing_merges(world, qbwc):
    qbwc(company_file=COMPANY_FILE)  # the first company file is recorded
    with unit_of_work() as s:
        add_customer(s, "Other Company Customer")
    imports.request_customer_sync(world.approver)
    pid = export(world)
    report = qbwc(
        company_file=r"C:\Company Files\Other.QBW",
        hcp_response=host_response(company_name="Other Company Ltd"),
    )
    assert report.requests_sent == 0
    assert "Other Company Ltd" in report.last_error and COMPANY_FILE in report.last_error
    with unit_of_work() as s:
        assert "Other Company Customer" not in set(s.exec(select(Customer.full_name)).all())
    assert world.project(pid).erp_state == "exporting"
    assert qbwc(company_file=COMPANY_FILE).close_message == "Exported 1."
