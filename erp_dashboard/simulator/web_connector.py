"""A simulated QuickBooks Web Connector: it calls an AppURL the way QBWC does.

Like the real (.NET) client it speaks raw SOAP 1.1 over HTTP, in QBWC's call
order: serverVersion → clientVersion → authenticate → (sendRequestXML ↔
receiveResponseXML)* → closeConnection, with getLastError after a negative
receiveResponseXML. Each qbXML request is answered by QuickBooksSimulator in
its own transaction, since the simulated company file lives in the app
database. Run it beside the app::

    QBWC_USERNAME=… QBWC_PASSWORD=… python -m erp_dashboard.simulator.web_connector \\
        --url http://127.0.0.1:3000/qbwc --every 60
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from lxml import etree

from erp_dashboard.db import unit_of_work
from erp_dashboard.qbwc.soap import CONTENT_TYPE, SOAP_ENV, SoapFault, body_payload, envelope
from erp_dashboard.qbwc.wsdl import NAMESPACE, OPERATIONS, Operation
from erp_dashboard.qbxml import STATUS_OK
from erp_dashboard.simulator.quickbooks import (
    SUPPORTED_QBXML_VERSIONS,
    QuickBooksSimulator,
    SimulatorParseError,
)

CLIENT_VERSION = "2.3.0.215"
COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Simulated.QBW"
QBXML_COUNTRY, QBXML_MAJOR, QBXML_MINOR = "US", 13, 0
PARSE_ERROR_MESSAGE = SimulatorParseError.hresult_message
UNSUPPORTED_VERSION_MESSAGE = (
    "The version of qbXML that was requested is not supported or is unknown."
)
NOOP_PAUSE_SECONDS = 5.0  # QBWC waits this long before asking again after "NoOp"
MAX_EXCHANGES = 10_000  # a session that never ends is a service bug; stop it
HTTP_TIMEOUT_SECONDS = 120.0


def host_response(
    *,
    versions: tuple[str, ...] = SUPPORTED_QBXML_VERSIONS,
    major: int = 13,
    minor: int = 0,
    company_name: str = "Simulated Company",
    file_mode: str = "SingleUser",
) -> str:
    """A strHCPResponse: the HostQuery, CompanyQuery and PreferencesQuery answers QBWC
    passes on the first sendRequestXML, shaped like one recorded from QuickBooks Pro 2014.

    ``major``/``minor`` fill HostRet's MajorVersion/MinorVersion (the product's
    version); ``versions`` its SupportedQBXMLVersion list.
    """
    root = etree.Element("QBXML")
    msgs = etree.SubElement(root, "QBXMLMsgsRs")
    ok = {"statusCode": str(STATUS_OK), "statusSeverity": "Info", "statusMessage": "Status OK"}
    host = etree.SubElement(etree.SubElement(msgs, "HostQueryRs", requestID="0", **ok), "HostRet")
    for tag, text in (
        ("ProductName", "QuickBooks Desktop Simulator"),
        ("MajorVersion", str(major)),
        ("MinorVersion", str(minor)),
        ("Country", QBXML_COUNTRY),
    ):
        etree.SubElement(host, tag).text = text
    for version in versions:
        etree.SubElement(host, "SupportedQBXMLVersion").text = version
    etree.SubElement(host, "IsAutomaticLogin").text = "false"
    etree.SubElement(host, "QBFileMode").text = file_mode
    company = etree.SubElement(
        etree.SubElement(msgs, "CompanyQueryRs", requestID="1", **ok), "CompanyRet"
    )
    etree.SubElement(company, "IsSampleCompany").text = "false"
    etree.SubElement(company, "CompanyName").text = company_name
    etree.SubElement(
        etree.SubElement(msgs, "PreferencesQueryRs", requestID="2", **ok), "PreferencesRet"
    )
    return '<?xml version="1.0" ?>' + etree.tostring(root, encoding="unicode")


# The HostQuery/CompanyQuery/PreferencesQuery answers QBWC sends on the first sendRequestXML.
HCP_RESPONSE = host_response()
_AUTH_REFUSALS = ("none", "nvu", "busy")
_AUTH_ERRORS = {
    "nvu": "authenticate: not a valid user (nvu)",
    "busy": "authenticate: the service is busy (busy)",
}

# Like the .NET client, write control characters as character references (lxml will not
# write them at all): mark each one, then turn the marks into "&#xNN;" in the bytes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MARKED = re.compile("\ue000([0-9a-f]{2})\ue001".encode())


def _mark(match: re.Match[str]) -> str:
    return f"\ue000{ord(match.group()):02x}\ue001"


log = logging.getLogger(__name__)


@dataclass
class SessionReport:
    """What one Web Connector session did."""

    round_trips: int = 0  # HTTP requests that got an HTTP response
    requests_sent: int = 0  # qbXML requests handed to QuickBooks
    last_percent: int | None = None
    close_message: str = ""
    auth_status: str = ""  # "ok", "none", "nvu", "busy"; "" if never authenticated
    last_error: str = ""  # what getLastError said after sendRequestXML answered ""
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One log line."""
        errors = "; ".join(self.errors) or "none"
        return (
            f"auth={self.auth_status or '-'} requests={self.requests_sent} "
            f"round_trips={self.round_trips} percent={self.last_percent} "
            f"close={self.close_message!r} errors={errors}"
        )


