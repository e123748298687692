"""qbXML for QuickBooks Desktop jobs: request builders and a hardened response parser.

A construction project is a QuickBooks *job*: a sub-customer whose ``ParentRef``
names the customer. Builders emit elements in schema order (``qbxmlops130.xsd``);
the parser never loads DTDs, resolves entities or touches the network. What a
job's fields may hold (limits, characters) is `quickbooks_fields`' to say.

Requests are written for qbXML 13.0 at most and ``MIN_QBXML_VERSION`` at least:
Intuit's annotated reference (``qbxmlops130-reference.xml``) dates ParentRef and
the Job* fields of CustomerMod to v3.0 (CustomerAdd and CustomerQuery's ListID,
FullName, MaxReturned and ActiveStatus are v1.0), and query iterators came with
qbXML 5.0 (QuickBooks 2006).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import etree

from erp_dashboard.quickbooks_fields import TEXT_RULES, JobFields

QBXML_VERSION = "13.0"  # the highest qbXML we speak
MIN_QBXML_VERSION = "5.0"  # the lowest whose schema has all we send (iterators: 5.0)
# The statusCodes QuickBooks answers with that we (or the simulator, answering) name.
STATUS_OK = 0
NO_MATCH = 1  # a query found nothing (Info)
NOT_ALL_FOUND = 500  # a query by ListID or FullName did not find all it named (Warn)
INTERNAL_ERROR = 1000
UNSUPPORTED_REQUEST = 1030
BAD_REQUEST_ID = 1060  # a requestID that is invalid or too long
INVALID_ID = 3000  # a ListID or iteratorID QuickBooks cannot read
TOO_LONG = 3070  # a string longer than its field allows
CANNOT_STORE = 3090  # a value the field cannot hold (an empty Name, a ":" in it)
DUPLICATE_NAME = 3100  # the parent already has a list element of this name
NOT_FOUND = 3120  # the record named does not exist
BAD_REFERENCE = 3140  # a reference (ParentRef) to a record that does not exist
# The record or list is locked by another user or process: retry later.
INTERNALS_LOCKED = 3170  # "The internals could not be locked"
IN_USE = 3175  # "...because it is already in use"
LOCK_FAILED = 3176  # "Failed to acquire the lock"
LIST_MODIFIED = 3180  # "This list has been modified by another user"
STALE_EDIT_SEQUENCE = 3200  # the EditSequence sent is out of date
NO_PERMISSION = 3260  # the QuickBooks user may not do this
BUSY_STATUSES = frozenset({INTERNALS_LOCKED, IN_USE, LOCK_FAILED, LIST_MODIFIED})
NOT_FOUND_STATUSES = (NO_MATCH, NOT_ALL_FOUND, NOT_FOUND)  # how a look-up says it found nothing
# HRESULTs the Web Connector reports instead of a response (QuickBooks' request processor).
PARSE_ERROR_HRESULT = "0x80040400"  # QuickBooks could not parse the request
NO_CONNECTION_HRESULT = "0x80040401"
UNEXPECTED_HRESULT = "0x80040402"
CANNOT_START_HRESULT = "0x80040408"
UNSUPPORTED_VERSION_HRESULT = "0x80040423"  # a qbXML version this QuickBooks does not speak
JOB_STATUSES = ("Awarded", "Closed", "InProgress", "None", "NotAwarded", "Pending")
ACTIVE_STATUSES = ("ActiveOnly", "InactiveOnly", "All")
ON_ERROR = ("continueOnError", "rollbackOnError", "stopOnError")
ITERATORS = ("Start", "Continue", "Stop")
REQUEST_ID_MAX = 50
UNREADABLE_STATUS = -1  # statusCode given to a response whose status cannot be read

_ADDRESS_FIELDS = ("addr1", "city", "state", "postal_code")
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml\b[^>]*\?>")


class QBXMLError(ValueError):
    """A qbXML document is malformed, truncated or unsafe to parse."""


@dataclass(frozen=True)
class HostInfo:
    """What strHCPResponse says about QuickBooks and the open company file.

    ``major``/``minor`` are HostRet's MajorVersion/MinorVersion: the version of
    the QuickBooks *product* (24.0 is QuickBooks 2014), not of qbXML; the qbXML
    versions it accepts are ``versions`` (SupportedQBXMLVersion).
    """

    product: str = ""
    major: int = 0
    minor: int = 0
    versions: tuple[str, ...] = ()
    company_name: str = ""
    file_mode: str = ""


@dataclass(frozen=True)
class CustomerRet:
    """A customer or job as QuickBooks returns it (``CustomerRet``)."""

    list_id: str
    edit_sequence: str
    name: str
    full_name: str
    parent_list_id: str | None = None
    is_active: bool = True
    sublevel: int = 0
    addr1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    job_status: str = "None"
    start_date: date | None = None
    projected_end_date: date | None = None
    description: str = ""
    parent_full_name: str | None = None
    time_created: datetime | None = None
    time_modified: datetime | None = None


@dataclass(frozen=True)
class QBResult:
    """One response (``…Rs``) of a QBXMLMsgsRs document."""

    request_id: str
    kind: str
    status_code: int
    severity: str
    message: str
    customers: tuple[CustomerRet, ...] = ()
    iterator_id: str | None = None
    iterator_remaining: int | None = None
    skipped: tuple[str, ...] = ()  # one message per record of this response that was unreadable

    @property
    def ok(self) -> bool:
        """True unless QuickBooks reported an error (Info and Warn are ok)."""
        return self.severity.casefold() != "error"


# --------------------------------------------------------------------------- building


def customer_add_rq(request_id: str, job: JobFields, *, version: str = QBXML_VERSION) -> str:
    """One ``CustomerAddRq`` creating ``job`` under its parent customer."""
    return customer_add_rqs([(request_id, job)], version=version)


def customer_add_rqs(
    items: list[tuple[str, JobFields]],
    *,
    on_error: str = "continueOnError",
    version: str = QBXML_VERSION,
) -> str:
    """One document with a ``CustomerAddRq`` per ``(request_id, job)``.

    ``version`` goes into ``<?qbxml version?>``; it must lie between
    MIN_QBXML_VERSION and QBXML_VERSION (ValueError otherwise).
    """
    requests = []
    for request_id, job in items:
        _check_job(job)
        rq = _request_element("CustomerAdd", request_id)
        add = etree.SubElement(rq, "CustomerAdd")
        _text(add, "Name", job.name, keep_empty=True)
        _text(etree.SubElement(add, "ParentRef"), "ListID", job.parent_list_id, keep_empty=True)
        _append_job(add, job, keep_empty=False)
        requests.append(rq)
    return _request_document(requests, on_error, version)


def customer_mod_rq(
    request_id: str,
    list_id: str,
    edit_sequence: str,
    job: JobFields,
    *,
    reparent: bool = False,
    version: str = QBXML_VERSION,
) -> str:
    """A ``CustomerModRq`` updating the job ``list_id`` to ``job``.

    Every job field is sent; an empty value clears the field in QuickBooks.
    ``ParentRef`` is sent only with ``reparent=True`` (moves the job to
    ``job.parent_list_id``).
    """
    rq = _mod_element(request_id, list_id, edit_sequence, job, reparent=reparent)
    return _request_document([rq], "continueOnError", version)


def customer_mod_rqs(
    items: list[tuple[str, str | None, str | None, JobFields]], *, version: str = QBXML_VERSION
) -> str:
    """One document with a ``CustomerModRq`` per (requestID, ListID, EditSequence, job)."""
    if not items:
        raise ValueError("a batch needs at least one request")
    return _request_document([_mod_element(*item) for item in items], "continueOnError", version)


def _mod_element(
    request_id: str,
    list_id: str | None,
    edit_sequence: str | None,
    job: JobFields,
    *,
    reparent: bool = False,
) -> etree._Element:
    _check_job(job)
    if not list_id or not edit_sequence:
        raise ValueError("CustomerMod needs a ListID and an EditSequence")
    rq = _request_element("CustomerMod", request_id)
    mod = etree.SubElement(rq, "CustomerMod")
    _text(mod, "ListID", list_id, keep_empty=True)
    _text(mod, "EditSequence", edit_sequence, keep_empty=True)
    _text(mod, "Name", job.name, keep_empty=True)
    if reparent:
        _text(etree.SubElement(mod, "ParentRef"), "ListID", job.parent_list_id, keep_empty=True)
    _append_job(mod, job, keep_empty=True)
    return rq


def customer_query_rq(
    request_id: str,
    *,
    full_names: list[str] | None = None,
    list_ids: list[str] | None = None,
    max_returned: int | None = None,
    iterator: str | None = None,
    iterator_id: str | None = None,
    active_status: str | None = None,
    version: str = QBXML_VERSION,
) -> str:
    """A ``CustomerQueryRq`` by ListIDs, by FullNames, or by filters (with optional iterator)."""
    if full_names == [] or list_ids == []:
        raise ValueError("an empty list of list_ids or full_names would query every customer")
    by_filter = max_returned is not None or active_status is not None
    if sum(map(bool, (full_names, list_ids, by_filter))) > 1:
        raise ValueError("query by list_ids, by full_names or by filters, not a mix")
    if max_returned is not None and max_returned < 1:
        raise ValueError("max_returned must be at least 1")
    if active_status is not None and active_status not in ACTIVE_STATUSES:
        raise ValueError(f"active_status must be one of {ACTIVE_STATUSES}")
    if iterator is not None and iterator not in ITERATORS:
        raise ValueError(f"iterator must be one of {ITERATORS}")
    if iterator in ("Continue", "Stop") and not iterator_id:
        raise ValueError(f'iterator="{iterator}" needs an iterator_id')
    attrs = {"iterator": iterator} if iterator else {}
    if iterator_id:
        attrs["iteratorID"] = iterator_id
    rq = _request_element("CustomerQuery", request_id, **attrs)
    for list_id in list_ids or ():
        _text(rq, "ListID", list_id, keep_empty=True)
    for full_name in full_names or ():
        _text(rq, "FullName", full_name, keep_empty=True)
    if max_returned is not None:
        _text(rq, "MaxReturned", str(max_returned))
    if active_status is not None:
        _text(rq, "ActiveStatus", active_status)
    return _request_document([rq], "continueOnError", version)


def customer_lookup_rqs(
    items: list[tuple[str, str | None]], *, by: str, version: str = QBXML_VERSION
) -> str:
    """One ``CustomerQueryRq`` per (requestID, key), each by one ``FullName`` or ``ListID``
    (``by``): QuickBooks fails a whole query when one of its keys is missing, so each key
    gets its own answer."""
    if by not in ("FullName", "ListID"):
        raise ValueError("look up by FullName or ListID")
    if not items:
        raise ValueError("a batch needs at least one request")
    requests = []
    for request_id, key in items:
        rq = _request_element("CustomerQuery", request_id)
        _text(rq, by, key, keep_empty=True)
        requests.append(rq)
    return _request_document(requests, "continueOnError", version)


def customer_ret_element(ret: CustomerRet) -> etree._Element:
    """A ``CustomerRet`` element in schema order (empty fields omitted, as QuickBooks does)."""
    el = etree.Element("CustomerRet")
    _text(el, "ListID", ret.list_id, keep_empty=True)
    _text(el, "TimeCreated", _datetime_text(ret.time_created))
    _text(el, "TimeModified", _datetime_text(ret.time_modified))
    _text(el, "EditSequence", ret.edit_sequence, keep_empty=True)
    _text(el, "Name", ret.name, keep_empty=True)
    _text(el, "FullName", ret.full_name, keep_empty=True)
    _text(el, "IsActive", "true" if ret.is_active else "false")
    if ret.parent_list_id:
        parent = etree.SubElement(el, "ParentRef")
        _text(parent, "ListID", ret.parent_list_id)
        _text(parent, "FullName", ret.parent_full_name or "")
    _text(el, "Sublevel", str(ret.sublevel))
    _append_job(el, ret, keep_empty=False)
    return el


def response_document(responses: Iterable[etree._Element]) -> str:
    """A ``QBXMLMsgsRs`` document holding ``responses``, as QuickBooks writes it."""
    return _document('<?xml version="1.0" ?>', etree.Element("QBXMLMsgsRs"), responses)


def _request_document(
    requests: Iterable[etree._Element], on_error: str, version: str = QBXML_VERSION
) -> str:
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}")
    key, lowest, highest = (version_key(v) for v in (version, MIN_QBXML_VERSION, QBXML_VERSION))
    assert lowest is not None and highest is not None  # our own constants are well formed
    if key is None or not lowest <= key <= highest:
        raise ValueError(
            f"qbXML version must be {MIN_QBXML_VERSION} to {QBXML_VERSION}, not {version!r}"
        )
    header = f'<?xml version="1.0" encoding="utf-8"?><?qbxml version="{version}"?>'
    return _document(header, etree.Element("QBXMLMsgsRq", onError=on_error), requests)


def _document(header: str, msgs: etree._Element, children: Iterable[etree._Element]) -> str:
    root = etree.Element("QBXML")
    root.append(msgs)
    msgs.extend(children)
    return header + etree.tostring(root, encoding="unicode")


def _request_element(kind: str, request_id: str, **attrs: str) -> etree._Element:
    if not request_id or len(request_id) > REQUEST_ID_MAX:
        raise ValueError(f"requestID must be 1-{REQUEST_ID_MAX} characters: {request_id!r}")
    return etree.Element(f"{kind}Rq", requestID=request_id, **attrs)


def _check_job(job: JobFields) -> None:
    if not job.name:
        raise ValueError("a job needs a name")
    if not job.parent_list_id:
        raise ValueError(f'job "{job.name}" needs the ListID of its parent customer')
    if job.job_status not in JOB_STATUSES:
        raise ValueError(f"job_status must be one of {JOB_STATUSES}, not {job.job_status!r}")


def _append_job(
    parent: etree._Element, fields: JobFields | CustomerRet, *, keep_empty: bool
) -> None:
    """BillAddress, JobStatus, JobStartDate, JobProjectedEndDate, JobDesc in schema order."""
    address = [(TEXT_RULES[key].element, getattr(fields, key)) for key in _ADDRESS_FIELDS]
    if keep_empty or any(value for _, value in address):
        bill = etree.SubElement(parent, "BillAddress")
        for tag, value in address:
            _text(bill, tag, value, keep_empty=keep_empty)
    _text(parent, "JobStatus", fields.job_status)
    _text(parent, "JobStartDate", _date_text(fields.start_date), keep_empty=keep_empty)
    _text(
        parent, "JobProjectedEndDate", _date_text(fields.projected_end_date), keep_empty=keep_empty
    )
    _text(parent, "JobDesc", fields.description, keep_empty=keep_empty)


def _text(parent: etree._Element, tag: str, value: str | None, *, keep_empty: bool = False) -> None:
    if value or keep_empty:
        etree.SubElement(parent, tag).text = value


def _date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def _datetime_text(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- parsing


def hardened_parser(*, recover: bool = False) -> etree.XMLParser:
    """An lxml parser for untrusted text: no DTD, no entities, no network, no huge trees;
    with `recover`, it keeps what it can of a document that is not well-formed."""
    return etree.XMLParser(
        recover=recover,
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
    )


def parse_xml(xml: str | bytes) -> etree._Element:
    """Parse an untrusted qbXML document: no DTD, no entities, no network.

    Accepts str (any XML declaration is dropped) or bytes (the declared
    encoding, e.g. windows-1252, is honoured). Raises QBXMLError.
    """
    if isinstance(xml, str):
        xml = _XML_DECLARATION.sub("", xml, count=1)
        has_doctype = "<!DOCTYPE" in xml
    else:
        has_doctype = b"<!DOCTYPE" in xml
    if not xml.strip():
        raise QBXMLError("the qbXML document is empty")
    if has_doctype:
        raise QBXMLError("the qbXML document has a DOCTYPE, which is refused")
    parser = hardened_parser()
    try:
        root = etree.fromstring(xml, parser)
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        raise QBXMLError(f"the qbXML document is malformed or truncated: {exc}") from exc
    if root is None:
        raise QBXMLError("the qbXML document has no root element")
    if root.getroottree().docinfo.doctype:
        raise QBXMLError("the qbXML document has a DOCTYPE, which is refused")
    return root


def read_customer_fields(el: etree._Element) -> dict[str, object]:
    """The customer fields present in a CustomerAdd/CustomerMod/CustomerRet element.

    Keys are JobFields attribute names plus ``is_active``; an absent element is
    absent from the result, an empty one maps to "" (or None for dates).
    """
    fields: dict[str, object] = {}
    if (name := el.findtext("Name")) is not None:
        fields["name"] = name
    if (active := el.findtext("IsActive")) is not None:
        fields["is_active"] = _parse_bool(active, "IsActive")
    bill = el.find("BillAddress")
    if bill is not None:
        for key in _ADDRESS_FIELDS:
            if (value := bill.findtext(TEXT_RULES[key].element)) is not None:
                fields[key] = value
    if (status := el.findtext("JobStatus")) is not None:
        if status not in JOB_STATUSES:
            raise QBXMLError(f'JobStatus "{status}" is not one of {", ".join(JOB_STATUSES)}')
        fields["job_status"] = status
    for key, tag in (("start_date", "JobStartDate"), ("projected_end_date", "JobProjectedEndDate")):
        if (value := el.findtext(tag)) is not None:
            fields[key] = _parse_date(value, tag)
    if (description := el.findtext("JobDesc")) is not None:
        fields["description"] = description
    return fields


def parse_response(xml: str | bytes) -> list[QBResult]:
    """Parse a QBXMLMsgsRs document into one QBResult per response, in order.

    Tolerant per record: a CustomerRet that cannot be read (bad date, boolean or
    number, no ListID or FullName, …) is left out and reported in its result's
    ``skipped``; unknown elements are ignored. A document that is not
    well-formed (a control character or a bare ``&`` in one record, a cut-off
    end) is repaired: records that are whole are kept, the others reported.
    Raises QBXMLError when nothing usable is there.
    """
    try:
        root = parse_xml(xml)
    except QBXMLError as exc:
        if "DOCTYPE" in str(exc) or "empty" in str(exc):
            raise
        return _parse_repaired(xml, exc)
    return [_parse_result(rs) for rs in _responses(root)]


def _responses(root: etree._Element) -> list[etree._Element]:
    if root.tag != "QBXML":
        raise QBXMLError(f"expected a <QBXML> document, got <{root.tag}>")
    msgs = root.find("QBXMLMsgsRs")
    if msgs is None:
        raise QBXMLError("the qbXML document has no QBXMLMsgsRs element")
    return [rs for rs in msgs if isinstance(rs.tag, str)]


def _parse_result(rs: etree._Element, records: _Records | None = None) -> QBResult:
    code_text, severity = rs.get("statusCode"), rs.get("statusSeverity")
    message = rs.get("statusMessage", "")
    missing = [
        name for name, v in (("statusCode", code_text), ("statusSeverity", severity)) if v is None
    ]
    problem = f"{rs.tag} has no {' or '.join(missing)} attribute" if missing else None
    code = UNREADABLE_STATUS
    if code_text is not None and not missing:
        try:
            code = int(code_text)
        except ValueError:
            problem = f'{rs.tag} has a non-numeric statusCode "{code_text}"'
    remaining_text = rs.get("iteratorRemainingCount")
    remaining = None
    if remaining_text is not None:
        try:
            remaining = int(remaining_text)
        except ValueError:
            problem = (
                problem or f'{rs.tag} has a non-numeric iteratorRemainingCount "{remaining_text}"'
            )
    if problem:
        code, severity = UNREADABLE_STATUS, "Error"
        message = f"{problem}: {message}" if message else problem
    customers: list[CustomerRet] = []
    skipped: list[str] = []
    tags = {"CustomerRet"} | (records.tags if records else set())
    number = 0
    for child in rs:
        if not isinstance(child.tag, str) or child.tag not in tags:
            continue  # other elements are not ours to read
        number += 1
        el: etree._Element | None = child
        if records is not None and child.tag in records.tags:
            el, reason = records.take(child)
            if el is None:
                skipped.append(
                    _skipped(number, reason["list_id"], reason["full_name"], str(reason["why"]))
                )
                continue
        assert el is not None
        try:
            customers.append(_parse_customer_ret(el))
        except QBXMLError as exc:
            skipped.append(
                _skipped(number, el.findtext("ListID"), el.findtext("FullName"), str(exc))
            )
    return QBResult(
        request_id=rs.get("requestID", ""),
        kind=rs.tag.removesuffix("Rs"),
        status_code=code,
        severity=severity or "Error",
        message=message,
        customers=tuple(customers),
        iterator_id=rs.get("iteratorID"),
        iterator_remaining=remaining,
        skipped=tuple(skipped),
    )


def _skipped(number: int, list_id: str | None, full_name: str | None, why: str) -> str:
    names = [
        f'{tag} "{value}"' for tag, value in (("ListID", list_id), ("FullName", full_name)) if value
    ]
    who = f" ({', '.join(names)})" if names else ""
    return f"CustomerRet #{number}{who} was skipped: {why}"


def _parse_customer_ret(el: etree._Element) -> CustomerRet:
    list_id, full_name = el.findtext("ListID"), el.findtext("FullName")
    if not list_id or not full_name:
        missing = " and ".join(
            t for t, v in (("ListID", list_id), ("FullName", full_name)) if not v
        )
        raise QBXMLError(f"it has no {missing}")
    fields = read_customer_fields(el)
    parent = el.find("ParentRef")
    return CustomerRet(
        list_id=list_id,
        edit_sequence=el.findtext("EditSequence", ""),
        name=str(fields.pop("name", full_name.rpartition(":")[2])),
        full_name=full_name,
        parent_list_id=None if parent is None else parent.findtext("ListID"),
        parent_full_name=None if parent is None else parent.findtext("FullName"),
        sublevel=_parse_int(el.findtext("Sublevel", "0"), "Sublevel"),
        time_created=_parse_datetime(el.findtext("TimeCreated"), "TimeCreated"),
        time_modified=_parse_datetime(el.findtext("TimeModified"), "TimeModified"),
        **fields,  # type: ignore[arg-type]  # a dict of the optional fields, by name: mypy cannot match keys to parameters
    )


# --------------------------------------------------------------------------- repairing

# A whole record: it closes before another record or the end of its response begins.
_RECORD = re.compile(
    r"<CustomerRet\b[^>]*>(?:(?!<CustomerRet\b|</\w+Rs\s*>).)*?</CustomerRet\s*>", re.DOTALL
)
_RECORD_START = re.compile(r"<CustomerRet\b")
_RECORD_STOP = re.compile(r"</\w+Rs\s*>|<\w+Rs\b")
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_TAG_TEXT = {tag: re.compile(rf"<{tag}>([^<]*)</{tag}>") for tag in ("ListID", "FullName")}


class _Records:
    """CustomerRet records cut out of a damaged document, replaced there by markers."""

    def __init__(self) -> None:
        token = secrets.token_hex(4)
        self.good, self.bad = f"_qbr{token}g", f"_qbr{token}b"
        self.tags = {self.good, self.bad}
        self.elements: list[etree._Element] = []
        self.reasons: list[dict[str, str | None]] = []

    def take(self, marker: etree._Element) -> tuple[etree._Element | None, dict[str, str | None]]:
        index = int(marker.get("n", "-1"))
        if marker.tag == self.good and 0 <= index < len(self.elements):
            return self.elements[index], {}
        if marker.tag == self.bad and 0 <= index < len(self.reasons):
            return None, self.reasons[index]
        return None, {"list_id": None, "full_name": None, "why": "it was unreadable"}

    def isolate(self, text: str) -> str:
        """Replace each CustomerRet by a marker: whole ones parsed aside, others reported."""
        out, pos = [], 0
        for match in _RECORD.finditer(text):
            out.append(self._cut_incomplete(text[pos : match.start()]))
            out.append(self._record(match.group(0)))
            pos = match.end()
        out.append(self._cut_incomplete(text[pos:]))
        return "".join(out)

    def _record(self, chunk: str) -> str:
        try:
            el = parse_xml(chunk)
        except QBXMLError as exc:
            why = re.sub(r",? \(<string>, line \d+\)|, line \d+, column \d+", "", str(exc))
            why = why.split(": ", 1)[-1]
            return self._bad(chunk, f"it is not well-formed XML ({why}); the response was repaired")
        self.elements.append(el)
        return f'<{self.good} n="{len(self.elements) - 1}"/>'

    def _cut_incomplete(self, text: str) -> str:
        """A CustomerRet that never closes ends at the next response boundary."""
        out, pos = [], 0
        while (start := _RECORD_START.search(text, pos)) is not None:
            stop = _RECORD_STOP.search(text, start.end())
            end = stop.start() if stop else len(text)
            out.append(text[pos : start.start()])
            out.append(
                self._bad(text[start.start() : end], "it was cut off; the response was repaired")
            )
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def _bad(self, chunk: str, why: str) -> str:
        found = {tag: pattern.search(chunk) for tag, pattern in _TAG_TEXT.items()}
        self.reasons.append(
            {
                "list_id": _unescape(found["ListID"].group(1)) if found["ListID"] else None,
                "full_name": _unescape(found["FullName"].group(1)) if found["FullName"] else None,
                "why": why,
            }
        )
        return f'<{self.bad} n="{len(self.reasons) - 1}"/>'


def _unescape(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "?", text)
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _parse_repaired(xml: str | bytes, error: QBXMLError) -> list[QBResult]:
    """Re-read a document that is not well-formed: keep the records that are whole."""
    if isinstance(xml, bytes):
        declared = _ENCODING.match(xml)
        try:
            text = xml.decode(declared.group(1).decode() if declared else "utf-8", "replace")
        except LookupError:
            raise error from None
    else:
        text = xml
    text = _XML_DECLARATION.sub("", text, count=1)
    if "<!DOCTYPE" in text:
        raise error
    records = _Records()
    repaired = records.isolate(text)
    parser = hardened_parser(recover=True)
    try:
        root = etree.fromstring(repaired.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or root.getroottree().docinfo.doctype:
        raise error
    try:
        responses = _responses(root)
    except QBXMLError:
        raise error from None
    # A response whose status cannot be read is not worth keeping from a damaged document.
    usable = [rs for rs in responses if rs.get("statusCode") and rs.get("statusSeverity")]
    if not usable:
        raise error
    return [_parse_result(rs, records) for rs in usable]


def _parse_bool(value: str, tag: str) -> bool:
    if value.strip() in ("true", "1", ""):
        return True
    if value.strip() in ("false", "0"):
        return False
    raise QBXMLError(f'{tag} "{value}" is not a boolean')


def _parse_int(value: str, tag: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise QBXMLError(f'{tag} "{value}" is not an integer') from None


def _parse_date(value: str, tag: str) -> date | None:
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise QBXMLError(f'{tag} "{value}" is not a date (YYYY-MM-DD)') from None


def _parse_datetime(value: str | None, tag: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise QBXMLError(f'{tag} "{value}" is not a date-time') from None


# --------------------------------------------------------------------------- versions


def version_key(version: str) -> tuple[int, int] | None:
    """``"13.0"`` → ``(13, 0)``; None for anything that is not ``<major>.<minor>``."""
    match = (
        re.fullmatch(r"\s*(\d{1,4})\.(\d{1,4})\s*", version) if isinstance(version, str) else None
    )
    return (int(match.group(1)), int(match.group(2))) if match else None


def negotiate_version(listed: tuple[str, ...], major: int, minor: int) -> str | None:
    """The qbXML version to send, or None when QuickBooks supports none we can use.

    ``listed`` are HostInfo.versions (SupportedQBXMLVersion): when there are
    any, the answer is the highest of them between MIN_QBXML_VERSION and
    QBXML_VERSION, never a version QuickBooks did not list. Without a list
    (strHCPResponse empty or unreadable), sendRequestXML's qbXMLMajorVers and
    qbXMLMinorVers say the highest qbXML QuickBooks accepts.
    """
    low, high = version_key(MIN_QBXML_VERSION), version_key(QBXML_VERSION)
    assert low is not None and high is not None
    if listed:
        keys = [key for v in listed if (key := version_key(v)) is not None and low <= key <= high]
        return "{}.{}".format(*max(keys)) if keys else None
    try:
        offered = (int(major), int(minor))
    except (TypeError, ValueError):
        return None
    if offered < low:
        return None
    return "{}.{}".format(*min(offered, high))


def parse_host_response(text: str) -> HostInfo:
    """What strHCPResponse (HostQueryRs, CompanyQueryRs) says; HostInfo() if unreadable.

    Never raises: the text comes from the Web Connector and may be empty.
    """
    try:
        if not isinstance(text, (str, bytes)) or not text.strip():
            return HostInfo()
        try:
            root = parse_xml(text)
        except QBXMLError as exc:
            if "DOCTYPE" in str(exc):
                return HostInfo()
            parser = hardened_parser(recover=True)
            body = _XML_DECLARATION.sub("", text, count=1) if isinstance(text, str) else text
            root = etree.fromstring(body.encode() if isinstance(body, str) else body, parser)
            if root is None or root.getroottree().docinfo.doctype:
                return HostInfo()
        host = root.find("QBXMLMsgsRs/HostQueryRs/HostRet")
        company = root.find("QBXMLMsgsRs/CompanyQueryRs/CompanyRet")

        def text_of(el: etree._Element | None, tag: str) -> str:
            return "" if el is None else (el.findtext(tag) or "").strip()

        def number(tag: str) -> int:
            value = text_of(host, tag)
            return int(value) if value.isdigit() else 0

        versions = (
            ()
            if host is None
            else tuple(
                v.strip()
                for v in (el.text or "" for el in host.iterchildren("SupportedQBXMLVersion"))
                if v.strip()
            )
        )
        return HostInfo(
            product=text_of(host, "ProductName"),
            major=number("MajorVersion"),
            minor=number("MinorVersion"),
            versions=versions,
            company_name=text_of(company, "CompanyName"),
            file_mode=text_of(host, "QBFileMode"),
        )
    except Exception:  # the contract is "never raises"
        return HostInfo()
