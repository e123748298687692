"""The Web Connector session logic, called in-process against the simulated QuickBooks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, QbJob, QbwcSession, WorkItem, utcnow
from erp_dashboard.services import imports, jobs, web_connector
from erp_dashboard.services.errors import PermissionDenied
from erp_dashboard.services.web_connector import UNKNOWN_TICKET, WebConnector
from erp_dashboard.simulator.company import SimListItem
from erp_dashboard.simulator.quickbooks import QuickBooksSimulator, add_customer
from tests.builders import QBWC_PASSWORD, QBWC_USER, drain
from tests.test_qbxml import assert_valid


def jobs_named(full_name: str) -> int:
    with unit_of_work() as s:
        return s.exec(select(func.count()).where(SimListItem.full_name == full_name)).one()


def start(wc: WebConnector) -> str:
    ticket, status = wc.authenticate(QBWC_USER, QBWC_PASSWORD)[:2]
    assert status == ""
    return ticket


def export_session(world) -> tuple[int, WebConnector, str]:
    """Customers synced, Project 1 accepted, a new session open: (project, wc, ticket)."""
    pid = world.projects[0]
    drain()
    jobs.export_projects(world.approver, [world.choice(pid)])
    wc = WebConnector()
    return pid, wc, start(wc)


def exchange(wc, ticket, quickbooks=None) -> tuple[str, str]:
    """One sendRequestXML and QuickBooks' answer (not yet given back)."""
    request = wc.send_request_xml(ticket, "", "", "US", 13, 0)
    with unit_of_work() as s:
        return request, (quickbooks or QuickBooksSimulator()).handle(s, request)


