"""Whole Jobs lists row by row, as plain values: for CSV downloads and the read API.

The rows, their order and the search are the Jobs tab's own (`job_lists.view_rows`); the
values are the stored ones (dates and times as `date`/`datetime`, codes as numbers), each
consumer writing them its own way.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, label, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from erp_dashboard.db import read_only
from erp_dashboard.models import Customer, Project, QbJob, User
from erp_dashboard.names import ErpState, JobList
from erp_dashboard.services import job_lists
from erp_dashboard.services.errors import InvalidInput, PermissionDenied
from erp_dashboard.services.job_lists import PageQuery
from erp_dashboard.services.permissions import Actor, Role

JOBS_READERS = frozenset(Role)  # every role sees the Jobs tab
FIELDS = (
    "id",  # the project's id (Ready To Import / Archived: the QuickBooks job's)
    "name",
    "number",
    "street",
    "city",
    "state",
    "postal_code",
    "creator",
    "sent_at",
    "start_date",
    "end_date",
    "status",
    "status_label",
    "customer",
    "quickbooks_job",
    "synced_at",
    "error_code",
    "error_message",
    "changed_at",
)
MAX_PAGE = 1000  # rows per API page at most
Row = dict[str, Any]
Key = tuple[str, int]  # where a page ends in the list's name order: (name, id)


def iso(value: date | datetime) -> str:
    """ISO 8601: a date as 2026-11-26, a time as 2026-11-26T14:05:09Z (UTC, to the second)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def require_reader(actor: Actor, doing: str) -> None:
    """Refuse unless `actor`'s role sees the Jobs tab."""
    if actor.role not in JOBS_READERS:
        raise PermissionDenied(f"{actor.role.label}s cannot {doing}.")


def _project_rows(session: Session, where, order, limit: int | None) -> Iterator[tuple[Any, Row]]:
    creator = aliased(User)
    stmt = (
        select(
            col(Project.id),
            col(Project.name),
            col(Project.number),
            col(Project.street),
            col(Project.city),
            col(Project.state),
            col(Project.postal_code),
            label("creator", col(creator.name)),
            col(Project.erp_sent_at),
            col(Project.start_date),
            col(Project.projected_end_date),
            col(Project.erp_state),
            col(Customer.full_name),
            col(Project.qb_full_name),
            col(Project.synced_at),
            col(Project.qb_error_code),
            col(Project.qb_error_message),
            col(Project.erp_changed_at),
        )
        .join(creator, col(creator.id) == Project.creator_id)
        .outerjoin(Customer, col(Customer.id) == Project.customer_id)
        .where(*where)
        .order_by(*order)
        .limit(limit)
        .execution_options(yield_per=500)
    )
    for r in session.execute(stmt):
        values = (*r[:11], r.erp_state, ErpState(r.erp_state).label, *r[12:])
        yield r.name, dict(zip(FIELDS, values, strict=True))


def _qb_job_rows(session: Session, where, order, limit: int | None) -> Iterator[tuple[Any, Row]]:
    stmt = (
        select(
            col(QbJob.id),
            col(QbJob.full_name),
            col(QbJob.city),
            col(QbJob.erp_list),
            col(QbJob.customer_full_name),
            col(QbJob.erp_changed_at),
        )
        .where(*where)
        .order_by(*order)
        .limit(limit)
        .execution_options(yield_per=500)
    )
    for job in session.execute(stmt):
        blank = dict.fromkeys(FIELDS)
        yield (
            job.full_name,
            blank
            | {
                "id": job.id,
                "name": job.full_name.rsplit(":", 1)[-1],
                "city": job.city,
                "creator": "QuickBooks",
                "status": job.erp_list,
                "status_label": JobList(job.erp_list).label,
                "customer": job.customer_full_name,
                "quickbooks_job": job.full_name,
                "changed_at": job.erp_changed_at,
            },
        )


def _rows(
    session: Session, query: PageQuery, *, after: Key | None = None, limit: int | None = None
) -> Iterator[tuple[Any, Row]]:
    """(sort value, row) for each row of the view, in its order, streamed from the database."""
    model, where, order = job_lists.view_rows(session, query)
    if after is not None:
        sort_col = order[0]
        where = [*where, or_(sort_col > after[0], and_(sort_col == after[0], model.id > after[1]))]
    read = _qb_job_rows if model is QbJob else _project_rows
    return read(session, where, order, limit)


def stream(actor: Actor, query: PageQuery) -> Generator[Row, None, None]:
    """Every row of a Jobs view, in its order, read in chunks from one snapshot.

    Permission and the query are checked at once (ServiceError); the rows come as the
    returned iterator is read, and its database transaction ends when it is exhausted
    or closed.
    """
    require_reader(actor, "download the Jobs lists")
    query = job_lists.check(query)

    def rows() -> Generator[Row, None, None]:
        with read_only() as session:
            for _, row in _rows(session, query):
                yield row

    return rows()


@dataclass(frozen=True)
class RowsPage:
    """Rows of a list in name order, and the key to continue after them (None: the end)."""

    rows: list[Row]
    next_key: Key | None


def page(actor: Actor, job_list: str, search: str, after: Key | None, size: int) -> RowsPage:
    """Up to `size` rows of a list (searched), in name order, after the key `after`."""
    require_reader(actor, "read the Jobs lists")
    query = job_lists.check(PageQuery(job_list=job_list, search=search))
    if not (isinstance(size, int) and 1 <= size <= MAX_PAGE):
        raise InvalidInput(f"A page holds 1 to {MAX_PAGE} rows.")
    if after is not None and not (
        isinstance(after, tuple)
        and len(after) == 2
        and isinstance(after[0], str)
        and type(after[1]) is int
    ):
        raise InvalidInput("A page starts after a (name, id) key.")
    with read_only() as session:
        found = list(_rows(session, query, after=after, limit=size + 1))
    more = len(found) > size
    rows = found[:size]
    return RowsPage([row for _, row in rows], (rows[-1][0], rows[-1][1]["id"]) if more else None)
