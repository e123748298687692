"""The Web Connector's SOAP 1.1 wire, served as a Starlette app over a WebConnectorService.

``POST {path}`` takes one document/literal call, reads at most
``max_body_bytes``, parses it without DTDs, entities or network access,
dispatches on the Body's element (the SOAPAction header is only compared, for
the log) and answers the way an ASMX service does, so the .NET QBWC client
reads it. Anything wrong becomes a SOAP Fault (HTTP 500, 413 for an oversized
body) with a short faultstring; details go to the server log only.

``GET {path}?wsdl`` serves the contract (``qbwc.wsdl``) with the endpoint
address taken from the request's own URL: scheme, Host header and path as the
ASGI server saw them. X-Forwarded-Host is deliberately not read, as any client
could point the WSDL elsewhere with it; the scheme behind a TLS-terminating
proxy is the ASGI server's job (uvicorn trusts X-Forwarded-Proto from the
addresses in ``--forwarded-allow-ips``, 127.0.0.1 by default), and proxies
pass the public Host through.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from erp_dashboard.qbwc import WebConnectorService
from erp_dashboard.qbwc.wsdl import NAMESPACE, OPERATIONS, Operation, Param, wsdl_document
from erp_dashboard.qbxml import QBXMLError, parse_xml

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CONTENT_TYPE = "text/xml; charset=utf-8"
_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
_XSD_INT = re.compile(r"[+-]?\d{1,10}")
# The .NET Web Connector writes a control character in QuickBooks' data (a stray U+0001 in a
# customer name) as a character reference, which XML 1.0 forbids: read it as U+FFFD rather
# than refusing the whole message and every answer in it.
_BAD_CHAR_REF = re.compile(
    rb"&#(?:x0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2\d|3[01]));"
)

log = logging.getLogger(__name__)
# Runs authenticate: (service.authenticate, username, password, client address) -> answer.
SignInGuard = Callable[[Callable[[str, str], list[str]], str, str, str], list[str]]


class SoapFault(Exception):
    """A SOAP 1.1 fault: ``code`` is Client, Server, VersionMismatch or MustUnderstand.

    ``message`` is the faultstring sent to the caller; ``detail`` is for the log only.
    """

    def __init__(self, code: str, message: str, *, detail: str = "", status: int = 500) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail
        self.status = status


def soap_app(
    service: WebConnectorService,
    *,
    path: str = "/qbwc",
    max_body_bytes: int = 5_000_000,
    sign_in_guard: SignInGuard | None = None,
) -> Starlette:
    """A Starlette app serving ``service`` to the Web Connector at ``path``.

    ``sign_in_guard`` (the app passes ``services.throttle.web_connector_sign_in``) runs
    each ``authenticate`` with the caller's address, to throttle and log failures.
    """

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            return _wsdl_response(request)
        try:
            op, args = _read_call(await _read_body(request, max_body_bytes))
        except SoapFault as fault:
            detail = f" ({fault.detail})" if fault.detail else ""
            log.warning("Refused a Web Connector request: %s%s", fault.message, detail)
            return _fault_response(fault)
        _compare_soap_action(request, op)
        call = getattr(service, op.method)
        if op.method == "authenticate" and sign_in_guard is not None:
            address = request.client.host if request.client else ""
            call, args = partial(sign_in_guard, call), [*args, address]
        try:
            answer = await asyncio.to_thread(call, *args)
            body = envelope(_result_element(op, answer))
        except Exception:
            log.exception("The Web Connector service failed in %s", op.name)
            return _fault_response(SoapFault("Server", f"The service could not answer {op.name}."))
        return Response(body, media_type=CONTENT_TYPE)

    return Starlette(routes=[Route(path, endpoint, methods=["GET", "POST"])])


def envelope(payload: etree._Element) -> bytes:
    """A SOAP 1.1 envelope (UTF-8, with declaration) whose Body holds ``payload``."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    etree.SubElement(root, f"{{{SOAP_ENV}}}Body").append(payload)
    return _XML_DECLARATION + etree.tostring(root, encoding="utf-8")


