"""The Web Connector SOAP endpoint: driven by zeep from Intuit's WSDL, and by raw HTTP."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
import zeep
from lxml import etree

from erp_dashboard.qbwc import WebConnectorService
from erp_dashboard.qbwc.soap import soap_app
from erp_dashboard.qbwc.wsdl import OPERATIONS

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"
INTUIT_WSDL = SPEC / "qbwc" / "QBWebConnectorSvc.wsdl"
NS = "http://developer.intuit.com/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
PORT = f"{{{NS}}}QBWebConnectorSvcSoap"
USER, PASSWORD = "builder", "s3cret"
# qbXML with markup characters inside its text: it must cross the wire intact.
QBXML_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?>'
    '<QBXML><QBXMLMsgsRq onError="continueOnError"><CustomerQueryRq requestID="1">'
    "<FullName>Smith &amp; Sons:Job &lt;North&gt;</FullName></CustomerQueryRq>"
    "</QBXMLMsgsRq></QBXML>"
)
QBXML_ADD = QBXML_QUERY.replace('requestID="1"', 'requestID="2"')
SECRET = "SECRET-internal-detail"
MANDATORY_HEADER = b'<soap:Header><a:Auth xmlns:a="urn:a" soap:mustUnderstand="1"/></soap:Header>'


class FakeService:
    """An in-memory WebConnectorService that records every call it gets."""

    def __init__(self, requests: list[str] | None = None, *, status: str = "") -> None:
        self.requests = [QBXML_QUERY, QBXML_ADD] if requests is None else requests
        self.status = status  # what a valid user's authenticate says: "", "none", a path
        self.calls: list[tuple] = []
        self.pending: dict[str, list[str]] = {}
        self.last_error: dict[str, str] = {}
        self.fail_in = ""  # a method name that raises

    def _record(self, method: str, *args: object) -> None:
        self.calls.append((method, *args))
        if method == self.fail_in:
            raise RuntimeError(SECRET)

    def server_version(self) -> str:
        self._record("server_version")
        return "Fake 1.0"

    def client_version(self, version: str) -> str:
        self._record("client_version", version)
        return ""

    def authenticate(self, username: str, password: str) -> list[str]:
        self._record("authenticate", username, password)
        ticket = secrets.token_urlsafe(16)
        if (username, password) != (USER, PASSWORD):
            return [ticket, "nvu"]
        self.pending[ticket] = list(self.requests)
        return [ticket, self.status]

    def send_request_xml(self, ticket, hcp_response, company_file, country, major, minor) -> str:
        self._record("send_request_xml", ticket, hcp_response, company_file, country, major, minor)
        left = self.pending.get(ticket)
        return left[0] if left else ""

    def receive_response_xml(self, ticket: str, response: str, hresult: str, message: str) -> int:
        self._record("receive_response_xml", ticket, response, hresult, message)
        if ticket not in self.pending:
            return -1
        if hresult:
            self.last_error[ticket] = f"QuickBooks failed ({hresult}): {message}"
            return -1
        left = self.pending[ticket]
        left.pop(0)
        return 100 - 100 * len(left) // len(self.requests)

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        self._record("connection_error", ticket, hresult, message)
        return "done"

    def get_last_error(self, ticket: str) -> str:
        self._record("get_last_error", ticket)
        return self.last_error.get(ticket, "Unknown ticket")

    def close_connection(self, ticket: str) -> str:
        self._record("close_connection", ticket)
        return "OK" if self.pending.pop(ticket, None) is not None else "Unknown ticket"

    def methods(self) -> list[str]:
        """The method names called so far, in order."""
        return [call[0] for call in self.calls]


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def intuit_wsdl() -> Path:
    """Intuit's WSDL from the shared spec (skips outside CI when the spec is absent)."""
    if not INTUIT_WSDL.is_file() and os.environ.get("CI") != "true":
        pytest.skip("the shared spec is not present")
    return INTUIT_WSDL