class _Aborted(Exception):
    """The session cannot go on: the server is unreachable, faulted or answered nonsense."""


def run_session(
    app_url: str,
    username: str,
    password: str,
    *,
    client: httpx.Client | None = None,
    simulator: QuickBooksSimulator | None = None,
    company_file: str | None = None,
    hcp_response: str | None = None,
    qbxml_major: int = QBXML_MAJOR,
    qbxml_minor: int = QBXML_MINOR,
) -> SessionReport:
    """Run one Web Connector session against ``app_url`` and report what happened.

    Transport errors, SOAP faults and malformed answers end the session and
    are recorded in ``errors`` (never raised); errors of the simulator or the
    database propagate. closeConnection follows any authenticate that returned
    a ticket, "none" and "nvu" included. ``client`` and ``simulator`` default
    to new ones; pass a simulator to keep its query iterators across sessions.

    The rest describe the QuickBooks this Web Connector sits beside:
    ``company_file`` is the open company file (used when authenticate answers
    ""), ``hcp_response`` the first strHCPResponse (default HCP_RESPONSE),
    ``qbxml_major``/``qbxml_minor`` the qbXMLMajorVers/qbXMLMinorVers sent.
    An old QuickBooks: ``hcp_response=host_response(versions=("1.0", …, "6.0"),
    major=16)``, ``qbxml_major=6`` and a simulator with
    ``Faults(supported_versions=("1.0", …, "6.0"))``.
    """
    report = SessionReport()
    owns_client = client is None
    http = client or httpx.Client(timeout=HTTP_TIMEOUT_SECONDS)
    quickbooks = _QuickBooks(
        company_file or COMPANY_FILE,
        HCP_RESPONSE if hcp_response is None else hcp_response,
        qbxml_major,
        qbxml_minor,
    )
    try:
        _Session(http, app_url, report, simulator or QuickBooksSimulator(), quickbooks).run(
            username, password
        )
    except _Aborted as exc:
        report.errors.append(str(exc))
    finally:
        if owns_client:
            http.close()
    return report


@dataclass(frozen=True)
class _QuickBooks:
    """What QBWC tells the service about the QuickBooks beside it."""

    company_file: str
    hcp_response: str
    major: int
    minor: int


