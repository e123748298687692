"""The simulated Web Connector drives our SOAP endpoint in QBWC's call order."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlmodel import select

from erp_dashboard.db import engine, unit_of_work
from erp_dashboard.qbxml import (
    PARSE_ERROR_HRESULT,
    UNSUPPORTED_VERSION_HRESULT,
    JobFields,
    customer_add_rq,
    customer_query_rq,
    parse_response,
)
from erp_dashboard.simulator import web_connector
from erp_dashboard.simulator.company import SimListItem, SimulatorTable
from erp_dashboard.simulator.quickbooks import (
    SUPPORTED_QBXML_VERSIONS,
    Faults,
    QuickBooksSimulator,
    add_customer,
)
from erp_dashboard.simulator.web_connector import (
    COMPANY_FILE,
    HCP_RESPONSE,
    PARSE_ERROR_MESSAGE,
    UNSUPPORTED_VERSION_MESSAGE,
    host_response,
    main,
    run_session,
)
from tests.test_qbwc_soap import PASSWORD, QBXML_ADD, QBXML_QUERY, USER

QB_RESPONSE = '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><X a="&amp;"/></QBXMLMsgsRs></QBXML>'
SESSION_LINE = "Web Connector session:"


class FakeQuickBooks:
    """Stands in for QuickBooksSimulator: records each request, answers QB_RESPONSE."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def handle(self, session, request_xml: str) -> str:
        self.requests.append(request_xml)
        return QB_RESPONSE


@pytest.fixture(autouse=True)
def company_file(tmp_path, monkeypatch) -> Iterator[None]:
    """A SQLite database holding only the simulated company file."""
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{tmp_path / 'company.db'}")
    SimulatorTable.metadata.create_all(engine())
    yield
    engine().dispose()