def envelope(op: str, params: str = "", *, ns: str = SOAP_ENV) -> bytes:
    """A raw SOAP request calling ``op`` with ``params`` (already-serialised children)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{ns}"><soap:Body>'
        f'<{op} xmlns="{NS}">{params}</{op}></soap:Body></soap:Envelope>'
    ).encode()


def fault(response: httpx.Response) -> tuple[str, str]:
    """(faultcode, faultstring) of a SOAP fault response."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    body = etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body")
    element = body.find(f"{{{SOAP_ENV}}}Fault")
    return element.findtext("faultcode"), element.findtext("faultstring")


@pytest.fixture
def qbwc(url):
    """The Web Connector's view of our endpoint: zeep bound to Intuit's WSDL at ``url``."""
    return zeep.Client(str(intuit_wsdl())).create_service(PORT, url)


@pytest.fixture
def small_url(fake) -> Iterator[str]:
    """The endpoint with a 10 000-byte body limit."""
    with serve(soap_app(fake, max_body_bytes=10_000)) as base:
        yield f"{base}/qbwc"


def test_operations_the_protocol_and_the_fake_agree():
    protocol = {
        name: inspect.signature(member).parameters.keys()
        for name, member in vars(WebConnectorService).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert {op.method for op in OPERATIONS.values()} == protocol.keys()
    for name, params in protocol.items():
        assert inspect.signature(getattr(FakeService, name)).parameters.keys() == params


# --------------------------------------------------------------------------- zeep, Intuit's WSDL


def test_a_whole_session_in_qbwc_call_order(qbwc, fake):
    response = "<QBXML><QBXMLMsgsRs><X>A &amp; B &lt; C\r\n</X></QBXMLMsgsRs></QBXML>"
    assert qbwc.serverVersion() == "Fake 1.0"
    assert qbwc.clientVersion(strVersion="2.3.0.215") is None  # zeep reads "" as None
    ticket, status = qbwc.authenticate(strUserName=USER, strPassword=PASSWORD)
    assert len(ticket) > 16 and status is None
    session = {"ticket": ticket, "strCompanyFileName": "C:\\Co.QBW", "qbXMLCountry": "US"}
    versions = {"qbXMLMajorVers": 13, "qbXMLMinorVers": 0}
    first = qbwc.sendRequestXML(strHCPResponse="<HostQueryRs/>", **session, **versions)
    assert first == QBXML_QUERY
    assert qbwc.receiveResponseXML(ticket=ticket, response=response, hresult="", message="") == 50
    assert qbwc.sendRequestXML(strHCPResponse="", **session, **versions) == QBXML_ADD
    assert qbwc.receiveResponseXML(ticket=ticket, response=response, hresult="", message="") == 100
    assert qbwc.closeConnection(ticket=ticket) == "OK"
    assert fake.calls == [
        ("server_version",),
        ("client_version", "2.3.0.215"),
        ("authenticate", USER, PASSWORD),
        ("send_request_xml", ticket, "<HostQueryRs/>", "C:\\Co.QBW", "US", 13, 0),
        ("receive_response_xml", ticket, response, "", ""),
        ("send_request_xml", ticket, "", "C:\\Co.QBW", "US", 13, 0),
        ("receive_response_xml", ticket, response, "", ""),
        ("close_connection", ticket),
    ]


def test_a_bad_password_is_answered_nvu(qbwc):
    ticket, status = qbwc.authenticate(strUserName=USER, strPassword="wrong")
    assert ticket and status == "nvu"


def test_an_unknown_ticket_gets_sane_answers(qbwc):
    args = {"strHCPResponse": "", "strCompanyFileName": "", "qbXMLCountry": "US"}
    assert qbwc.sendRequestXML(ticket="forged", qbXMLMajorVers=13, qbXMLMinorVers=0, **args) is None
    assert qbwc.receiveResponseXML(ticket="forged", response="", hresult="", message="") == -1
    assert qbwc.getLastError(ticket="forged") == "Unknown ticket"
    assert qbwc.connectionError(ticket="forged", hresult="0x80040408", message="no") == "done"
    assert qbwc.closeConnection(ticket="forged") == "Unknown ticket"


def test_a_service_exception_is_a_server_fault_without_its_details(qbwc, fake, url, caplog):
    fake.fail_in = "get_last_error"
    with pytest.raises(zeep.exceptions.Fault) as raised:
        qbwc.getLastError(ticket="t")
    assert raised.value.code == "soap:Server"
    assert raised.value.message == "The service could not answer getLastError."
    raw = httpx.post(url, content=envelope("getLastError", "<ticket>t</ticket>"))
    assert raw.status_code == 500 and fault(raw)[0] == "soap:Server"
    assert SECRET not in raw.text and "Traceback" not in raw.text
    assert any(r.exc_info and SECRET in str(r.exc_info[1]) for r in caplog.records)


def test_the_served_wsdl_matches_intuits_contract_at_the_real_address(url):
    ours = zeep.Client(f"{url}?wsdl")
    intuit = zeep.Client(str(intuit_wsdl()))
    assert ours.service._binding_options["address"] == url

    def contract(client):
        return {
            name: (op.soapaction, op.input.signature(), op.output.signature())
            for name, op in client.service._binding._operations.items()
        }

    assert contract(ours) == contract(intuit)
    assert len(contract(ours)) == 8


def test_the_served_wsdl_declares_the_same_messages_and_schema(url):
    ours = etree.fromstring(httpx.get(f"{url}?WSDL").content)
    intuit = etree.parse(str(intuit_wsdl())).getroot()

    def messages(root):
        return {
            m.get("name"): [(p.get("name"), p.get("element")) for p in m]
            for m in root.iterfind(f"{{{WSDL_NS}}}message")
        }

    def schema(root):
        declared = root.iterfind(f".//{{{XSD_NS}}}schema/*")
        return {
            (el.tag, el.get("name")): [
                dict(child.attrib) for child in el.iterfind(f".//{{{XSD_NS}}}element")
            ]
            for el in declared
            if isinstance(el.tag, str)
        }

    assert ours.get("targetNamespace") == intuit.get("targetNamespace") == NS
    assert messages(ours) == messages(intuit)
    assert schema(ours) == schema(intuit)


def test_the_wsdl_address_is_the_request_url_never_a_forwarded_host(url):
    port = url.split(":")[2].split("/")[0]
    headers = {
        "Host": f"erp.example.com:{port}",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
    }
    wsdl = etree.fromstring(httpx.get(f"{url}?wsdl", headers=headers).content)
    address = wsdl.find(f".//{{{WSDL_NS}}}port/*")
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (its default forwarded_allow_ips);
    # X-Forwarded-Host is never trusted: anyone could make the WSDL point elsewhere.
    assert address.get("location") == f"https://erp.example.com:{port}/qbwc"
    assert httpx.get(url).status_code == 400


# --------------------------------------------------------------------------- raw wire


def test_results_are_shaped_as_dotnet_expects(url):
    raw = httpx.post(
        url,
        content=envelope(
            "authenticate",
            f"<strUserName>{USER}</strUserName><strPassword>{PASSWORD}</strPassword>",
        ),
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": '"http://developer.intuit.com/authenticate"',
        },
    )
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "text/xml; charset=utf-8"
    body = etree.fromstring(raw.content).find(f"{{{SOAP_ENV}}}Body")
    (response,) = body
    assert response.tag == f"{{{NS}}}authenticateResponse"
    (result,) = response
    assert result.tag == f"{{{NS}}}authenticateResult"
    assert [s.tag for s in result] == [f"{{{NS}}}string"] * 2
    assert result[1].text in (None, "")


