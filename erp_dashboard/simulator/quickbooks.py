"""A QuickBooks Desktop stand-in answering qbXML requests from the simulated company file."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree
from sqlmodel import Session, col, select

from erp_dashboard.qbxml import (
    ACTIVE_STATUSES,
    BAD_REQUEST_ID,
    INTERNALS_LOCKED,
    INVALID_ID,
    ITERATORS,
    LIST_MODIFIED,
    LOCK_FAILED,
    NO_MATCH,
    NOT_ALL_FOUND,
    ON_ERROR,
    PARSE_ERROR_HRESULT,
    REQUEST_ID_MAX,
    STATUS_OK,
    UNSUPPORTED_REQUEST,
    UNSUPPORTED_VERSION_HRESULT,
    QBXMLError,
    customer_ret_element,
    parse_xml,
    read_customer_fields,
    response_document,
    version_key,
)
from erp_dashboard.simulator.company import (
    Ref,
    SimListItem,
    SimulatorStatusError,
    busy_error,
    create_customer,
    find_by_full_name,
    find_by_list_id,
    list_customers,
    lookup_error,
    modify_customer,
    to_customer_ret,
)

MAX_OPEN_ITERATORS = 64
_OK_MESSAGE = "Status OK"
_QUERY_ELEMENTS = {
    "ListID",
    "FullName",
    "MaxReturned",
    "ActiveStatus",
    "IncludeRetElement",
    "OwnerID",
}


# The qbXML versions QuickBooks 2014 and later list in HostRet (recorded strHCPResponse).
SUPPORTED_QBXML_VERSIONS = (
    "1.0",
    "1.1",
    "2.0",
    "2.1",
    "3.0",
    "4.0",
    "4.1",
    "5.0",
    "6.0",
    "7.0",
    "8.0",
    "9.0",
    "10.0",
    "11.0",
    "12.0",
    "13.0",
)
# The qbXML version that brought each request feature the simulator checks
# (Intuit's qbxmlops130-reference.xml; iterators: qbXML 5.0).
_ITERATOR_VERSION = (5, 0)
_MOD_JOB_VERSION = (3, 0)  # CustomerMod ParentRef, JobStatus, JobStartDate, JobDesc, …
_MOD_JOB_ELEMENTS = (
    "ParentRef",
    "JobStatus",
    "JobStartDate",
    "JobProjectedEndDate",
    "JobEndDate",
    "JobDesc",
    "JobTypeRef",
)
BAD_RECORD_KINDS = (
    "bad_date",  # JobStartDate 2024-02-30
    "bad_bool",  # IsActive "maybe"
    "control_char",  # a raw U+0001 in Name: the document is not well-formed
    "ampersand",  # a bare "&" in Name: the document is not well-formed
    "missing_list_id",
    "missing_full_name",
    "unexpected_element",  # an element the parser does not know (harmless)
)


class SimulatorParseError(ValueError):
    """The request is not a valid qbXML document (QBWC reports HRESULT 0x80040400)."""

    hresult = PARSE_ERROR_HRESULT
    hresult_message = "QuickBooks found an error when parsing the provided XML text stream."


class SimulatorVersionError(SimulatorParseError):
    """The request's ``<?qbxml version?>`` is one this QuickBooks does not support."""

    hresult = UNSUPPORTED_VERSION_HRESULT
    hresult_message = "The version of qbXML that was requested is not supported or is unknown."


@dataclass
class Faults:
    """QuickBooks' unhappy answers, on demand. The defaults answer like a healthy QuickBooks.

    - ``busy_for``: job Name (any case) -> how many CustomerAdd/CustomerMod of that
      job are answered ``busy_code`` (3170, 3175 or 3180; Error) before one succeeds.
    - ``lookup_errors``: ListID or FullName (any case) -> the statusCode a
      CustomerQuery naming it answers (500 Warn, 3120 Error, 3140 Error, 1 Info, …),
      with no records, as QuickBooks fails the whole query.
    - ``strict_lookups``: a CustomerQuery by ListID/FullName naming anything
      missing answers 500 Warn with no records (what QuickBooks was measured to
      do); off by default, which answers 500 with the records found.
    - ``bad_records``: FullName (any case) -> one of BAD_RECORD_KINDS: how that
      record is spoiled in every CustomerQuery response.
    - ``supported_versions``: the qbXML versions this QuickBooks accepts; any
      other ``<?qbxml version?>`` fails with HRESULT 0x80040423.
    """

    busy_for: dict[str, int] = field(default_factory=dict)
    busy_code: int = LIST_MODIFIED
    lookup_errors: dict[str, int] = field(default_factory=dict)
    strict_lookups: bool = False
    bad_records: dict[str, str] = field(default_factory=dict)
    supported_versions: tuple[str, ...] = SUPPORTED_QBXML_VERSIONS


