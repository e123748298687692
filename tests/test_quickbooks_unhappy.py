"""QuickBooks' unhappy answers, driven through the Web Connector session in-process: busy
lists, failed look-ups, unreadable pages, old versions, another company file, lost answers.

Every project must end where a person can act on it; nothing is lost or sent twice.
"""

from __future__ import annotations

import re
from datetime import timedelta
from xml.sax.saxutils import quoteattr

import pytest
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import AppSetting, QbwcSession, WorkItem, utcnow
from erp_dashboard.services import export_queue, imports, job_lists, jobs, wc_health, web_connector
from erp_dashboard.services.job_lists import PageQuery
from erp_dashboard.services.web_connector import WebConnector
from erp_dashboard.simulator.company import SimListItem
from erp_dashboard.simulator.quickbooks import Faults, QuickBooksSimulator, add_customer
from tests.builders import QBWC_PASSWORD, QBWC_USER, drain

FILE_A = r"C:\Company Files\Builders Inc.QBW"
FILE_B = r"C:\Company Files\Sandbox Co.QBW"


def hcp(versions=("1.0", "2.0", "3.0", "4.0", "5.0", "6.0", "12.0", "13.0"), company=""):
    """A strHCPResponse as the Web Connector passes it on a session's first request."""
    listed = "".join(f"<SupportedQBXMLVersion>{v}</SupportedQBXMLVersion>" for v in versions)
    name = f"<CompanyName>{company}</CompanyName>" if company else ""
    return (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
        '<HostQueryRs statusCode="0" statusSeverity="Info" statusMessage="Status OK"><HostRet>'
        "<ProductName>QuickBooks Premier Contractor 2024</ProductName>"
        f"<MajorVersion>34</MajorVersion><MinorVersion>0</MinorVersion>{listed}"
        "</HostRet></HostQueryRs>"
        '<CompanyQueryRs statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
        f"<CompanyRet>{name}</CompanyRet></CompanyQueryRs></QBXMLMsgsRs></QBXML>"
    )


def answer(request: str, code: int, message: str, severity: str = "Error") -> str:
    """QuickBooks' answer to every request of `request`: the same status for each."""
    rs = "".join(
        f'<{kind}Rs requestID="{rid}" statusCode="{code}" statusSeverity="{severity}" '
        f"statusMessage={quoteattr(message)}/>"
        for kind, rid in re.findall(r'<(\w+)Rq requestID="([^"]+)"', request)
    )
    return f'<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>{rs}</QBXMLMsgsRs></QBXML>'


BUSY = (
    "There was an error when saving a Customer list. This list has been modified by another user."
)


def open_session(wc: WebConnector, first_hcp: str = "", company_file: str = "") -> tuple[str, str]:
    """authenticate + the first sendRequestXML: (ticket, the request)."""
    ticket, status = wc.authenticate(QBWC_USER, QBWC_PASSWORD)[:2]
    assert status not in ("none", "nvu")
    return ticket, wc.send_request_xml(ticket, first_hcp, company_file, "US", 13, 0)


def respond(wc, ticket, request, quickbooks=None) -> int:
    with unit_of_work() as s:
        response = (quickbooks or QuickBooksSimulator()).handle(s, request)
    return wc.receive_response_xml(ticket, response, "", "")


def queued_export(world, index: int = 0) -> int:
    """Customers synced, one project accepted and queued."""
    pid = world.projects[index]
    drain()
    jobs.export_projects(world.approver, [world.choice(pid)])
    return pid


def item_of(pid: int) -> WorkItem:
    with unit_of_work() as s:
        return s.exec(select(WorkItem).where(WorkItem.project_id == pid)).one()


def make_due(pid: int) -> None:
    with unit_of_work() as s:
        item = s.exec(select(WorkItem).where(WorkItem.project_id == pid)).one()
        item.not_before = utcnow() - timedelta(seconds=1)
        s.add(item)


def row_of(world, pid: int, job_list: str):
    page = job_lists.list_page(world.approver, PageQuery(job_list=job_list))
    return next(r for r in page.rows if r.id == pid)


# --------------------------------------------------------------------------- busy