def test_the_body_decides_over_the_soap_action(url, fake):
    raw = httpx.post(
        url, content=envelope("serverVersion"), headers={"SOAPAction": "closeConnection"}
    )
    assert raw.status_code == 200 and fake.methods() == ["server_version"]


def test_missing_parameters_are_empty_or_zero(url, fake):
    raw = httpx.post(url, content=envelope("sendRequestXML", "<ticket>t</ticket>"))
    assert raw.status_code == 200
    assert fake.calls == [("send_request_xml", "t", "", "", "", 0, 0)]


def test_unqualified_parameters_are_accepted(url, fake):
    raw = httpx.post(
        url, content=envelope("clientVersion", '<strVersion xmlns="">2.1</strVersion>')
    )
    assert raw.status_code == 200 and fake.calls == [("client_version", "2.1")]


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        (b"<soap:Envelope", "soap:Client", "not well-formed"),
        (b"", "soap:Client", "not well-formed"),
        (b"<html/>", "soap:Client", "not a SOAP envelope"),
        (b"<Envelope/>", "soap:VersionMismatch", "SOAP 1.1"),
        (
            envelope("serverVersion", ns="http://www.w3.org/2003/05/soap-envelope"),
            "soap:VersionMismatch",
            "SOAP 1.1",
        ),
        (envelope("dropTables"), "soap:Client", "Unknown operation 'dropTables'"),
        (
            envelope("serverVersion").replace(NS.encode(), b"urn:elsewhere"),
            "soap:Client",
            "Unknown operation 'serverVersion'",
        ),
        (
            envelope("sendRequestXML", "<qbXMLMajorVers>13.0</qbXMLMajorVers>"),
            "soap:Client",
            "integer",
        ),
        (
            envelope("closeConnection", "<ticket><b>t</b></ticket>"),
            "soap:Client",
            "text, not markup",
        ),
        (
            envelope("serverVersion").replace(b"<soap:Body>", b"<soap:Body><x/>"),
            "soap:Client",
            "exactly one",
        ),
        (
            envelope("serverVersion").replace(b"<soap:Body>", MANDATORY_HEADER + b"<soap:Body>"),
            "soap:MustUnderstand",
            "header",
        ),
    ],
)
def test_bad_requests_are_client_faults(url, fake, body, code, text):
    raw = httpx.post(url, content=body, headers={"Content-Type": "text/xml"})
    assert raw.status_code == 500
    faultcode, faultstring = fault(raw)
    assert faultcode == code and text in faultstring
    assert fake.calls == []


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-16"]
)  # utf-16 hides "<!DOCTYPE" from a byte scan
def test_an_xml_bomb_is_refused_unexpanded(url, fake, encoding):
    entities = "".join(f'<!ENTITY l{i} "{10 * f"&l{i - 1};"}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<!DOCTYPE soap:Envelope [<!ENTITY l0 "lol">{entities}]>'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><clientVersion xmlns="{NS}">'
        "<strVersion>&l9;</strVersion></clientVersion></soap:Body></soap:Envelope>"
    )
    started = time.monotonic()
    raw = httpx.post(url, content=bomb.encode(encoding))
    assert time.monotonic() - started < 2
    assert raw.status_code == 500 and fault(raw)[0] == "soap:Client"
    assert "DOCTYPE" in fault(raw)[1] and "lol" not in raw.text
    assert len(raw.content) < 1000 and fake.calls == []