@dataclass(frozen=True)
class _Change:
    """A CustomerAdd or CustomerMod."""

    fields: dict[str, object]
    parent: Ref | None
    list_id: str = ""
    edit_sequence: str = ""


@dataclass(frozen=True)
class _Query:
    list_ids: tuple[str, ...]
    full_names: tuple[str, ...]
    max_returned: int | None
    active_status: str
    iterator: str | None
    iterator_id: str | None


@dataclass(frozen=True)
class _Unsupported:
    reason: str


@dataclass(frozen=True)
class _Request:
    kind: str
    request_id: str | None
    payload: _Change | _Query | _Unsupported
    element: etree._Element | None = None


@dataclass
class _Iterator:
    item_ids: list[int]
    page_size: int | None


class QuickBooksSimulator:
    """Answers qbXML the way QuickBooks Desktop does, behind the Web Connector.

    The company file is the ``qbsim_list_item`` table and the caller owns the
    transaction (the simulator flushes, never commits). Query iterators live in
    memory on the instance. ``rollbackOnError`` behaves as ``stopOnError``, as
    QuickBooks cannot roll back list changes.
    """

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        self._iterators: dict[str, _Iterator] = {}
        self._busy_given: dict[str, int] = {}
        self._lock = threading.Lock()

    def handle(self, session: Session, request_xml: str) -> str:
        """Process a whole QBXMLMsgsRq document and return the QBXMLMsgsRs document.

        Raises SimulatorParseError, before processing anything, when the
        document is not valid qbXML (SimulatorVersionError when its qbXML
        version is not one ``faults.supported_versions`` lists).
        """
        on_error, requests = _read_document(request_xml, self.faults.supported_versions)
        responses = []
        raw: dict[str, str] = {}
        for rq in requests:
            rs = self._process(session, rq)
            if rq.kind == "CustomerQuery":
                self._spoil(rs, raw)
            responses.append(rs)
            if on_error != "continueOnError" and rs.get("statusSeverity") == "Error":
                break
        document = response_document(responses)
        for token, text in raw.items():
            document = document.replace(token, text)
        return document

    def _busy(self, rq: _Request, change: _Change, session: Session) -> None:
        """Raise the busy answer while ``faults.busy_for`` says this job is locked."""
        name = str(change.fields.get("name", ""))
        item = find_by_list_id(session, change.list_id) if change.list_id else None
        if not name and item is not None:
            name = item.name
        key = name.casefold()
        wanted = {k.casefold(): v for k, v in self.faults.busy_for.items()}.get(key, 0)
        with self._lock:
            given = self._busy_given.get(key, 0)
            if given >= wanted:
                return
            self._busy_given[key] = given + 1
        code = self.faults.busy_code
        # these name the list element, the others its ListID
        by_name = code in (INTERNALS_LOCKED, LOCK_FAILED)
        subject = (item.full_name if item else name) if by_name else change.list_id or name
        raise busy_error(code, subject)

    def _spoil(self, rs: etree._Element, raw: dict[str, str]) -> None:
        """Damage the records ``faults.bad_records`` names, the ways QuickBooks output breaks."""
        spoiled = {k.casefold(): v for k, v in self.faults.bad_records.items()}
        for ret in rs.iterchildren("CustomerRet"):
            kind = spoiled.get((ret.findtext("FullName") or "").casefold())
            if kind is not None:
                _spoil_record(ret, kind, raw)

    def _process(self, session: Session, rq: _Request) -> etree._Element:
        if rq.request_id is not None and len(rq.request_id) > REQUEST_ID_MAX:
            return _response(
                rq,
                BAD_REQUEST_ID,
                "Error",
                f'The request ID "{rq.request_id}" is invalid, possibly too long, '
                f"max {REQUEST_ID_MAX} chars.",
            )
        payload = rq.payload
        try:
            if isinstance(payload, _Query):
                return self._query(session, rq, payload)
            if isinstance(payload, _Change):
                self._busy(rq, payload, session)
                if rq.kind == "CustomerAdd":
                    item = create_customer(session, payload.fields, payload.parent)
                else:
                    item = modify_customer(
                        session,
                        payload.list_id,
                        payload.edit_sequence,
                        payload.fields,
                        payload.parent,
                    )
                return _response(rq, STATUS_OK, "Info", _OK_MESSAGE, [item])
        except SimulatorStatusError as exc:
            return _response(rq, exc.code, exc.severity, exc.message)
        return _response(
            rq,
            UNSUPPORTED_REQUEST,
            "Error",
            f"This request is not supported by this implementation ({payload.reason}).",
        )

    def _query(self, session: Session, rq: _Request, query: _Query) -> etree._Element:
        if query.iterator in ("Continue", "Stop"):
            return self._continue(session, rq, query)
        code, severity, message = STATUS_OK, "Info", _OK_MESSAGE
        if query.list_ids or query.full_names:
            self._lookup_faults(query)
            wanted = [(list_id, find_by_list_id(session, list_id)) for list_id in query.list_ids]
            wanted += [
                (full_name, find_by_full_name(session, full_name)) for full_name in query.full_names
            ]
            items = [item for _, item in wanted if item is not None]
            missing = [key for key, item in wanted if item is None]
            if missing and self.faults.strict_lookups:
                raise lookup_error(NOT_ALL_FOUND, missing[0])
            if items and missing:
                code, severity = NOT_ALL_FOUND, "Warn"
                message = (
                    "The query request has not been fully completed. There was a required element "
                    f'("{missing[0]}") that could not be found in QuickBooks.'
                )
        else:
            items = list_customers(session, query.active_status)
        if not items:
            return _response(
                rq, NO_MATCH, "Info", "A query request did not find a matching object in QuickBooks"
            )
        page = query.max_returned or len(items)
        if query.iterator != "Start":
            return _response(rq, code, severity, message, items[:page])
        iterator_id = f"{{{uuid.uuid4()}}}"
        remaining = [item.id for item in items[page:] if item.id is not None]
        if remaining:
            self._open(iterator_id, _Iterator(remaining, query.max_returned))
        return _response(
            rq,
            code,
            severity,
            message,
            items[:page],
            iteratorRemainingCount=str(len(remaining)),
            iteratorID=iterator_id,
        )

    def _lookup_faults(self, query: _Query) -> None:
        errors = {key.casefold(): code for key, code in self.faults.lookup_errors.items()}
        for key in (*query.list_ids, *query.full_names):
            if key.casefold() in errors:
                raise lookup_error(errors[key.casefold()], key)

    def _continue(self, session: Session, rq: _Request, query: _Query) -> etree._Element:
        iterator_id = query.iterator_id or ""
        with self._lock:
            iterator = self._iterators.get(iterator_id)
            if iterator is None:
                raise SimulatorStatusError(
                    INVALID_ID,
                    f'The given object ID "{iterator_id}" in the field "iteratorID" is invalid.',
                )
            if query.iterator == "Stop":
                del self._iterators[iterator_id]
                return _response(rq, STATUS_OK, "Info", _OK_MESSAGE)
            size = query.max_returned or iterator.page_size or len(iterator.item_ids)
            page_ids, iterator.item_ids = iterator.item_ids[:size], iterator.item_ids[size:]
            remaining = len(iterator.item_ids)
            if not remaining:
                del self._iterators[iterator_id]
        rows = session.exec(select(SimListItem).where(col(SimListItem.id).in_(page_ids)))
        by_id = {row.id: row for row in rows}
        items = [by_id[item_id] for item_id in page_ids if item_id in by_id]
        return _response(
            rq,
            STATUS_OK,
            "Info",
            _OK_MESSAGE,
            items,
            iteratorRemainingCount=str(remaining),
            iteratorID=iterator_id,
        )

    def _open(self, iterator_id: str, iterator: _Iterator) -> None:
        with self._lock:
            if len(self._iterators) >= MAX_OPEN_ITERATORS:
                del self._iterators[next(iter(self._iterators))]
            self._iterators[iterator_id] = iterator