class _Session:
    """One session's calls, in QBWC's order."""

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        report: SessionReport,
        simulator: QuickBooksSimulator,
        quickbooks: _QuickBooks | None = None,
    ) -> None:
        self.http = http
        self.url = url
        self.report = report
        self.simulator = simulator
        self.quickbooks = quickbooks or _QuickBooks(
            COMPANY_FILE, HCP_RESPONSE, QBXML_MAJOR, QBXML_MINOR
        )

    def run(self, username: str, password: str) -> None:
        log.debug("server version %r", self.call("serverVersion"))
        verdict = self.call("clientVersion", strVersion=CLIENT_VERSION)
        if verdict.startswith("W:"):
            log.warning("clientVersion warns: %s", verdict[2:])
        elif verdict.startswith(("E:", "O:")):
            raise _Aborted(f"clientVersion refused this client: {verdict}")
        answer = self.call("authenticate", strUserName=username, strPassword=password)
        ticket, status = [*answer, "", ""][:2]
        self.report.auth_status = status if status in _AUTH_REFUSALS else "ok"
        if status in _AUTH_ERRORS:
            self.report.errors.append(_AUTH_ERRORS[status])
        elif status != "none":
            if not ticket:
                raise _Aborted("authenticate returned no ticket")
            self.exchange(ticket, status or self.quickbooks.company_file)
        if ticket:
            self.report.close_message = self.call("closeConnection", ticket=ticket)

    def exchange(self, ticket: str, company_file: str) -> None:
        """sendRequestXML ↔ receiveResponseXML until the service is done or fails."""
        hcp_response = self.quickbooks.hcp_response
        for _ in range(MAX_EXCHANGES):
            request = self.call(
                "sendRequestXML",
                ticket=ticket,
                strHCPResponse=hcp_response,
                strCompanyFileName=company_file,
                qbXMLCountry=QBXML_COUNTRY,
                qbXMLMajorVers=self.quickbooks.major,
                qbXMLMinorVers=self.quickbooks.minor,
            )
            hcp_response = ""
            if not request:  # QBWC asks why, shows the answer, then closes the connection
                self.report.last_error = self.call("getLastError", ticket=ticket)
                return
            if request == "NoOp":
                time.sleep(NOOP_PAUSE_SECONDS)
                continue
            self.report.requests_sent += 1
            response, hresult, message = self.ask_quickbooks(request)
            percent = self.call(
                "receiveResponseXML",
                ticket=ticket,
                response=response,
                hresult=hresult,
                message=message,
            )
            self.report.last_percent = percent
            if percent < 0:
                error = self.call("getLastError", ticket=ticket)
                self.report.errors.append(error or f"receiveResponseXML returned {percent}")
                return
            if percent >= 100:
                return
        self.report.errors.append(f"stopped after {MAX_EXCHANGES} sendRequestXML calls")

    def ask_quickbooks(self, request: str) -> tuple[str, str, str]:
        """(response, hresult, message) as QBWC passes them to receiveResponseXML."""
        try:
            with unit_of_work() as session:
                return self.simulator.handle(session, request), "", ""
        except SimulatorParseError as exc:
            log.info("QuickBooks could not process the request: %s", exc)
            return "", exc.hresult, exc.hresult_message

    def call(self, name: str, **values: str | int) -> Any:
        """Call operation ``name``; its result as str, int or list[str] (by the contract)."""
        op = OPERATIONS[name]
        call = etree.Element(f"{{{NAMESPACE}}}{name}", nsmap={None: NAMESPACE})
        for param in op.params:
            if param.name in values:
                element = etree.SubElement(call, f"{{{NAMESPACE}}}{param.name}")
                element.text = _CONTROL.sub(_mark, str(values[param.name]))
        headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": f'"{op.soap_action}"'}
        body = _MARKED.sub(lambda m: b"&#x" + m.group(1) + b";", envelope(call))
        try:
            reply = self.http.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _Aborted(f"{name}: cannot reach {self.url}: {exc}") from exc
        self.report.round_trips += 1
        return _result(op, reply)


def _result(op: Operation, reply: httpx.Response) -> Any:
    """The ``{op}Result`` of a reply, typed as the contract declares; _Aborted otherwise."""
    try:
        payload = body_payload(reply.content)
    except SoapFault as exc:
        raise _Aborted(f"{op.name}: HTTP {reply.status_code}, {exc.message}") from exc
    if payload.tag == f"{{{SOAP_ENV}}}Fault":
        code, text = payload.findtext("faultcode"), payload.findtext("faultstring")
        raise _Aborted(f"{op.name}: SOAP fault {code}: {text}")
    if payload.tag != f"{{{NAMESPACE}}}{op.name}Response" or reply.status_code != 200:
        raise _Aborted(f"{op.name}: HTTP {reply.status_code}, answer <{payload.tag}>")
    result = payload.find(f"{{{NAMESPACE}}}{op.name}Result")
    if op.result == "ArrayOfString":
        return [] if result is None else [item.text or "" for item in result]
    text = "" if result is None else (result.text or "")
    if op.result == "string":
        return text
    try:
        return int(text)
    except ValueError:
        raise _Aborted(f"{op.name}: {text[:40]!r} is not an int") from None


def main(argv: list[str] | None = None) -> int:
    """Run sessions every ``--every`` seconds (or ``--once``) until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", required=True, help="the AppURL, e.g. http://127.0.0.1:3000/qbwc")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between sessions")
    parser.add_argument("--once", action="store_true", help="run one session and exit")
    args = parser.parse_args(argv)
    username, password = os.environ.get("QBWC_USERNAME"), os.environ.get("QBWC_PASSWORD")
    if not username or password is None:
        parser.error("set QBWC_USERNAME and QBWC_PASSWORD")
    if args.every <= 0:
        parser.error("--every must be positive")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as on Ctrl-C
    simulator = QuickBooksSimulator()
    try:
        while True:
            try:
                report = run_session(args.url, username, password, simulator=simulator)
            except Exception as exc:
                log.exception("Web Connector session crashed")
                report = SessionReport(errors=[f"crashed: {type(exc).__name__}: {exc}"])
            log.info("Web Connector session: %s", report.summary())
            if args.once:
                return 1 if report.errors else 0
            time.sleep(args.every)
    except KeyboardInterrupt:
        log.info("Web Connector simulator stopped")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