def test_a_whole_session_syncs_customers_then_exports(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    assert drain() == [1, 100]  # the customer sync (nothing exported yet), then the batch
    project = world.project(pid)
    assert (project.erp_state, project.qb_full_name) == ("synced", "Acme Builders:Project 1")
    assert jobs_named("Acme Builders:Project 1") == 1


def test_credentials_and_the_none_answer(world, monkeypatch):
    wc = WebConnector()
    ticket, status = wc.authenticate(QBWC_USER, "wrong")[:2]
    assert status == "nvu" and len(ticket) >= 40
    assert wc.authenticate("someone", QBWC_PASSWORD)[1] == "nvu"
    assert drain() == [100]  # the customer sync was due
    assert WebConnector().authenticate(QBWC_USER, QBWC_PASSWORD)[1] == "none"
    monkeypatch.setenv("QBWC_PASSWORD", "")
    assert WebConnector().authenticate(QBWC_USER, "")[1] == "nvu"  # unset never matches


def test_tickets_are_unique_and_unknown_ones_are_answered_sanely(world):
    wc = WebConnector()
    tickets = {wc.authenticate(QBWC_USER, QBWC_PASSWORD)[0] for _ in range(5)}
    assert len(tickets) == 5
    for bogus in ("", "nope", "x" * 500):
        assert wc.send_request_xml(bogus, "", "", "US", 13, 0) == ""
        assert wc.receive_response_xml(bogus, "<QBXML/>", "", "") == -1
        assert wc.get_last_error(bogus) == UNKNOWN_TICKET
        assert wc.close_connection(bogus) == "OK"
        assert wc.connection_error(bogus, "0x80040401", "no") == "done"


def test_client_version_rules():
    wc = WebConnector()
    assert wc.client_version("2.3.0.36") == ""
    assert wc.client_version("1.5.0.0") == "O:2.1"
    assert wc.client_version("garbage").startswith("W:")


def test_session_lost_after_quickbooks_added_the_job_never_creates_a_second(world):
    """The session dies after sendRequestXML; QuickBooks had created the job."""
    pid = world.projects[0]
    drain()  # customer sync done
    jobs.export_projects(world.approver, [world.choice(pid)])
    wc = WebConnector()
    ticket = start(wc)
    exchange(wc, ticket)  # QuickBooks adds the job; its response never reaches us
    wc.close_connection(ticket)
    assert world.project(pid).erp_state == "exporting"

    assert drain() == [100]  # the next session queries by FullName and adopts the job
    project = world.project(pid)
    assert project.erp_state == "synced" and project.qb_list_id
    assert jobs_named("Acme Builders:Project 1") == 1
    with unit_of_work() as s:
        [item] = s.exec(select(WorkItem)).all()
    assert (item.status, item.status_message) == (
        "done",
        "adopted the job an earlier attempt created",
    )


def test_session_lost_before_quickbooks_saw_it_adds_the_job_next_time(world):
    pid, wc, ticket = export_session(world)
    wc.send_request_xml(ticket, "", "", "US", 13, 0)  # lost before QuickBooks ran it
    wc.close_connection(ticket)
    assert drain() == [1, 100]  # verify (not found: re-queued), then add
    assert world.project(pid).erp_state == "synced"
    assert jobs_named("Acme Builders:Project 1") == 1


def test_expired_session_items_are_verified_too(world):
    pid, wc, ticket = export_session(world)
    exchange(wc, ticket)  # QuickBooks ran it; then the session expired unanswered
    with unit_of_work() as s:
        for row in s.exec(select(QbwcSession)).all():
            row.expires_at = utcnow() - timedelta(minutes=1)
            s.add(row)
    drain()
    assert world.project(pid).erp_state == "synced"
    assert jobs_named("Acme Builders:Project 1") == 1


def test_a_response_delivered_twice_is_applied_once(world):
    pid, wc, ticket = export_session(world)
    _, response = exchange(wc, ticket)
    assert wc.receive_response_xml(ticket, response, "", "") == 100
    assert wc.receive_response_xml(ticket, response, "", "") == 100
    assert world.project(pid).erp_version == 3  # send, export, export_succeeded


@pytest.mark.parametrize(
    "mangle",
    [
        lambda r: r[: len(r) // 2],  # truncated
        lambda r: re.sub(r' statusCode="\d+"', "", r),  # missing status attribute
        lambda r: r.replace('requestID="', 'requestID="other-'),  # unknown requestIDs
    ],
    ids=["truncated", "no-status", "unknown-request-id"],
)
def test_bad_responses_lose_and_duplicate_nothing(world, mangle):
    pid, wc, ticket = export_session(world)
    _, response = exchange(wc, ticket)
    result = wc.receive_response_xml(ticket, mangle(response), "", "")
    assert result in (-1, 1)
    if result == -1:
        assert wc.get_last_error(ticket) not in ("", "No error.")
    wc.close_connection(ticket)
    assert world.project(pid).erp_state == "exporting"
    drain()  # the next session finds the job QuickBooks made and adopts it
    assert world.project(pid).erp_state == "synced"
    assert jobs_named("Acme Builders:Project 1") == 1


def test_windows_1252_responses_are_read(world):
    pid, wc, ticket = export_session(world)
    _, response = exchange(wc, ticket)
    declared = re.sub(r"^<\?xml[^>]*\?>", '<?xml version="1.0" encoding="windows-1252"?>', response)
    assert wc.receive_response_xml(ticket, declared, "", "") == 100
    assert world.project(pid).erp_state == "synced"


def test_hresult_errors_are_reported_and_items_verified_later(world):
    pid, wc, ticket = export_session(world)
    wc.send_request_xml(ticket, "", "", "US", 13, 0)
    assert wc.receive_response_xml(ticket, "", "0x80040400", "parse error") == -1
    assert "0x80040400" in wc.get_last_error(ticket)
    wc.close_connection(ticket)
    drain()
    assert world.project(pid).erp_state == "synced"


@pytest.mark.parametrize(
    ("setup", "code", "message"),
    [
        (lambda s: add_customer(s, "Project 1", parent_full_name="Acme Builders"), 3100, "in use"),
        (
            lambda s: s.delete(
                s.exec(select(SimListItem).where(SimListItem.name == "Acme Builders")).one()
            ),
            3140,
            "invalid reference",
        ),
    ],
    ids=["3100-duplicate-name", "3140-unknown-parent"],
)
def test_quickbooks_refusals_map_to_failed_with_code_and_message(world, setup, code, message):
    pid = world.projects[0]
    drain()
    with unit_of_work() as s:
        setup(s)
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    project = world.project(pid)
    assert (project.erp_state, project.qb_error_code) == ("failed_to_export", code)
    assert message in project.qb_error_message.lower()


def test_batches_report_honest_progress(world, monkeypatch):
    monkeypatch.setenv("QBWC_BATCH", "2")
    ids = world.projects + [world.new_project(f"Extra {i}") for i in range(2)]
    drain()
    jobs.export_projects(world.approver, [world.choice(pid) for pid in ids])
    assert drain() == [40, 80, 100]
    assert {world.project(pid).erp_state for pid in ids} == {"synced"}


def test_customer_sync_pages_through_and_finds_unlinked_jobs(world, monkeypatch):
    monkeypatch.setattr(web_connector, "SYNC_PAGE", 2)
    with unit_of_work() as s:
        for name in ("Cobalt Co", "Delta Dev", "Echo Estates"):
            add_customer(s, name)
        add_customer(s, "Legacy Job", parent_full_name="Cobalt Co")
        renamed = s.exec(select(SimListItem).where(SimListItem.name == "Bayside Properties")).one()
        renamed.name = renamed.full_name = "Bayside Holdings"
        s.add(renamed)
    results = drain()
    assert results == [5, 5, 100]  # 6 list items in pages of 2
    with unit_of_work() as s:
        names = set(s.exec(select(Customer.full_name)).all())
        [job] = s.exec(select(QbJob)).all()
    assert {"Cobalt Co", "Delta Dev", "Echo Estates", "Bayside Holdings"} <= names
    assert "Bayside Properties" not in names
    assert (job.full_name, job.erp_list) == ("Cobalt Co:Legacy Job", "ready_to_import")
    assert world.counts()["ready_to_import"] == 1


def test_every_request_the_session_sends_is_valid_qbxml(world, schema):
    """The documents actually sent in a session (sync, verify, add), against Intuit's schema."""
    sent: list[str] = []

    class Recording(QuickBooksSimulator):
        def handle(self, session, request_xml):
            sent.append(request_xml)
            return super().handle(session, request_xml)

    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    wc = WebConnector()
    ticket = start(wc)
    _, synced = exchange(wc, ticket, Recording())
    wc.receive_response_xml(ticket, synced, "", "")
    exchange(wc, ticket, Recording())  # the export's answer is lost
    wc.close_connection(ticket)
    drain(quickbooks=Recording())  # verify
    assert [re.search(r"<(Customer\w+)Rq ", d).group(1) for d in sent] == [
        "CustomerQuery",
        "CustomerAdd",
        "CustomerQuery",
    ]
    for document in sent:
        assert_valid(schema, document)


def test_customers_can_be_refreshed_on_demand(world):
    drain()
    assert WebConnector().authenticate(QBWC_USER, QBWC_PASSWORD)[1] == "none"
    with pytest.raises(PermissionDenied):
        imports.request_customer_sync(world.viewer)
    imports.request_customer_sync(world.approver)
    with unit_of_work() as s:
        add_customer(s, "Fresh Customer")
    assert drain() == [100]
    with unit_of_work() as s:
        assert s.exec(select(Customer).where(Customer.full_name == "Fresh Customer")).first()


def test_a_requestid_answered_twice_in_one_response_is_applied_once(world):
    pid, wc, ticket = export_session(world)
    _, response = exchange(wc, ticket)
    doubled = re.sub(r"(<CustomerAddRs .*?</CustomerAddRs>)", r"\1\1", response, flags=re.S)
    assert doubled.count("<CustomerAddRs ") == 2
    assert wc.receive_response_xml(ticket, doubled, "", "") == 100
    assert world.project(pid).erp_version == 3  # send, export, export_succeeded
