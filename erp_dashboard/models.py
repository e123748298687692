"""Database tables (SQLModel). Rules about them live in `erp_dashboard.services`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import Column, Index, Table, Text, UniqueConstraint
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Field, SQLModel

from erp_dashboard.names import ErpState, JobList, QbwcStage, WorkStatus
from erp_dashboard.quickbooks_fields import FULL_NAME_MAX, LIMITS, PROJECT_LIMITS


def utcnow() -> datetime:
    """Timezone-aware UTC now, as every timestamp column stores it."""
    return datetime.now(UTC)


class _HasId(Protocol):
    id: int | None


def row_id(row: _HasId) -> int:
    """The id of a row that is in the database (loaded, or added and flushed). SQLModel
    types `id` as `int | None` because a new object has none until it is flushed."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """A table model's `Table` (`Model.__table__`, which SQLModel's type hints leave out)."""
    table = sa_inspect(model).local_table
    assert isinstance(table, Table)
    return table


class User(SQLModel, table=True):
    """A person who signs in; `role` is one of `services.permissions.Role`."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    is_active: bool = True
    is_company_admin: bool = False  # manages people, whatever the role
    daily_summary: bool = True  # approvers: the "ERP Integrations Daily Summary" email
    created_at: datetime = Field(default_factory=utcnow)