@pytest.mark.parametrize("code", [3170, 3175, 3180])
def test_busy_quickbooks_is_retried_later_with_backoff_then_succeeds(world, code):
    pid = queued_export(world)
    wc = WebConnector()
    ticket, request = open_session(wc)
    assert "<CustomerAddRq" in request
    assert wc.receive_response_xml(ticket, answer(request, code, BUSY), "", "") == 100
    assert "1 to retry (QuickBooks was busy)" in wc.close_connection(ticket)

    item, project = item_of(pid), world.project(pid)
    assert (project.erp_state, item.status, item.attempts) == ("exporting", "queued", 1)
    assert item.not_before > utcnow()
    row = row_of(world, pid, "ready_to_export")
    assert row.waiting.startswith("QuickBooks was busy") and "try 2 of 5" in row.waiting
    assert wc_health.snapshot().busy == 1

    # Within the backoff the Web Connector is told there is nothing to do.
    assert WebConnector().authenticate(QBWC_USER, QBWC_PASSWORD)[1] == "none"
    make_due(pid)
    assert drain() == [100]
    assert world.project(pid).erp_state == "synced"
    with unit_of_work() as s:
        assert len(s.exec(select(SimListItem).where(SimListItem.name == "Project 1")).all()) == 1


def test_busy_backoff_doubles_and_is_bounded(world):
    interval = wc_health.expected_interval()
    assert [export_queue.backoff(n) for n in (1, 2, 3)] == [interval, interval * 2, interval * 4]
    assert export_queue.backoff(50) == export_queue.MAX_BACKOFF


def test_quickbooks_busy_every_time_fails_after_the_bound(world):
    pid = queued_export(world)
    for attempt in range(export_queue.MAX_ATTEMPTS):
        wc = WebConnector()
        ticket, request = open_session(wc)
        assert "<CustomerAddRq" in request, f"attempt {attempt + 1} was not sent"
        wc.receive_response_xml(ticket, answer(request, 3175, BUSY), "", "")
        wc.close_connection(ticket)
        if attempt < export_queue.MAX_ATTEMPTS - 1:
            assert world.project(pid).erp_state == "exporting"
            make_due(pid)
    project = world.project(pid)
    assert (project.erp_state, project.qb_error_code) == ("failed_to_export", 3175)
    assert "stayed busy through 5 tries" in project.qb_error_message
    row = row_of(world, pid, "failed_to_export")
    assert "nobody is editing customers" in row.advice
    assert row.changed_at == project.erp_changed_at.strftime("%Y-%m-%d %H:%M UTC")  # "Failed"


# --------------------------------------------------------------------------- look-ups


def lost_add(world) -> tuple[int, WebConnector, str, str]:
    """An add whose answer was lost: the next session's first item request is the look-up."""
    pid = queued_export(world)
    wc = WebConnector()
    ticket, _ = open_session(wc)
    wc.close_connection(ticket)  # the answer never came
    wc = WebConnector()
    ticket, lookup = open_session(wc)
    assert "<CustomerQueryRq" in lookup and "<FullName>Acme Builders:Project 1<" in lookup
    return pid, wc, ticket, lookup


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (3140, "There is an invalid reference to QuickBooks Customer in the request."),
        (3260, "Insufficient permission level to perform this action."),
        (9001, "An internal QuickBooks error occurred."),
    ],
)
def test_an_error_answer_to_a_lookup_settles_the_export_in_the_same_session(world, code, message):
    pid, wc, ticket, lookup = lost_add(world)
    assert wc.receive_response_xml(ticket, answer(lookup, code, message), "", "") == 100
    assert wc.send_request_xml(ticket, "", "", "US", 13, 0) == ""  # nothing is re-asked
    project = world.project(pid)
    assert (project.erp_state, project.qb_error_code) == ("failed_to_export", code)
    assert message in project.qb_error_message
    assert project.qb_error_message.startswith("While checking whether QuickBooks already has")
    assert "refused 1" in wc.close_connection(ticket).lower()
    assert drain() == []  # no session keeps asking
    assert item_of(pid).status == "failed"


