"""The simulated QuickBooks company file: its customer list and the rules QuickBooks enforces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, col, select

from erp_dashboard.qbxml import (
    ACTIVE_STATUSES,
    BAD_REFERENCE,
    CANNOT_STORE,
    DUPLICATE_NAME,
    IN_USE,
    INTERNAL_ERROR,
    INTERNALS_LOCKED,
    INVALID_ID,
    JOB_STATUSES,
    LIST_MODIFIED,
    LOCK_FAILED,
    NO_MATCH,
    NOT_ALL_FOUND,
    NOT_FOUND,
    STALE_EDIT_SEQUENCE,
    TOO_LONG,
    CustomerRet,
)
from erp_dashboard.quickbooks_fields import FULL_NAME_MAX, LIMITS, TEXT_RULES, as_stored

FIRST_LIST_COUNTER = 0x80000001
# Customer field (as read by qbxml.read_customer_fields) -> SimListItem column.
CUSTOMER_COLUMNS = {
    "name": "name",
    "is_active": "is_active",
    "addr1": "addr1",
    "city": "city",
    "state": "state",
    "postal_code": "postal_code",
    "job_status": "job_status",
    "start_date": "job_start_date",
    "projected_end_date": "job_projected_end_date",
    "description": "job_desc",
}


class SimulatorTable(SQLModel, registry=registry()):
    """Base of the simulator's tables: metadata of their own, never the product's
    `SQLModel.metadata`; migration 0016 creates them."""


class SimListItem(SimulatorTable, table=True):
    """A customer or job in the simulated company file (top-level customers have no parent)."""

    __tablename__ = "qbsim_list_item"

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(max_length=36, unique=True)
    edit_sequence: str = Field(max_length=16)
    name: str = Field(max_length=LIMITS["name"])
    full_name: str = Field(max_length=FULL_NAME_MAX, unique=True, index=True)
    parent_list_id: str | None = Field(default=None, max_length=36, index=True)
    sublevel: int = 0
    is_active: bool = True
    addr1: str = Field(default="", max_length=LIMITS["addr1"])
    city: str = Field(default="", max_length=LIMITS["city"])
    state: str = Field(default="", max_length=LIMITS["state"])
    postal_code: str = Field(default="", max_length=LIMITS["postal_code"])
    job_status: str = Field(default="None", max_length=16)
    job_start_date: date | None = None
    job_projected_end_date: date | None = None
    job_desc: str = Field(default="", max_length=LIMITS["description"])
    time_created: datetime
    time_modified: datetime


class SimulatorStatusError(Exception):
    """QuickBooks refused a request with a qbXML status code."""

    def __init__(self, code: int, message: str, severity: str = "Error") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.severity = severity


@dataclass(frozen=True)
class Ref:
    """A ``ParentRef``: QuickBooks uses the ListID when both are given."""

    list_id: str | None = None
    full_name: str | None = None


def find_by_list_id(session: Session, list_id: str) -> SimListItem | None:
    """The list item with this ListID."""
    return session.exec(select(SimListItem).where(SimListItem.list_id == list_id)).first()


def find_by_full_name(session: Session, full_name: str) -> SimListItem | None:
    """The list item with this FullName, compared case-insensitively like QuickBooks."""
    item = None
    for part in full_name.split(":"):
        item = _child_named(session, item.list_id if item else None, part)
        if item is None:
            return None
    return item


def list_customers(session: Session, active_status: str = "ActiveOnly") -> list[SimListItem]:
    """All customers and jobs matching ``active_status``, in QuickBooks list order."""
    if active_status not in ACTIVE_STATUSES:
        raise ValueError(f"active_status must be one of {ACTIVE_STATUSES}")
    query = select(SimListItem)
    if active_status != "All":
        query = query.where(SimListItem.is_active == (active_status == "ActiveOnly"))
    return sorted(session.exec(query), key=_list_order)


def create_customer(
    session: Session, fields: Mapping[str, object], parent: Ref | None
) -> SimListItem:
    """Add a customer, or a job under ``parent``, like CustomerAdd; raises SimulatorStatusError."""
    values = _clean(fields)
    name = str(values.pop("name", ""))
    parent_item = _resolve_parent(session, parent)
    _check_name_free(session, name, parent_item, None)
    full_name = _full_name(parent_item, name)
    now = _utcnow()
    item = SimListItem(
        list_id=_next_list_id(session, now),
        edit_sequence=_next_edit_sequence(None, now),
        name=name,
        full_name=full_name,
        parent_list_id=parent_item.list_id if parent_item else None,
        sublevel=parent_item.sublevel + 1 if parent_item else 0,
        time_created=now,
        time_modified=now,
    )
    _assign(item, values)
    session.add(item)
    session.flush()
    return item


def modify_customer(
    session: Session,
    list_id: str,
    edit_sequence: str,
    fields: Mapping[str, object],
    parent: Ref | None,
) -> SimListItem:
    """Change a customer or job the way CustomerMod does; raises SimulatorStatusError.

    A rename or move rewrites the FullName (and Sublevel) of every descendant.
    """
    item = find_by_list_id(session, list_id)
    if item is None:
        raise SimulatorStatusError(
            NOT_FOUND, f'Object "{list_id}" specified in the request cannot be found.'
        )
    if edit_sequence != item.edit_sequence:
        raise SimulatorStatusError(
            STALE_EDIT_SEQUENCE, f'The provided edit sequence "{edit_sequence}" is out-of-date.'
        )
    values = _clean(fields)
    name = str(values.pop("name", item.name))
    if parent is None:
        parent_item = find_by_list_id(session, item.parent_list_id) if item.parent_list_id else None
    else:
        parent_item = _resolve_parent(session, parent)
    new_parent_list_id = parent_item.list_id if parent_item else None
    if name != item.name or new_parent_list_id != item.parent_list_id:
        descendants = _descendants(session, item)
        if parent_item is not None and parent_item.id in {item.id, *(d.id for d in descendants)}:
            raise _invalid_reference(parent_item.list_id)
        _check_name_free(session, name, parent_item, item)
        _place(item, name, parent_item, descendants)
    _assign(item, values)
    now = _utcnow()
    item.edit_sequence = _next_edit_sequence(item.edit_sequence, now)
    item.time_modified = now
    session.add(item)
    session.flush()
    return item


def to_customer_ret(item: SimListItem) -> CustomerRet:
    """The CustomerRet QuickBooks would return for this list item."""
    return CustomerRet(
        list_id=item.list_id,
        edit_sequence=item.edit_sequence,
        name=item.name,
        full_name=item.full_name,
        parent_list_id=item.parent_list_id,
        parent_full_name=item.full_name.rpartition(":")[0] if item.parent_list_id else None,
        is_active=item.is_active,
        sublevel=item.sublevel,
        addr1=item.addr1,
        city=item.city,
        state=item.state,
        postal_code=item.postal_code,
        job_status=item.job_status,
        start_date=item.job_start_date,
        projected_end_date=item.job_projected_end_date,
        description=item.job_desc,
        time_created=item.time_created,
        time_modified=item.time_modified,
    )


def _clean(fields: Mapping[str, object]) -> dict[str, object]:
    """Latin-1 text (other characters become "?", as in QuickBooks) within the field limits."""
    values: dict[str, object] = {}
    for key, value in fields.items():
        if key not in CUSTOMER_COLUMNS:
            raise ValueError(f"unknown customer field {key!r}")
        if key == "job_status" and value not in JOB_STATUSES:
            raise ValueError(f"job_status must be one of {JOB_STATUSES}, not {value!r}")
        if isinstance(value, str):
            value = as_stored(value)
            if (rule := TEXT_RULES.get(key)) and len(value) > rule.limit:
                raise _too_long(value, rule.element)
        values[key] = value
    return values


def _assign(item: SimListItem, values: Mapping[str, object]) -> None:
    for key, value in values.items():
        setattr(item, CUSTOMER_COLUMNS[key], value)


def _resolve_parent(session: Session, parent: Ref | None) -> SimListItem | None:
    if parent is None:
        return None
    if parent.list_id:
        found = find_by_list_id(session, parent.list_id)
    else:
        found = find_by_full_name(session, parent.full_name) if parent.full_name else None
    if found is None:
        raise _invalid_reference(parent.list_id or parent.full_name or "")
    return found


def _check_name_free(
    session: Session, name: str, parent: SimListItem | None, item: SimListItem | None
) -> None:
    if not name.strip() or ":" in name:
        raise SimulatorStatusError(
            CANNOT_STORE,
            f'There was an error when storing "{name}" in the "Name" field. '
            'A name cannot be empty or contain ":".',
        )
    other = _child_named(session, parent.list_id if parent else None, name)
    if other is not None and other is not item:
        raise SimulatorStatusError(
            DUPLICATE_NAME, f'The name "{name}" of the list element is already in use.'
        )


def _child_named(session: Session, parent_list_id: str | None, name: str) -> SimListItem | None:
    query = select(SimListItem).where(
        col(SimListItem.parent_list_id).is_(None)
        if parent_list_id is None
        else SimListItem.parent_list_id == parent_list_id
    )
    wanted = name.casefold()
    return next((item for item in session.exec(query) if item.name.casefold() == wanted), None)


def _descendants(session: Session, item: SimListItem) -> list[SimListItem]:
    """Every job below ``item``, parents before their children."""
    found: list[SimListItem] = []
    level = [item.list_id]
    while level:
        children = list(
            session.exec(select(SimListItem).where(col(SimListItem.parent_list_id).in_(level)))
        )
        found.extend(children)
        level = [child.list_id for child in children]
    return found


def _place(
    item: SimListItem, name: str, parent: SimListItem | None, descendants: list[SimListItem]
) -> None:
    """Rename/move ``item`` and rewrite its descendants' FullName and Sublevel; all or nothing."""
    placed = {item.list_id: (_full_name(parent, name), parent.sublevel + 1 if parent else 0)}
    for child in descendants:
        parent_full_name, parent_sublevel = placed[child.parent_list_id or ""]
        full_name = f"{parent_full_name}:{child.name}"
        if len(full_name) > FULL_NAME_MAX:
            raise _too_long(full_name, "FullName")
        placed[child.list_id] = (full_name, parent_sublevel + 1)
    item.name = name
    item.parent_list_id = parent.list_id if parent else None
    for node in (item, *descendants):
        node.full_name, node.sublevel = placed[node.list_id]


