"""Read side of the Jobs tab: one page of one list, the counts, the customers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, Integer, func, literal_column, or_
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col, select

from erp_dashboard.db import must_get, read_only
from erp_dashboard.models import (
    Customer,
    ListCount,
    Project,
    QbJob,
    User,
    WorkItem,
    row_id,
    utcnow,
)
from erp_dashboard.names import ErpState, JobList, WorkStatus
from erp_dashboard.services.errors import InvalidInput
from erp_dashboard.services.outcomes import advice, error_text, waiting_reason
from erp_dashboard.services.permissions import Actor

PAGE_SIZES = (10, 25, 50, 100)
SEARCH_LIMIT = 100
PROJECT_SORTS: dict[str, Mapped[Any]] = {
    "name": col(Project.name),
    "number": col(Project.number),
    "city": col(Project.city),
    "sent": col(Project.erp_sent_at),
    "start": col(Project.start_date),
    "changed": col(Project.erp_changed_at),
}
QB_JOB_SORTS: dict[str, Mapped[Any]] = {
    "name": col(QbJob.full_name),
    "changed": col(QbJob.erp_changed_at),
}
QB_JOB_LISTS = {JobList.READY_TO_IMPORT, JobList.ARCHIVED}
SEARCHED_COLUMNS = (col(Project.name), col(Project.number), col(Project.city))
# The exact expression of PostgreSQL's trigram index (migration 0002).
SEARCHED_TEXT: ColumnClause[str] = literal_column(
    "(project.name || ' ' || project.number || ' ' || project.city)"
)
TRIGRAM = 3  # SQLite's trigram index needs at least three characters
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # never in a search (NUL breaks FTS5 and PostgreSQL)
MATCH_COUNT_LIMIT = 1000  # search matches are counted up to here ("1000+")


@dataclass(frozen=True)
class PageQuery:
    """What the user asked to see."""

    job_list: str = JobList.READY_TO_EXPORT
    sort: str = "name"
    descending: bool = False
    search: str = ""
    page: int = 1
    page_size: int = 25
    code: int | None = None  # only projects QuickBooks last refused with this status code


@dataclass(frozen=True)
class JobRow:
    """One row as the Jobs tab shows it (every value already text)."""

    id: int
    version: int
    name: str
    number: str
    address: str
    creator: str
    sent_at: str
    start_date: str
    end_date: str
    state: str
    state_label: str
    customer: str
    customer_list_id: str
    qb_full_name: str
    synced_at: str
    error: str
    changed_at: str = ""  # when it last changed list or state (e.g. when it failed)
    changes: str = ""
    advice: str = ""  # what to do about QuickBooks' refusal
    waiting: str = ""  # why an Exporting / Updating row waits
    waiting_since: str = ""  # and since when (ISO 8601)


@dataclass(frozen=True)
class Page:
    """One page of rows and where it sits in the list."""

    rows: list[JobRow]
    total: int
    page: int
    pages: int

    @property
    def total_text(self) -> str:
        """The row count as shown: search matches beyond the counting limit are "1000+"."""
        return f"{MATCH_COUNT_LIMIT}+" if self.total > MATCH_COUNT_LIMIT else str(self.total)


def _text(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def check(query: PageQuery) -> PageQuery:
    """Refuse a query the lists cannot answer (InvalidInput); returns it unchanged."""
    if query.job_list not in set(JobList):
        raise InvalidInput(f"There is no list called {query.job_list!r}.")
    sorts = QB_JOB_SORTS if query.job_list in QB_JOB_LISTS else PROJECT_SORTS
    if query.sort not in sorts:
        raise InvalidInput(f"This list cannot be sorted by {query.sort!r}.")
    if query.page_size not in PAGE_SIZES:
        raise InvalidInput(f"Page size must be one of {', '.join(map(str, PAGE_SIZES))}.")
    if len(query.search) > SEARCH_LIMIT:
        raise InvalidInput(f"Search for at most {SEARCH_LIMIT} characters.")
    if CONTROL.search(query.search):
        raise InvalidInput("Search text cannot contain control characters.")
    if query.code is not None and query.job_list in QB_JOB_LISTS:
        raise InvalidInput(f"{JobList(query.job_list).label} has no QuickBooks status codes.")
    return query


def query_from_url(params: dict[str, str]) -> PageQuery:
    """The view a Jobs-tab address asks for (`filter`, `search`, `sort`, `desc`, `page`,
    `size`, `code`); InvalidInput names the first value it cannot use."""
    defaults = PageQuery()
    job_list = params.get("filter", defaults.job_list)
    sort = params.get("sort", "name")
    descending = params.get("desc", "0")
    if descending not in ("0", "1"):
        raise InvalidInput("The address's sort direction must be desc=0 or desc=1.")
    numbers = {}
    for key, default in (("page", defaults.page), ("size", defaults.page_size)):
        value = params.get(key, str(default))
        if not (value.isascii() and value.isdigit() and 0 < len(value) <= 6 and int(value)):
            raise InvalidInput(f"The address's {key} must be a whole number from 1.")
        numbers[key] = int(value)
    code = params.get("code")
    if code is not None and not re.fullmatch(r"-?[0-9]{1,6}", code):
        raise InvalidInput("The address's code must be a QuickBooks status code, like 3100.")
    return check(
        PageQuery(
            job_list=job_list,
            sort=sort,
            descending=descending == "1",
            search=params.get("search", ""),
            page=numbers["page"],
            page_size=numbers["size"],
            code=None if code is None else int(code),
        )
    )


def url_params(query: PageQuery) -> dict[str, str]:
    """The address parameters of a view: the list, and whatever differs from the default."""
    params = {"filter": str(query.job_list)}
    if query.search:
        params["search"] = query.search
    if query.sort != "name" or query.descending:
        params["sort"] = query.sort
        params["desc"] = "1" if query.descending else "0"
    if query.page != 1:
        params["page"] = str(query.page)
    if query.page_size != PageQuery.page_size:
        params["size"] = str(query.page_size)
    if query.code is not None:
        params["code"] = str(query.code)
    return params


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _project_match(session: Session, text: str):
    """Projects whose name, number or city contains `text`, through the search index."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and len(text) >= TRIGRAM:
        phrase = '"' + text.replace('"', '""') + '"'
        hits = sql_text("SELECT rowid FROM project_search WHERE project_search MATCH :q")
        return col(Project.id).in_(hits.bindparams(q=phrase).columns(rowid=Integer))
    if dialect == "postgresql":
        return SEARCHED_TEXT.ilike(like_pattern(text), escape="\\")
    return or_(*(c.ilike(like_pattern(text), escape="\\") for c in SEARCHED_COLUMNS))