@pytest.mark.parametrize(
    ("code", "severity", "message"),
    [
        (
            500,
            "Warn",
            "The query request has not been fully completed. There was a required "
            'element ("Acme Builders:Project 1") that could not be found in QuickBooks.',
        ),
        (
            3120,
            "Error",
            'Object "Acme Builders:Project 1" specified in the request cannot be '
            "found.  QuickBooks error message: Invalid argument.",
        ),
        (1, "Info", "A query request did not find a matching object in QuickBooks"),
    ],
    ids=["500", "3120", "1"],
)
def test_every_way_quickbooks_says_not_found_leads_to_one_add(world, code, severity, message):
    pid, wc, ticket, lookup = lost_add(world)
    assert wc.receive_response_xml(ticket, answer(lookup, code, message, severity), "", "") == 1
    add = wc.send_request_xml(ticket, "", "", "US", 13, 0)
    assert "<CustomerAddRq" in add
    assert respond(wc, ticket, add) == 100
    assert world.project(pid).erp_state == "synced"
    assert item_of(pid).status == "done"


def test_each_lookup_gets_its_own_answer(world):
    """Real QuickBooks fails a whole query when one of its keys is missing (strict look-ups):
    each item is looked up on its own, so one missing job does not hide another."""
    pid1 = queued_export(world, 0)
    pid2 = world.projects[1]
    jobs.export_projects(world.approver, [world.choice(pid2)])
    wc = WebConnector()
    ticket, adds = open_session(wc)
    with unit_of_work() as s:  # QuickBooks adds Project 2 only; no answer ever comes back
        QuickBooksSimulator().handle(
            s, re.sub(r"<CustomerAddRq .*?</CustomerAddRq>", "", adds, count=1, flags=re.S)
        )
    wc.close_connection(ticket)

    strict = QuickBooksSimulator(faults=Faults(strict_lookups=True))
    wc = WebConnector()
    ticket, lookups = open_session(wc)
    assert lookups.count("<CustomerQueryRq ") == 2 and lookups.count("<FullName>") == 2
    assert respond(wc, ticket, lookups, strict) == 50  # Project 2 adopted; Project 1 to add
    assert respond(wc, ticket, wc.send_request_xml(ticket, "", "", "US", 13, 0), strict) == 100
    assert {world.project(pid).erp_state for pid in (pid1, pid2)} == {"synced"}
    with unit_of_work() as s:
        assert len(s.exec(select(SimListItem).where(SimListItem.sublevel == 1)).all()) == 2


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (3120, "QuickBooks no longer has the job Acme Builders:Project 1."),
        (3260, "While reading the job's current version from QuickBooks: No permission."),
    ],
)
def test_an_error_answer_to_an_edit_sequence_lookup_settles_the_update(world, code, said):
    pid = queued_export(world)
    drain()
    from erp_dashboard.services import projects

    projects.update_project(world.admin, pid, description="Changed scope")
    projects.send_to_erp(world.admin, pid)
    jobs.approve_update(world.approver, pid, world.project(pid).erp_version)
    with unit_of_work() as s:  # the EditSequence must be re-read first
        item = s.exec(select(WorkItem).where(WorkItem.kind == "mod")).one()
        item.verify_first = True
        s.add(item)
    wc = WebConnector()
    ticket, lookup = open_session(wc)
    assert "<ListID>" in lookup
    assert wc.receive_response_xml(ticket, answer(lookup, code, "No permission."), "", "") == 100
    project = world.project(pid)
    assert (project.erp_state, project.qb_error_code, project.qb_error_message) == (
        "ready_to_update",
        code,
        said,
    )


def test_a_busy_answer_to_a_lookup_is_retried_not_failed(world):
    pid, wc, ticket, lookup = lost_add(world)
    wc.receive_response_xml(ticket, answer(lookup, 3180, BUSY), "", "")
    item = item_of(pid)
    assert (world.project(pid).erp_state, item.status, item.attempts) == ("exporting", "queued", 1)
    assert item.verify_first  # still looked up first: the first add's outcome is unknown
    make_due(pid)
    assert drain() == [1, 100]  # looked up (the lost add never ran), then added once
    assert world.project(pid).erp_state == "synced"


# --------------------------------------------------------------------------- lost answers