def _full_name(parent: SimListItem | None, name: str) -> str:
    full_name = f"{parent.full_name}:{name}" if parent else name
    if len(full_name) > FULL_NAME_MAX:
        raise _too_long(full_name, "FullName")
    return full_name


def _list_order(item: SimListItem) -> tuple[str, ...]:
    return tuple(part.casefold() for part in item.full_name.split(":"))


def _next_list_id(session: Session, now: datetime) -> str:
    """``<hex counter>-<unix time>``, like ``80000001-1700000000``."""
    highest = session.exec(select(func.max(SimListItem.list_id))).one()
    counter = int(highest.split("-")[0], 16) + 1 if highest else FIRST_LIST_COUNTER
    return f"{counter:08X}-{int(now.timestamp())}"


def _next_edit_sequence(previous: str | None, now: datetime) -> str:
    """The unix time, bumped past ``previous`` so every modification gets a new one."""
    stamp = int(now.timestamp())
    if previous and previous.isdigit():
        stamp = max(stamp, int(previous) + 1)
    return str(stamp)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _too_long(value: str, element: str) -> SimulatorStatusError:
    return SimulatorStatusError(
        TOO_LONG, f'The string "{value}" in the field "{element}" is too long.'
    )


def _invalid_reference(reference: str) -> SimulatorStatusError:
    return SimulatorStatusError(
        BAD_REFERENCE,
        f'There is an invalid reference to QuickBooks Customer "{reference}" in the Customer.',
    )