def add_customer(
    session: Session, name: str, *, parent_full_name: str | None = None, **fields: object
) -> SimListItem:
    """Seed a customer, or a job under ``parent_full_name``, with CustomerAdd's rules.

    ``fields`` are JobFields names (addr1, city, …, description) and ``is_active``.
    Raises SimulatorStatusError as CustomerAdd would answer.
    """
    parent = Ref(full_name=parent_full_name) if parent_full_name else None
    return create_customer(session, {"name": name, **fields}, parent)


def _read_document(
    request_xml: str, supported: Sequence[str] = SUPPORTED_QBXML_VERSIONS
) -> tuple[str, list[_Request]]:
    try:
        root = parse_xml(request_xml)
    except QBXMLError as exc:
        raise SimulatorParseError(str(exc)) from exc
    if root.tag != "QBXML":
        raise SimulatorParseError(f"expected a <QBXML> document, got <{root.tag}>")
    versions = [
        node.get("version")
        for node in root.itersiblings(preceding=True)
        if isinstance(node, etree._ProcessingInstruction) and node.target == "qbxml"
    ]
    if not versions or not versions[-1]:
        raise SimulatorParseError('the request has no <?qbxml version="…"?> processing instruction')
    version = version_key(versions[-1] or "")
    if version is None or version not in {version_key(v) for v in supported}:
        raise SimulatorVersionError(f'qbXML version "{versions[-1]}" is not supported')
    msgs = root.find("QBXMLMsgsRq")
    if msgs is None:
        raise SimulatorParseError("the request has no QBXMLMsgsRq element")
    on_error = msgs.get("onError", "")
    if on_error not in ON_ERROR:
        raise SimulatorParseError(
            f'QBXMLMsgsRq onError="{on_error}" is not one of {", ".join(ON_ERROR)}'
        )
    requests = [_read_request(el) for el in msgs if isinstance(el.tag, str)]
    for rq in requests:
        _check_version(rq, version)
    return on_error, requests


