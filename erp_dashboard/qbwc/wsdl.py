"""The QuickBooks Web Connector service contract: its eight operations and their WSDL.

The contract is Intuit's (SOAP 1.1, document/literal, namespace
``http://developer.intuit.com/``): every operation ``op`` takes one ``op``
element whose children are the parameters, and answers one ``opResponse``
element holding ``opResult``. Strings are optional (``minOccurs=0``), ints are
required, and ``authenticate`` answers an ``ArrayOfString``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

NAMESPACE = "http://developer.intuit.com/"
SERVICE_NAME = "QBWebConnectorSvc"
PORT_NAME = "QBWebConnectorSvcSoap"

_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
_XSD = "http://www.w3.org/2001/XMLSchema"
_HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"


@dataclass(frozen=True)
class Param:
    """One parameter element of an operation's request."""

    name: str
    type: str = "string"  # "string" or "int"
    to_service: bool = True  # False: accepted on the wire, not passed to the service


@dataclass(frozen=True)
class Operation:
    """One Web Connector operation and the WebConnectorService method that answers it."""

    name: str
    method: str
    params: tuple[Param, ...]
    result: str = "string"  # "string", "int" or "ArrayOfString"

    @property
    def soap_action(self) -> str:
        """The SOAPAction a .NET client sends for this operation."""
        return NAMESPACE + self.name


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("serverVersion", "server_version", (Param("strVersion", to_service=False),)),
        Operation("clientVersion", "client_version", (Param("strVersion"),)),
        Operation(
            "authenticate",
            "authenticate",
            (Param("strUserName"), Param("strPassword")),
            result="ArrayOfString",
        ),
        Operation(
            "sendRequestXML",
            "send_request_xml",
            (
                Param("ticket"),
                Param("strHCPResponse"),
                Param("strCompanyFileName"),
                Param("qbXMLCountry"),
                Param("qbXMLMajorVers", "int"),
                Param("qbXMLMinorVers", "int"),
            ),
        ),
        Operation(
            "receiveResponseXML",
            "receive_response_xml",
            (Param("ticket"), Param("response"), Param("hresult"), Param("message")),
            result="int",
        ),
        Operation(
            "connectionError",
            "connection_error",
            (Param("ticket"), Param("hresult"), Param("message")),
        ),
        Operation("getLastError", "get_last_error", (Param("ticket"),)),
        Operation("closeConnection", "close_connection", (Param("ticket"),)),
    )
}


def wsdl_document(location: str) -> bytes:
    """The service's WSDL (UTF-8 bytes) with its endpoint at ``location``."""
    root = etree.Element(
        f"{{{_WSDL}}}definitions",
        nsmap={"wsdl": _WSDL, "soap": _WSDL_SOAP, "s": _XSD, "tns": NAMESPACE},
        targetNamespace=NAMESPACE,
    )
    _types(etree.SubElement(root, f"{{{_WSDL}}}types"))
    for op in OPERATIONS.values():
        for suffix, element in (("SoapIn", op.name), ("SoapOut", f"{op.name}Response")):
            message = etree.SubElement(root, f"{{{_WSDL}}}message", name=op.name + suffix)
            etree.SubElement(
                message, f"{{{_WSDL}}}part", name="parameters", element=f"tns:{element}"
            )
    port_type = etree.SubElement(root, f"{{{_WSDL}}}portType", name=PORT_NAME)
    for op in OPERATIONS.values():
        operation = etree.SubElement(port_type, f"{{{_WSDL}}}operation", name=op.name)
        etree.SubElement(operation, f"{{{_WSDL}}}input", message=f"tns:{op.name}SoapIn")
        etree.SubElement(operation, f"{{{_WSDL}}}output", message=f"tns:{op.name}SoapOut")
    _binding(root)
    service = etree.SubElement(root, f"{{{_WSDL}}}service", name=SERVICE_NAME)
    port = etree.SubElement(service, f"{{{_WSDL}}}port", name=PORT_NAME, binding=f"tns:{PORT_NAME}")
    etree.SubElement(port, f"{{{_WSDL_SOAP}}}address", location=location)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _types(types: etree._Element) -> None:
    schema = etree.SubElement(
        types, f"{{{_XSD}}}schema", elementFormDefault="qualified", targetNamespace=NAMESPACE
    )
    for op in OPERATIONS.values():
        _wrapper(schema, op.name, [(p.name, p.type) for p in op.params])
        _wrapper(schema, f"{op.name}Response", [(f"{op.name}Result", op.result)])
    array = etree.SubElement(schema, f"{{{_XSD}}}complexType", name="ArrayOfString")
    etree.SubElement(
        etree.SubElement(array, f"{{{_XSD}}}sequence"),
        f"{{{_XSD}}}element",
        minOccurs="0",
        maxOccurs="unbounded",
        name="string",
        nillable="true",
        type="s:string",
    )


def _wrapper(schema: etree._Element, name: str, children: list[tuple[str, str]]) -> None:
    """A global element whose sequence holds ``children`` as (name, type)."""
    element = etree.SubElement(schema, f"{{{_XSD}}}element", name=name)
    sequence = etree.SubElement(
        etree.SubElement(element, f"{{{_XSD}}}complexType"), f"{{{_XSD}}}sequence"
    )
    for child, type_ in children:
        etree.SubElement(
            sequence,
            f"{{{_XSD}}}element",
            minOccurs="1" if type_ == "int" else "0",
            maxOccurs="1",
            name=child,
            type="tns:ArrayOfString" if type_ == "ArrayOfString" else f"s:{type_}",
        )


def _binding(root: etree._Element) -> None:
    binding = etree.SubElement(root, f"{{{_WSDL}}}binding", name=PORT_NAME, type=f"tns:{PORT_NAME}")
    etree.SubElement(
        binding, f"{{{_WSDL_SOAP}}}binding", transport=_HTTP_TRANSPORT, style="document"
    )
    for op in OPERATIONS.values():
        operation = etree.SubElement(binding, f"{{{_WSDL}}}operation", name=op.name)
        etree.SubElement(
            operation, f"{{{_WSDL_SOAP}}}operation", soapAction=op.soap_action, style="document"
        )
        for direction in ("input", "output"):
            etree.SubElement(
                etree.SubElement(operation, f"{{{_WSDL}}}{direction}"),
                f"{{{_WSDL_SOAP}}}body",
                use="literal",
            )