def test_answers_lost_again_and_again_end_in_failed_not_an_endless_loop(world):
    pid = queued_export(world)
    for _ in range(export_queue.MAX_ATTEMPTS):
        wc = WebConnector()
        ticket, request = open_session(wc)
        assert request, "the item was not sent"
        assert wc.receive_response_xml(ticket, "", "0x80040400", "parse error") == -1
        assert "QuickBooks could not read the request (0x80040400)" in wc.get_last_error(ticket)
        wc.close_connection(ticket)
    project = world.project(pid)
    assert project.erp_state == "failed_to_export"
    assert "could not be read 5 times" in project.qb_error_message
    assert WebConnector().authenticate(QBWC_USER, QBWC_PASSWORD)[1] == "none"


def test_an_unreadable_customer_page_skips_the_sync_and_the_exports_still_go(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    wc = WebConnector()
    ticket, sync = open_session(wc)
    assert 'requestID="customer-sync"' in sync
    assert wc.receive_response_xml(ticket, "<QBXML><QBXMLMsgsRs><Customer", "", "") > 0
    add = wc.send_request_xml(ticket, "", "", "US", 13, 0)
    assert "<CustomerAddRq" in add
    assert respond(wc, ticket, add) == 100
    assert world.project(pid).erp_state == "synced"
    with unit_of_work() as s:
        row = s.exec(select(QbwcSession).where(QbwcSession.exported == 1)).one()
    assert "Customers were not refreshed" in row.notes
    assert row.sync_finished_at is None  # the next session syncs again


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("versions", "sent"),
    [(("1.0", "2.0", "13.0", "14.0", "16.0"), "13.0"), (("5.0", "8.0", "12.0"), "12.0")],
)
def test_the_version_sent_is_one_quickbooks_listed(world, versions, sent):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    wc = WebConnector()
    ticket, sync = open_session(wc, hcp(versions))
    assert f'<?qbxml version="{sent}"?>' in sync
    respond(wc, ticket, sync)
    add = wc.send_request_xml(ticket, "", "", "US", 13, 0)  # no strHCPResponse after the first
    assert f'<?qbxml version="{sent}"?>' in add


def test_a_quickbooks_too_old_gets_nothing_and_a_clear_message(world):
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    wc = WebConnector()
    ticket, request = open_session(wc, hcp(("1.0", "2.0", "3.0")))
    assert request == ""
    message = wc.get_last_error(ticket)
    assert "speaks qbXML 1.0, 2.0, 3.0" in message and "Update QuickBooks Desktop" in message
    assert message in wc.close_connection(ticket)
    assert item_of(pid).status == "queued"  # waits for a QuickBooks that can take it
    assert wc_health.snapshot().summary == message and not wc_health.snapshot().ok


# --------------------------------------------------------------------------- company file


def test_a_second_company_file_is_refused_and_changes_nothing(world):
    drain()
    wc = WebConnector()
    imports.request_customer_sync(world.approver)
    ticket, sync = open_session(wc, hcp(company="Builders Inc"), FILE_A)
    assert "CustomerQueryRq" in sync
    respond(wc, ticket, sync)
    wc.close_connection(ticket)
    with unit_of_work() as s:
        assert s.get(AppSetting, web_connector.COMPANY_FILE).value == FILE_A

    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    imports.request_customer_sync(world.approver)
    wc = WebConnector()
    ticket, request = open_session(wc, hcp(company="Sandbox Co"), FILE_B)
    assert request == ""
    message = wc.get_last_error(ticket)
    assert "Sandbox Co" in message and FILE_A in message and "Nothing was read or sent" in message
    assert item_of(pid).status == "queued" and world.project(pid).erp_state == "exporting"

    # The same file under another case and slash direction is the same file.
    wc = WebConnector()
    ticket, request = open_session(
        wc, hcp(company="Builders Inc"), FILE_A.upper().replace("\\", "/")
    )
    assert "CustomerQueryRq" in request


def test_a_configured_company_file_is_opened_by_authenticate_and_enforced(world, monkeypatch):
    monkeypatch.setenv("QBWC_COMPANY_FILE", FILE_A)
    wc = WebConnector()
    ticket, company = wc.authenticate(QBWC_USER, QBWC_PASSWORD)[:2]
    assert company == FILE_A  # scheduled runs open it with QuickBooks closed
    assert wc.send_request_xml(ticket, hcp(company="Sandbox Co"), FILE_B, "US", 13, 0) == ""
    assert FILE_A in wc.get_last_error(ticket)


# --------------------------------------------------------------------------- the session


