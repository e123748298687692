"""A QuickBooks Desktop stand-in answering qbXML requests from the simulated company file."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree
from sqlmodel import Session, col, select

from erp_dashboard.qbxml import (
    ACTIVE_STATUSES,
    ITERATORS,
    ON_ERROR,
    REQUEST_ID_MAX,
    QBXMLError,
    customer_ret_element,
    parse_xml,
    read_customer_fields,
    response_document,
)
from erp_dashboard.simulator.company import (
    Ref,
    SimListItem,
    SimulatorStatusError,
    create_customer,
    find_by_full_name,
    find_by_list_id,
    list_customers,
    modify_customer,
    to_customer_ret,
)

MAX_OPEN_ITERATORS = 64
_STATUS_OK = "Status OK"
_QUERY_ELEMENTS = {
    "ListID",
    "FullName",
    "MaxReturned",
    "ActiveStatus",
    "IncludeRetElement",
    "OwnerID",
}


class SimulatorParseError(ValueError):
    """The request is not a valid qbXML document (QBWC reports HRESULT 0x80040400)."""


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

    def __init__(self) -> None:
        self._iterators: dict[str, _Iterator] = {}
        self._lock = threading.Lock()

    def handle(self, session: Session, request_xml: str) -> str:
        """Process a whole QBXMLMsgsRq document and return the QBXMLMsgsRs document.

        Raises SimulatorParseError, before processing anything, when the
        document is not valid qbXML.
        """
        on_error, requests = _read_document(request_xml)
        responses = []
        for rq in requests:
            rs = self._process(session, rq)
            responses.append(rs)
            if on_error != "continueOnError" and rs.get("statusSeverity") == "Error":
                break
        return response_document(responses)

    def _process(self, session: Session, rq: _Request) -> etree._Element:
        if rq.request_id is not None and len(rq.request_id) > REQUEST_ID_MAX:
            return _response(
                rq,
                1060,
                "Error",
                f'The request ID "{rq.request_id}" is invalid, possibly too long, '
                f"max {REQUEST_ID_MAX} chars.",
            )
        payload = rq.payload
        try:
            if isinstance(payload, _Query):
                return self._query(session, rq, payload)
            if isinstance(payload, _Change):
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
                return _response(rq, 0, "Info", _STATUS_OK, [item])
        except SimulatorStatusError as exc:
            return _response(rq, exc.code, exc.severity, exc.message)
        return _response(
            rq,
            1030,
            "Error",
            f"This request is not supported by this implementation ({payload.reason}).",
        )

    def _query(self, session: Session, rq: _Request, query: _Query) -> etree._Element:
        if query.iterator in ("Continue", "Stop"):
            return self._continue(session, rq, query)
        code, severity, message = 0, "Info", _STATUS_OK
        if query.list_ids or query.full_names:
            wanted = [(list_id, find_by_list_id(session, list_id)) for list_id in query.list_ids]
            wanted += [
                (full_name, find_by_full_name(session, full_name)) for full_name in query.full_names
            ]
            items = [item for _, item in wanted if item is not None]
            missing = [key for key, item in wanted if item is None]
            if items and missing:
                code, severity = 500, "Warn"
                message = (
                    "The query request has not been fully completed. There was a required element "
                    f'("{missing[0]}") that could not be found in QuickBooks.'
                )
        else:
            items = list_customers(session, query.active_status)
        if not items:
            return _response(
                rq, 1, "Info", "A query request did not find a matching object in QuickBooks"
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

    def _continue(self, session: Session, rq: _Request, query: _Query) -> etree._Element:
        iterator_id = query.iterator_id or ""
        with self._lock:
            iterator = self._iterators.get(iterator_id)
            if iterator is None:
                raise SimulatorStatusError(
                    3000,
                    f'The given object ID "{iterator_id}" in the field "iteratorID" is invalid.',
                )
            if query.iterator == "Stop":
                del self._iterators[iterator_id]
                return _response(rq, 0, "Info", _STATUS_OK)
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
            0,
            "Info",
            _STATUS_OK,
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


def _read_document(request_xml: str) -> tuple[str, list[_Request]]:
    try:
        root = parse_xml(request_xml)
    except QBXMLError as exc:
        raise SimulatorParseError(str(exc)) from exc
    if root.tag != "QBXML":
        raise SimulatorParseError(f"expected a <QBXML> document, got <{root.tag}>")
    if not any(
        isinstance(node, etree._ProcessingInstruction)
        and node.target == "qbxml"
        and node.get("version")
        for node in root.itersiblings(preceding=True)
    ):
        raise SimulatorParseError('the request has no <?qbxml version="…"?> processing instruction')
    msgs = root.find("QBXMLMsgsRq")
    if msgs is None:
        raise SimulatorParseError("the request has no QBXMLMsgsRq element")
    on_error = msgs.get("onError", "")
    if on_error not in ON_ERROR:
        raise SimulatorParseError(
            f'QBXMLMsgsRq onError="{on_error}" is not one of {", ".join(ON_ERROR)}'
        )
    return on_error, [_read_request(el) for el in msgs if isinstance(el.tag, str)]


def _read_request(el: etree._Element) -> _Request:
    if not el.tag.endswith("Rq"):
        raise SimulatorParseError(f"<{el.tag}> is not a request")
    kind = el.tag.removesuffix("Rq")
    reader = _READERS.get(kind)
    try:
        payload = reader(el) if reader else _Unsupported(f"{kind} is not simulated")
    except ValueError as exc:
        raise SimulatorParseError(f"<{el.tag}>: {exc}") from exc
    return _Request(kind, el.get("requestID"), payload)


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