def _check_version(rq: _Request, version: tuple[int, int]) -> None:
    """A request using what its declared qbXML version lacks does not parse (0x80040400)."""
    el = rq.element
    if el is None:
        return
    if el.get("iterator") is not None and version < _ITERATOR_VERSION:
        raise SimulatorParseError(f"<{el.tag} iterator> needs qbXML 5.0 or later")
    mod = el.find("CustomerMod") if rq.kind == "CustomerMod" else None
    if mod is not None and version < _MOD_JOB_VERSION:
        for tag in _MOD_JOB_ELEMENTS:
            if mod.find(tag) is not None:
                raise SimulatorParseError(f"<CustomerMod><{tag}> needs qbXML 3.0 or later")


def _read_request(el: etree._Element) -> _Request:
    if not el.tag.endswith("Rq"):
        raise SimulatorParseError(f"<{el.tag}> is not a request")
    kind = el.tag.removesuffix("Rq")
    reader = _READERS.get(kind)
    try:
        payload = reader(el) if reader else _Unsupported(f"{kind} is not simulated")
    except ValueError as exc:
        raise SimulatorParseError(f"<{el.tag}>: {exc}") from exc
    return _Request(kind, el.get("requestID"), payload, el)


def _read_add(el: etree._Element) -> _Change:
    add = _child(el, "CustomerAdd")
    if add.find("Name") is None:
        raise ValueError("CustomerAdd has no Name")
    return _Change(read_customer_fields(add), _read_ref(add.find("ParentRef")))


def _read_mod(el: etree._Element) -> _Change:
    mod = _child(el, "CustomerMod")
    list_id, edit_sequence = mod.findtext("ListID"), mod.findtext("EditSequence")
    if not list_id or edit_sequence is None:
        raise ValueError("CustomerMod needs a ListID and an EditSequence")
    return _Change(
        read_customer_fields(mod), _read_ref(mod.find("ParentRef")), list_id, edit_sequence
    )