@pytest.fixture
def down_url() -> str:
    """A URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/qbwc"


def test_a_session_makes_qbwcs_calls_in_order(url, fake):
    quickbooks = FakeQuickBooks()
    report = run_session(url, USER, PASSWORD, simulator=quickbooks)
    ticket = fake.calls[3][1]
    assert fake.calls == [
        ("server_version",),
        ("client_version", web_connector.CLIENT_VERSION),
        ("authenticate", USER, PASSWORD),
        ("send_request_xml", ticket, HCP_RESPONSE, COMPANY_FILE, "US", 13, 0),
        ("receive_response_xml", ticket, QB_RESPONSE, "", ""),
        ("send_request_xml", ticket, "", COMPANY_FILE, "US", 13, 0),
        ("receive_response_xml", ticket, QB_RESPONSE, "", ""),
        ("close_connection", ticket),
    ]
    assert quickbooks.requests == [QBXML_QUERY, QBXML_ADD]
    assert report.round_trips == 8 and report.requests_sent == 2
    assert report.last_percent == 100 and report.close_message == "OK"
    assert report.auth_status == "ok" and report.errors == []


def test_the_company_file_named_by_authenticate_is_used(fake, url):
    fake.status = r"C:\Books\Builder.QBW"
    run_session(url, USER, PASSWORD, simulator=FakeQuickBooks())
    assert {call[3] for call in fake.calls if call[0] == "send_request_xml"} == {fake.status}


def test_quickbooks_simulator_answers_in_its_own_transactions(fake, url):
    with unit_of_work() as session:
        acme = add_customer(session, "Acme & Sons")
    job = JobFields(name="Riverside <North>", parent_list_id=acme.list_id)
    fake.requests = [
        customer_add_rq("add-1", job),
        customer_query_rq("find-1", full_names=["Acme & Sons:Riverside <North>"]),
        "<QBXML><not qbXML",
    ]
    report = run_session(url, USER, PASSWORD, simulator=QuickBooksSimulator())

    received = [call for call in fake.calls if call[0] == "receive_response_xml"]
    added, found = (parse_response(call[2])[0] for call in received[:2])
    assert (
        added.status_code == 0 and added.customers[0].full_name == "Acme & Sons:Riverside <North>"
    )
    assert found.status_code == 0 and found.customers[0].list_id == added.customers[0].list_id
    assert received[2][2:] == ("", PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE)
    assert fake.methods()[-2:] == ["get_last_error", "close_connection"]
    assert report.requests_sent == 3 and report.last_percent == -1
    assert report.errors == [f"QuickBooks failed ({PARSE_ERROR_HRESULT}): {PARSE_ERROR_MESSAGE}"]
    with unit_of_work() as session:
        names = session.exec(select(SimListItem.full_name)).all()
    assert sorted(names) == ["Acme & Sons", "Acme & Sons:Riverside <North>"]


def test_no_work_skips_the_exchange(fake, url):
    fake.status = "none"
    report = run_session(url, USER, PASSWORD, simulator=FakeQuickBooks())
    assert fake.methods() == [
        "server_version",
        "client_version",
        "authenticate",
        "close_connection",
    ]
    assert report.auth_status == "none" and report.errors == [] and report.round_trips == 4


def test_an_invalid_user_is_reported(fake, url):
    report = run_session(url, USER, "wrong", simulator=FakeQuickBooks())
    assert fake.methods() == [
        "server_version",
        "client_version",
        "authenticate",
        "close_connection",
    ]
    assert report.auth_status == "nvu" and report.requests_sent == 0
    assert report.errors == ["authenticate: not a valid user (nvu)"]


def test_a_refused_client_version_ends_the_session(fake, url):
    fake.client_version = lambda version: "E:Upgrade the Web Connector"
    report = run_session(url, USER, PASSWORD, simulator=FakeQuickBooks())
    assert fake.methods() == ["server_version"]  # the replaced method records nothing
    assert report.errors == ["clientVersion refused this client: E:Upgrade the Web Connector"]
    assert report.round_trips == 2 and report.auth_status == ""


def test_a_soap_fault_ends_the_session(fake, url):
    fake.fail_in = "send_request_xml"
    report = run_session(url, USER, PASSWORD, simulator=FakeQuickBooks())
    assert fake.methods()[-1] == "send_request_xml"
    assert report.round_trips == 4
    assert report.errors == [
        "sendRequestXML: SOAP fault soap:Server: The service could not answer sendRequestXML."
    ]


def test_noop_means_ask_again(fake, url, monkeypatch):
    monkeypatch.setattr(web_connector, "NOOP_PAUSE_SECONDS", 0)
    fake.requests = [QBXML_QUERY]
    real_send, noop_once = fake.send_request_xml, iter(["NoOp"])
    fake.send_request_xml = lambda *args: next(noop_once, "") or real_send(*args)
    report = run_session(url, USER, PASSWORD, simulator=FakeQuickBooks())
    assert report.round_trips == 3 + 1 + 2 + 1  # NoOp, then send and receive, then close
    assert report.requests_sent == 1 and report.last_percent == 100 and report.errors == []


def test_a_server_that_is_down_is_a_failed_session_not_a_crash(down_url):
    report = run_session(down_url, USER, PASSWORD, simulator=FakeQuickBooks())
    assert report.round_trips == 0 and report.auth_status == ""
    assert len(report.errors) == 1 and "serverVersion: cannot reach" in report.errors[0]


def test_a_second_company_file_and_its_hcp_response(fake, url):
    hcp = host_response(company_name="Second Company", file_mode="MultiUser")
    second = r"C:\Books\Second.QBW"
    run_session(
        url, USER, PASSWORD, simulator=FakeQuickBooks(), company_file=second, hcp_response=hcp
    )
    sends = [call for call in fake.calls if call[0] == "send_request_xml"]
    assert [call[2:] for call in sends] == [
        (hcp, second, "US", 13, 0),
        ("", second, "US", 13, 0),
    ]
    fake.status = r"C:\Books\Named.QBW"  # a path named by authenticate still wins
    fake.calls.clear()
    run_session(url, USER, PASSWORD, simulator=FakeQuickBooks(), company_file=second)
    assert {c[3] for c in fake.calls if c[0] == "send_request_xml"} == {fake.status}


def test_an_old_quickbooks_refuses_a_13_0_request(fake, url):
    old = SUPPORTED_QBXML_VERSIONS[: SUPPORTED_QBXML_VERSIONS.index("6.0") + 1]
    hcp = host_response(versions=old, major=16, minor=0)
    fake.requests = [customer_query_rq("find-1", full_names=["Nobody"])]
    simulator = QuickBooksSimulator(Faults(supported_versions=old))
    report = run_session(
        url,
        USER,
        PASSWORD,
        simulator=simulator,
        hcp_response=hcp,
        qbxml_major=6,
        qbxml_minor=0,
    )
    (send, *_) = [call for call in fake.calls if call[0] == "send_request_xml"]
    assert send[2:] == (hcp, COMPANY_FILE, "US", 6, 0)
    (received,) = [call for call in fake.calls if call[0] == "receive_response_xml"]
    assert received[2:] == ("", UNSUPPORTED_VERSION_HRESULT, UNSUPPORTED_VERSION_MESSAGE)
    assert UNSUPPORTED_VERSION_HRESULT == "0x80040423"
    assert report.errors == [
        f"QuickBooks failed ({UNSUPPORTED_VERSION_HRESULT}): {UNSUPPORTED_VERSION_MESSAGE}"
    ]

    fake.requests = [customer_query_rq("find-2", full_names=["Nobody"], version="6.0")]
    fake.calls.clear()
    report = run_session(url, USER, PASSWORD, simulator=simulator, qbxml_major=6)
    (received,) = [call for call in fake.calls if call[0] == "receive_response_xml"]
    assert received[3:] == ("", "") and parse_response(received[2])[0].status_code == 1
    assert report.errors == [] and report.last_percent == 100


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def credentials(monkeypatch) -> None:
    monkeypatch.setenv("QBWC_USERNAME", USER)
    monkeypatch.setenv("QBWC_PASSWORD", PASSWORD)


def test_once_runs_one_session_and_logs_it(fake, url, credentials, caplog):
    fake.status = "none"
    with caplog.at_level(logging.INFO, logger=web_connector.__name__):
        assert main(["--url", url, "--once"]) == 0
    (line,) = [r.getMessage() for r in caplog.records if SESSION_LINE in r.getMessage()]
    assert "auth=none" in line and "errors=none" in line


def test_the_loop_survives_a_down_server_and_stops_on_sigterm(
    down_url, credentials, caplog, monkeypatch
):
    made = []
    monkeypatch.setattr(web_connector, "QuickBooksSimulator", lambda: made.append(1) or object())
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    timer.start()
    with caplog.at_level(logging.INFO, logger=web_connector.__name__):
        assert main(["--url", down_url, "--every", "0.05"]) == 0
    timer.join()
    lines = [r.getMessage() for r in caplog.records if SESSION_LINE in r.getMessage()]
    assert len(lines) >= 2 and all("cannot reach" in line for line in lines)
    assert made == [1]  # one simulator, kept across sessions
    assert signal.getsignal(signal.SIGTERM) is previous


def test_credentials_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("QBWC_USERNAME", raising=False)
    with pytest.raises(SystemExit):
        main(["--url", "http://127.0.0.1:1/qbwc", "--once"])