def test_a_declared_oversize_body_is_refused_unread(small_url, fake):
    big = envelope("clientVersion", f"<strVersion>{'x' * 20_000}</strVersion>")
    raw = httpx.post(small_url, content=big)
    assert raw.status_code == 413
    assert fault(raw) == ("soap:Client", "The request exceeds 10000 bytes.")
    assert fake.calls == []


def test_a_streamed_oversize_body_stops_being_read_past_the_limit(fake):
    """A chunked body without Content-Length: the app must stop reading, not drain it."""
    app = soap_app(fake, max_body_bytes=10_000)
    chunks_read = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal chunks_read
        chunks_read += 1  # an endless body: reading it all would never finish
        return {"type": "http.request", "body": b"<" * 1024, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/qbwc",
        "raw_path": b"/qbwc",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=5))
    assert sent[0]["status"] == 413
    assert chunks_read <= 11 and fake.calls == []


def test_a_wrong_return_type_is_a_server_fault(url, fake):
    fake.server_version = lambda: None
    raw = httpx.post(url, content=envelope("serverVersion"))
    assert raw.status_code == 500 and fault(raw)[0] == "soap:Server"


def test_client_faults_are_logged(url, caplog):
    with caplog.at_level(logging.WARNING, logger="erp_dashboard.qbwc.soap"):
        httpx.post(url, content=b"<broken")
    assert any("Refused a Web Connector request" in r.getMessage() for r in caplog.records)