class DailySummaryRun(SQLModel, table=True):
    """A day whose summary emails were written (the key makes it once per day)."""

    __tablename__ = "daily_summary_run"
    day: date = Field(primary_key=True)
    at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A signed-in browser; only the SHA-256 of its token is stored. It ends at
    `expires_at`, or once `last_seen_at` (the user's last action) is older than the idle
    limit (services.auth)."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per account (an email, known or not, or the Web Connector's user name)
    and client address: that address waits longer after each failure (services.throttle)."""

    __tablename__ = "login_throttle"
    scope: str = Field(max_length=8, primary_key=True)  # "user" or "qbwc"
    account: str = Field(max_length=254, primary_key=True)
    address: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, index=True)


class Customer(SQLModel, table=True):
    """A QuickBooks customer a project can be exported under (the dropdown's choices)."""

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(max_length=41, unique=True, index=True)
    full_name: str = Field(max_length=FULL_NAME_MAX, index=True)
    is_active: bool = True
    seen_at: datetime | None = None  # the last customer sync that listed it


class Project(SQLModel, table=True):
    """A construction project and its ERP record (columns prefixed `erp_`/`qb_`).

    `erp_list` is the Jobs-tab list the state shows in (derived from `erp_state`
    by the state machine alone), stored so each list pages and sorts on an index.
    """

    __table_args__ = (
        UniqueConstraint("number", name="uq_project_number"),
        Index("ix_project_list_name", "erp_list", "name", "id"),
        Index("ix_project_list_number", "erp_list", "number", "id"),
        Index("ix_project_list_city", "erp_list", "city", "id"),
        Index("ix_project_list_sent", "erp_list", "erp_sent_at", "id"),
        Index("ix_project_list_start", "erp_list", "start_date", "id"),
        Index("ix_project_list_changed", "erp_list", "erp_changed_at", "id"),
        # One QuickBooks job ↔ one project (NULL: not linked; any number of those).
        Index("uq_project_qb_list_id", "qb_list_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=PROJECT_LIMITS["name"])
    number: str = Field(max_length=30)
    street: str = Field(default="", max_length=PROJECT_LIMITS["street"])
    city: str = Field(default="", max_length=PROJECT_LIMITS["city"])
    state: str = Field(default="", max_length=PROJECT_LIMITS["state"])
    postal_code: str = Field(default="", max_length=PROJECT_LIMITS["postal_code"])
    start_date: date | None = None
    projected_end_date: date | None = None
    description: str = Field(default="", max_length=PROJECT_LIMITS["description"])
    creator_id: int = Field(foreign_key="user.id", index=True)
    is_active: bool = True
    erp_sync: bool = True  # "ERP-sync this project"
    created_at: datetime = Field(default_factory=utcnow)

    erp_state: str = Field(default=ErpState.NOT_SENT, max_length=32)
    erp_list: str = Field(default="", max_length=32)
    erp_version: int = 0
    erp_changed_at: datetime = Field(default_factory=utcnow)
    erp_sent_at: datetime | None = None
    erp_sent_by_id: int | None = Field(default=None, foreign_key="user.id")
    erp_decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    erp_comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    qb_list_id: str | None = Field(default=None, max_length=41)
    qb_full_name: str | None = Field(default=None, max_length=FULL_NAME_MAX)
    qb_edit_sequence: str | None = Field(default=None, max_length=16)
    qb_error_code: int | None = None
    qb_error_message: str | None = Field(default=None, max_length=1000)
    synced_at: datetime | None = None
    qb_exported: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    erp_changes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ProjectApprover(SQLModel, table=True):
    """An Accounting Approver a project names as its own (then only they are notified)."""

    __tablename__ = "project_approver"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)


class QbJob(SQLModel, table=True):
    """A QuickBooks job no project is linked to (Ready To Import / Archived)."""

    __tablename__ = "qb_job"
    __table_args__ = (
        Index("ix_qb_job_list_name", "erp_list", "full_name", "id"),
        Index("ix_qb_job_list_changed", "erp_list", "erp_changed_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(max_length=41, unique=True)
    full_name: str = Field(max_length=FULL_NAME_MAX)
    customer_full_name: str = Field(default="", max_length=FULL_NAME_MAX)
    city: str = Field(default="", max_length=LIMITS["city"])
    erp_list: str = Field(default=JobList.READY_TO_IMPORT, max_length=32)
    erp_version: int = 0
    erp_changed_at: datetime = Field(default_factory=utcnow)


class ListCount(SQLModel, table=True):
    """Rows per Jobs-tab list, kept in step by the state machine in each transaction."""

    __tablename__ = "list_count"
    erp_list: str = Field(max_length=32, primary_key=True)
    n: int = 0


class ErpEvent(SQLModel, table=True):
    """The audit trail: one row per transition (actor None = QuickBooks; a refusal keeps
    QuickBooks' status code in `qb_code` and its message in `comment`)."""

    __tablename__ = "erp_event"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    qb_job_id: int | None = Field(default=None, foreign_key="qb_job.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow)
    action: str = Field(max_length=32)
    from_state: str = Field(max_length=32)
    to_state: str = Field(max_length=32)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    qb_code: int | None = None


class WorkItem(SQLModel, table=True):
    """One qbXML request for QuickBooks, matched to its response by `request_id`."""

    __tablename__ = "qb_work_item"
    __table_args__ = (Index("ix_qb_work_item_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=50, unique=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: str = Field(max_length=16)  # a WorkKind
    status: str = Field(default=WorkStatus.QUEUED, max_length=16)
    status_code: int | None = None
    status_message: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    done_at: datetime | None = None
    ticket_hash: str | None = Field(default=None, max_length=64, index=True)
    verify_first: bool = False  # an earlier attempt's outcome is unknown: query before adding
    attempts: int = 0  # times QuickBooks answered "busy" (a record or list in use)
    not_before: datetime | None = None  # a busy item waits until then (backoff)
    # What the last CustomerAdd/Mod carried (JSON, `export_queue.exported_fields`): what
    # QuickBooks holds once it says yes, whatever the project row says by then.
    sent_fields: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class QbwcSession(SQLModel, table=True):
    """One Web Connector session; only the SHA-256 of its ticket is stored."""

    __tablename__ = "qbwc_session"
    ticket_hash: str = Field(max_length=64, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    expires_at: datetime
    closed_at: datetime | None = None
    stage: str = Field(default=QbwcStage.SYNC, max_length=16)
    iterator_id: str | None = Field(default=None, max_length=64)
    sync_finished_at: datetime | None = None
    last_seen_at: datetime | None = None  # the latest call of this session (sliding expiry)
    qbxml_version: str = Field(default="", max_length=8)  # negotiated from what QuickBooks lists
    company_file: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    exported: int = 0
    failed: int = 0
    retrying: int = 0  # items QuickBooks was too busy for, queued again with backoff
    skipped: int = 0  # customer records that could not be read and were left out
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AppSetting(SQLModel, table=True):
    """Facts the app learns once and keeps: the QuickBooks company file it is bound to,
    the .qwc file's FileID."""

    __tablename__ = "app_setting"
    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class Email(SQLModel, table=True):
    """The transactional outbox: written with the action that causes it."""

    __tablename__ = "email_outbox"
    id: int | None = Field(default=None, primary_key=True)
    to_addrs: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(max_length=255)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ErpDaily(SQLModel, table=True):
    """Transitions per UTC day, action, actor (0 = QuickBooks) and QuickBooks status code
    (0 = none): the overview's rollup, kept by the state machine in each transaction."""

    __tablename__ = "erp_daily"
    day: date = Field(primary_key=True)
    action: str = Field(max_length=32, primary_key=True)
    actor_id: int = Field(default=0, primary_key=True)
    qb_code: int = Field(default=0, primary_key=True)
    n: int = 0
    message: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # QuickBooks' latest message that day, for a refusal


class DecisionWait(SQLModel, table=True):
    """Decisions per week (from Monday, UTC) by how long the project had waited since it
    was sent to ERP (a log-scale bucket, see `services.rollup`): the overview's percentiles."""

    __tablename__ = "decision_wait"
    week: date = Field(primary_key=True)
    bucket: int = Field(primary_key=True)
    n: int = 0


class ApiToken(SQLModel, table=True):
    """A read-only token for the JSON API; only the SHA-256 of its secret is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    hint: str = Field(max_length=16)  # the secret's first characters, to tell tokens apart
    created_by_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by_id: int | None = Field(default=None, foreign_key="user.id")


class PeopleEvent(SQLModel, table=True):
    """One change to a person or a company setting, by whom (None: the command line)."""

    __tablename__ = "people_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=32)
    detail: str = Field(max_length=300)