# --------------------------------------------------------------------------- unhappy answers

# What QuickBooks answers when a list or record is locked by another user or process.
# Observed messages (see the simulator's Faults): 3170 and 3180 quoted from a QuickBooks
# integration's status-code enum, 3175 from traffic recorded by two integrations.
_BUSY_MESSAGES = {
    INTERNALS_LOCKED: (
        'There was an error when modifying a Customers list, element "{subject}".  '
        "QuickBooks error message: The internals could not be locked.  "
        "They are in use by another user."
    ),
    IN_USE: (
        "There was an error adding, modifying or deleting {subject} because it is already "
        "in use.  QuickBooks error message: The list element is in use."
    ),
    LOCK_FAILED: (
        'There was an error when modifying a Customers list, element "{subject}".  '
        "QuickBooks error message: Failed to acquire the lock."
    ),
    LIST_MODIFIED: (
        "There was an error when saving a Customers list.  "
        "QuickBooks error message: This list has been modified by another user."
    ),
}
_LOOKUP_MESSAGES = {
    NO_MATCH: "A query request did not find a matching object in QuickBooks",
    NOT_ALL_FOUND: (
        "The query request has not been fully completed. There was a required element "
        '("{key}") that could not be found in QuickBooks.'
    ),
    INVALID_ID: 'The given object ID "{key}" in the field "ListID" is invalid.',
    NOT_FOUND: (
        'Object "{key}" specified in the request cannot be found.  QuickBooks error message: '
        "Invalid argument.  The specified record does not exist in the list."
    ),
    BAD_REFERENCE: 'There is an invalid reference to QuickBooks Customer "{key}" in the Customer.',
    INTERNAL_ERROR: "There has been an internal error when processing the request.",
}


def severity_of(code: int) -> str:
    """QuickBooks' statusSeverity for a statusCode: 0-499 Info, 500-999 Warn, else Error."""
    return "Info" if code < 500 else "Warn" if code < 1000 else "Error"


def busy_error(code: int, subject: str) -> SimulatorStatusError:
    """The answer to a CustomerAdd/CustomerMod while the list or record is locked."""
    if code not in _BUSY_MESSAGES:
        raise ValueError(f"busy code must be one of {sorted(_BUSY_MESSAGES)}, not {code}")
    return SimulatorStatusError(code, _BUSY_MESSAGES[code].format(subject=subject))


def lookup_error(code: int, key: str) -> SimulatorStatusError:
    """A CustomerQuery by ListID or FullName answered with ``code`` for ``key``."""
    template = _LOOKUP_MESSAGES.get(code, 'QuickBooks answered status {code} for "{key}".')
    return SimulatorStatusError(code, template.format(key=key, code=code), severity_of(code))