def view_rows(session: Session, query: PageQuery):
    """A view in SQL: its table, the conditions its rows meet (list, search, QuickBooks
    code), and their order (the sort column, then the id). The Jobs tab, downloads and
    the API share it."""
    text = query.search.strip()
    model: type[Project] | type[QbJob]
    where: list[ColumnElement[bool]]
    if query.job_list in QB_JOB_LISTS:
        model, where = QbJob, [col(QbJob.erp_list) == query.job_list]
        if text:
            where.append(col(QbJob.full_name).ilike(like_pattern(text), escape="\\"))
        sort_col = QB_JOB_SORTS[query.sort]
    else:
        model, where = Project, [col(Project.erp_list) == query.job_list]
        if text:
            where.append(_project_match(session, text))
        if query.code is not None:
            where.append(col(Project.qb_error_code) == query.code)
        sort_col = PROJECT_SORTS[query.sort]
    model_id = col(model.id)
    order = (sort_col.desc(), model_id.desc()) if query.descending else (sort_col, model_id)
    return model, where, order


def _page_ids(session: Session, where, order, total: int, query: PageQuery, id_col):
    """The ids on the asked-for page, read from the sort index alone (then joined)."""
    pages = max(1, -(-total // query.page_size))
    page = min(max(1, query.page), pages)
    ids = (
        select(id_col)
        .where(*where)
        .order_by(*order)
        .offset((page - 1) * query.page_size)
        .limit(query.page_size)
    )
    return ids.scalar_subquery(), page, pages


def _list_total(session: Session, job_list: str) -> int:
    return must_get(session, ListCount, job_list).n


def _total(session: Session, model, where, job_list: str, narrowed: bool) -> int:
    """Rows in the list, or (searched or narrowed to a code) matches counted up to
    MATCH_COUNT_LIMIT + 1."""
    if not narrowed:
        return _list_total(session, job_list)
    matches = select(model.id).where(*where).limit(MATCH_COUNT_LIMIT + 1).subquery()
    return session.exec(select(func.count()).select_from(matches)).one()


def _changes_text(recorded: str) -> str:
    """What a re-send changed, as "field: old → new" lines."""
    return "\n".join(
        f"{c['field'].replace('_', ' ')}: {c['old'] or '(empty)'} → {c['new'] or '(empty)'}"
        for c in json.loads(recorded or "[]")
    )


IN_FLIGHT = (ErpState.EXPORTING.value, ErpState.UPDATING.value)


def _open_items(session: Session, project_ids: list[int]) -> dict[int, WorkItem]:
    """The unanswered work item of each project in flight (one query for the page)."""
    if not project_ids:
        return {}
    items = session.exec(
        select(WorkItem)
        .where(
            col(WorkItem.project_id).in_(project_ids),
            col(WorkItem.status).in_((WorkStatus.QUEUED, WorkStatus.SENT)),
        )
        .order_by(col(WorkItem.id))
    ).all()
    return {item.project_id: item for item in items}


def _waiting(p: Project, in_flight: dict[int, WorkItem], now: datetime) -> dict[str, str]:
    if p.erp_state not in IN_FLIGHT:
        return {}
    reason, since = waiting_reason(in_flight.get(row_id(p)), now)
    return {"waiting": reason, "waiting_since": since}


def _project_page(session: Session, query: PageQuery) -> Page:
    creator = aliased(User)
    _, where, order = view_rows(session, query)
    narrowed = bool(query.search.strip()) or query.code is not None
    total = _total(session, Project, where, query.job_list, narrowed)
    ids, page, pages = _page_ids(session, where, order, total, query, Project.id)
    rows = session.exec(
        select(Project, creator.name, Customer.full_name, Customer.list_id)
        .join(creator, col(creator.id) == Project.creator_id)
        .outerjoin(Customer, col(Customer.id) == Project.customer_id)
        .where(col(Project.id).in_(ids))
        .order_by(*order)
    ).all()
    in_flight = _open_items(session, [row_id(p) for p, *_ in rows if p.erp_state in IN_FLIGHT])
    now = utcnow()
    return Page(
        rows=[
            JobRow(
                id=row_id(p),
                version=p.erp_version,
                name=p.name,
                number=p.number,
                address=", ".join(
                    x for x in (p.street, p.city, f"{p.state} {p.postal_code}".strip()) if x
                ),
                creator=creator_name,
                sent_at=_text(p.erp_sent_at),
                start_date=_text(p.start_date),
                end_date=_text(p.projected_end_date),
                state=p.erp_state,
                state_label=ErpState(p.erp_state).label,
                customer=customer_name or "",
                customer_list_id=customer_list_id or "",
                qb_full_name=p.qb_full_name or "",
                synced_at=_text(p.synced_at),
                error=error_text(p),
                changed_at=_text(p.erp_changed_at),
                changes=_changes_text(p.erp_changes),
                advice=advice(p),
                **_waiting(p, in_flight, now),
            )
            for p, creator_name, customer_name, customer_list_id in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )


def _qb_job_page(session: Session, query: PageQuery) -> Page:
    _, where, order = view_rows(session, query)
    total = _total(session, QbJob, where, query.job_list, bool(query.search.strip()))
    ids, page, pages = _page_ids(session, where, order, total, query, QbJob.id)
    rows = session.exec(select(QbJob).where(col(QbJob.id).in_(ids)).order_by(*order)).all()
    label = JobList(query.job_list).label
    return Page(
        rows=[
            JobRow(
                id=row_id(j),
                version=j.erp_version,
                name=j.full_name.rsplit(":", 1)[-1],
                number="",
                address=j.city,
                creator="QuickBooks",
                sent_at="",
                start_date="",
                end_date="",
                state=j.erp_list,
                state_label=label,
                customer=j.customer_full_name,
                customer_list_id="",
                qb_full_name=j.full_name,
                synced_at="",
                error="",
            )
            for j in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )


def list_page(actor: Actor, query: PageQuery) -> Page:
    """One page of one Jobs-tab list, sorted, searched and paged in SQL."""
    query = check(query)
    with read_only() as session:
        if query.job_list in QB_JOB_LISTS:
            return _qb_job_page(session, query)
        return _project_page(session, query)


def counts(actor: Actor) -> dict[str, int]:
    """Rows in each list."""
    with read_only() as session:
        return {row.erp_list: row.n for row in session.exec(select(ListCount)).all()}


@dataclass(frozen=True)
class FinishedExport:
    """An export or update QuickBooks has answered: synced, or refused with its message,
    what to do next and the list where the project now is."""

    project_id: int
    name: str
    synced: bool
    detail: str
    advice: str = ""
    job_list: str = ""


def finished_exports(actor: Actor, project_ids: list[int]) -> list[FinishedExport]:
    """Of the given projects, those no longer waiting for QuickBooks."""
    if not project_ids:
        return []
    with read_only() as session:
        rows = session.exec(
            select(Project).where(
                col(Project.id).in_(project_ids[: PAGE_SIZES[-1]]),
                col(Project.erp_state).not_in([ErpState.EXPORTING.value, ErpState.UPDATING.value]),
            )
        ).all()
        return [
            FinishedExport(
                row_id(p),
                p.name,
                p.erp_state == ErpState.SYNCED,
                (p.qb_full_name or "") if p.erp_state == ErpState.SYNCED else error_text(p),
                advice(p),
                p.erp_list,
            )
            for p in rows
        ]


@dataclass(frozen=True)
class CustomerMatches:
    """The first customers that match a search, and whether more do."""

    options: list[tuple[str, str]]  # (ListID, FullName)
    more: bool


def search_customers(actor: Actor, text: str, limit: int = 20) -> CustomerMatches:
    """Active customers whose name contains `text`, in name order."""
    text = "".join(
        ch for ch in text.strip()[:SEARCH_LIMIT] if ch >= " " and not "\x7f" <= ch <= "\x9f"
    )
    with read_only() as session:
        stmt = select(Customer.list_id, Customer.full_name).where(Customer.is_active)
        if text:
            stmt = stmt.where(col(Customer.full_name).ilike(like_pattern(text), escape="\\"))
        found = [
            (list_id, name)
            for list_id, name in session.exec(stmt.order_by(Customer.full_name).limit(limit + 1))
        ]
    return CustomerMatches(found[:limit], len(found) > limit)