def test_an_active_session_keeps_its_ticket_alive(world, monkeypatch):
    monkeypatch.setenv("QBWC_TICKET_MINUTES", "1")
    wc = WebConnector()
    ticket, request = open_session(wc)
    with unit_of_work() as s:  # nearly expired: 5 seconds left
        row = s.exec(select(QbwcSession)).one()
        row.expires_at = utcnow() + timedelta(seconds=5)
        s.add(row)
    assert respond(wc, ticket, request) > 0  # the call itself renews the ticket
    with unit_of_work() as s:
        row = s.exec(select(QbwcSession)).one()
    assert row.expires_at > utcnow() + timedelta(seconds=50)
    assert row.last_seen_at is not None


def test_deleted_and_inactive_customers_leave_the_picker_after_the_next_sync(world):
    drain()
    with unit_of_work() as s:
        add_customer(s, "Short Lived Co")
    imports.request_customer_sync(world.approver)
    drain()
    names = {n for _, n in job_lists.search_customers(world.approver, "").options}
    assert {"Acme Builders", "Bayside Properties", "Short Lived Co"} <= names
    with unit_of_work() as s:
        s.delete(s.exec(select(SimListItem).where(SimListItem.name == "Short Lived Co")).one())
        bayside = s.exec(select(SimListItem).where(SimListItem.name == "Bayside Properties")).one()
        bayside.is_active = False
        s.add(bayside)
    imports.request_customer_sync(world.approver)
    drain()
    names = {n for _, n in job_lists.search_customers(world.approver, "").options}
    assert "Short Lived Co" not in names and "Bayside Properties" not in names
    assert "Acme Builders" in names


def test_the_web_connector_hears_what_happened_in_plain_words(world):
    ids = [world.projects[0], world.projects[1]]
    drain()
    with unit_of_work() as s:
        add_customer(s, "Project 2", parent_full_name="Acme Builders")  # 3100 for Project 2
    jobs.export_projects(world.approver, [world.choice(pid) for pid in ids])
    wc = WebConnector()
    ticket, request = open_session(wc)
    assert respond(wc, ticket, request) == 100
    assert wc.get_last_error(ticket) == "Exported 1; refused 1."
    closing = wc.close_connection(ticket)
    assert closing.startswith("Exported 1; refused 1.") and "Failed To Export" in closing


def test_connection_errors_are_explained(world):
    queued_export(world)
    wc = WebConnector()
    ticket = wc.authenticate(QBWC_USER, QBWC_PASSWORD)[0]
    assert wc.connection_error(ticket, "0x80040408", "Could not start QuickBooks.") == "done"
    health = wc_health.snapshot()
    assert not health.ok and "could not start QuickBooks (is the company file" in health.summary


# --------------------------------------------------------------------------- health


def test_health_warns_when_exports_wait_and_the_web_connector_is_silent(world, monkeypatch):
    monkeypatch.setenv("QBD_MODE", "webconnector")
    monkeypatch.setenv("QBWC_RUN_EVERY_MINUTES", "5")
    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    health = wc_health.snapshot()
    assert (health.waiting, health.connected_at) == (1, "")
    assert health.warning.startswith("1 export waiting; the Web Connector has never connected")

    assert drain() == [1, 100]
    health = wc_health.snapshot()
    assert health.waiting == 0 and health.warning == "" and health.connected_at
    assert health.summary == "Exported 1." and health.ok

    jobs.export_projects(world.approver, [world.choice(world.projects[1])])
    assert wc_health.snapshot().warning == ""  # connected a moment ago: not overdue
    later = utcnow() + timedelta(hours=2, minutes=1)
    assert wc_health.snapshot(later).warning.startswith(
        "1 export waiting; the Web Connector last connected 2 hours ago "
        "(it should connect every 5 minutes)"
    )


def test_health_says_when_the_web_connector_password_is_refused(world):
    assert WebConnector().authenticate(QBWC_USER, "typed-wrong")[1] == "nvu"
    health = wc_health.snapshot()
    assert not health.ok
    assert health.warning.startswith(
        f"The Web Connector tried to connect less than a minute ago as “{QBWC_USER}”, and its "
        "user name or password was refused."
    )
    drain()  # the right password again: the warning goes
    assert wc_health.snapshot().warning == ""