def body_payload(xml: bytes) -> etree._Element:
    """The single element in the Body of a SOAP 1.1 message; raises SoapFault if there is none."""
    try:
        root = parse_xml(_BAD_CHAR_REF.sub(b"&#xFFFD;", xml))
    except QBXMLError as exc:
        raise SoapFault(
            "Client", "The message is not well-formed XML, or has a DOCTYPE.", detail=str(exc)
        ) from None
    if etree.QName(root).localname != "Envelope":
        raise SoapFault("Client", "The message is not a SOAP envelope.")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("VersionMismatch", "Only SOAP 1.1 envelopes are understood.")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    if header is not None and any(
        block.get(f"{{{SOAP_ENV}}}mustUnderstand") in ("1", "true") for block in header
    ):
        raise SoapFault("MustUnderstand", "A mandatory SOAP header is not understood.")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    payload = [] if body is None else [child for child in body if isinstance(child.tag, str)]
    if len(payload) != 1:
        raise SoapFault("Client", "The SOAP Body must hold exactly one element.")
    return payload[0]


def _read_call(xml: bytes) -> tuple[Operation, list[str | int]]:
    """The operation a request calls and the service method's arguments, in order."""
    payload = body_payload(xml)
    name = etree.QName(payload)
    op = OPERATIONS.get(name.localname) if name.namespace == NAMESPACE else None
    if op is None:
        raise SoapFault("Client", f"Unknown operation {name.localname[:80]!r}.")
    return op, [_argument(payload, param) for param in op.params if param.to_service]


def _result_element(op: Operation, answer: Any) -> etree._Element:
    """``{op}Response/{op}Result`` holding ``answer``; TypeError if it is not the declared type."""
    items = answer if op.result == "ArrayOfString" else [answer]
    expected = int if op.result == "int" else str
    if not isinstance(items, list | tuple) or any(
        not isinstance(item, expected) or isinstance(item, bool) for item in items
    ):
        raise TypeError(f"{op.method} returned {answer!r:.80}, not {op.result}")
    response = etree.Element(f"{{{NAMESPACE}}}{op.name}Response", nsmap={None: NAMESPACE})
    result = etree.SubElement(response, f"{{{NAMESPACE}}}{op.name}Result")
    if op.result == "ArrayOfString":
        for item in items:
            etree.SubElement(result, f"{{{NAMESPACE}}}string").text = item
    else:
        result.text = str(answer)
    return response


def _argument(payload: etree._Element, param: Param) -> str | int:
    """A parameter's value: its text ("" or 0 when absent); qualified or not, names are exact."""
    element = payload.find(f"{{{NAMESPACE}}}{param.name}")
    if element is None:
        element = payload.find(param.name)
    if element is not None and len(element):
        raise SoapFault("Client", f"{param.name} must hold text, not markup.")
    text = "" if element is None else (element.text or "")
    if param.type == "string":
        return text
    if not text.strip():
        return 0
    if not _XSD_INT.fullmatch(text.strip()):
        raise SoapFault("Client", f"{param.name} must be an integer.")
    return int(text)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to exceed ``limit`` bytes."""
    too_large = SoapFault("Client", f"The request exceeds {limit} bytes.", status=413)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise too_large
    except ClientDisconnect:
        raise SoapFault("Client", "The client disconnected mid-request.") from None
    return bytes(body)


def _compare_soap_action(request: Request, op: Operation) -> None:
    action = request.headers.get("soapaction", "").strip().strip('"')
    if action and action != op.soap_action:
        log.debug("SOAPAction %r differs from the body's %s; the body decides", action, op.name)


def _fault_response(fault: SoapFault) -> Response:
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soap:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.message
    return Response(envelope(element), status_code=fault.status, media_type=CONTENT_TYPE)


def _wsdl_response(request: Request) -> Response:
    if not any(key.lower() == "wsdl" for key in request.query_params):
        return PlainTextResponse("POST SOAP calls here; GET ?wsdl for the contract.", 400)
    location = str(request.url.replace(query="", fragment=""))
    return Response(wsdl_document(location), media_type=CONTENT_TYPE)