def _read_query(el: etree._Element) -> _Query | _Unsupported:
    unsupported = sorted(
        {child.tag for child in el if isinstance(child.tag, str)} - _QUERY_ELEMENTS
    )
    if unsupported:
        return _Unsupported(f"CustomerQuery by {', '.join(unsupported)} is not simulated")
    list_ids = tuple(child.text or "" for child in el.iterchildren("ListID"))
    full_names = tuple(child.text or "" for child in el.iterchildren("FullName"))
    max_text, status = el.findtext("MaxReturned"), el.findtext("ActiveStatus")
    if sum(map(bool, (list_ids, full_names, max_text is not None or status is not None))) > 1:
        raise ValueError("ListID, FullName and filters are alternatives")
    max_returned = None if max_text is None else int(max_text)
    if max_returned is not None and max_returned < 1:
        raise ValueError("MaxReturned must be at least 1")
    if status is not None and status not in ACTIVE_STATUSES:
        raise ValueError(f'ActiveStatus "{status}" is not one of {", ".join(ACTIVE_STATUSES)}')
    iterator, iterator_id = el.get("iterator"), el.get("iteratorID")
    if iterator is not None and iterator not in ITERATORS:
        raise ValueError(f'iterator "{iterator}" is not one of {", ".join(ITERATORS)}')
    if iterator in ("Continue", "Stop") and not iterator_id:
        raise ValueError(f'iterator="{iterator}" needs an iteratorID')
    return _Query(list_ids, full_names, max_returned, status or "ActiveOnly", iterator, iterator_id)


_READERS: dict[str, Callable[[etree._Element], _Change | _Query | _Unsupported]] = {
    "CustomerAdd": _read_add,
    "CustomerMod": _read_mod,
    "CustomerQuery": _read_query,
}


def _child(el: etree._Element, tag: str) -> etree._Element:
    child = el.find(tag)
    if child is None:
        raise ValueError(f"<{el.tag}> has no <{tag}>")
    return child


def _read_ref(ref: etree._Element | None) -> Ref | None:
    return None if ref is None else Ref(ref.findtext("ListID"), ref.findtext("FullName"))


def _response(
    rq: _Request,
    code: int,
    severity: str,
    message: str,
    items: Sequence[SimListItem] = (),
    **attrs: str,
) -> etree._Element:
    rs = etree.Element(f"{rq.kind}Rs")
    if rq.request_id is not None:
        rs.set("requestID", rq.request_id)
    rs.set("statusCode", str(code))
    rs.set("statusSeverity", severity)
    rs.set("statusMessage", message)
    for name, value in attrs.items():
        rs.set(name, value)
    rs.extend(customer_ret_element(to_customer_ret(item)) for item in items)
    return rs


def _spoil_record(ret: etree._Element, kind: str, raw: dict[str, str]) -> None:
    """Break one CustomerRet the way ``kind`` says (see BAD_RECORD_KINDS)."""

    def token(text: str) -> str:
        key = f"QBSIMRAW{uuid.uuid4().hex}"
        raw[key] = text
        return key

    def child(tag: str) -> etree._Element:
        el = ret.find(tag)
        return el if el is not None else etree.SubElement(ret, tag)

    if kind == "bad_date":
        child("JobStartDate").text = "2024-02-30"
    elif kind == "bad_bool":
        child("IsActive").text = "maybe"
    elif kind == "control_char":
        child("Name").text = (ret.findtext("Name") or "") + token("\x01")
    elif kind == "ampersand":
        child("Name").text = (ret.findtext("Name") or "") + token(" & ")
    elif kind in ("missing_list_id", "missing_full_name"):
        ret.remove(child("ListID" if kind == "missing_list_id" else "FullName"))
    elif kind == "unexpected_element":
        etree.SubElement(ret, "QBSimUnexpected").text = "an element this parser does not know"
    else:
        raise ValueError(f"bad record kind must be one of {BAD_RECORD_KINDS}, not {kind!r}")
