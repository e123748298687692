"""Integrity: one QuickBooks job ↔ one project (a unique index on `project.qb_list_id`),
and what each work item last sent to QuickBooks (`qb_work_item.sent_fields`).

A database that already links one ListID to several projects (the bug this fixes: a job
imported from Ready To Import while its own export was still in flight) is repaired, not
refused, so the app still starts: the project QuickBooks itself answered for (a finished
CustomerAdd that carried the job) is kept, else the oldest; every other one is unlinked
and moved to Failed To Export with the reason in its QuickBooks message and an audit
event, where an approver sees it and decides (Retry under another customer, or Reject).
Nothing is deleted.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAILED = "failed_to_export"
PROJECT = sa.table(
    "project",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("number", sa.String),
    sa.column("erp_state", sa.String),
    sa.column("erp_list", sa.String),
    sa.column("erp_version", sa.Integer),
    sa.column("erp_changed_at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("qb_list_id", sa.String),
    sa.column("qb_full_name", sa.String),
    sa.column("qb_edit_sequence", sa.String),
    sa.column("qb_error_code", sa.Integer),
    sa.column("qb_error_message", sa.String),
    sa.column("qb_exported", sa.Text),
    sa.column("erp_changes", sa.Text),
    sa.column("synced_at", sqlmodel.sql.sqltypes.UTCDateTime),
)
EVENT = sa.table(
    "erp_event",
    sa.column("project_id", sa.Integer),
    sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("action", sa.String),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("comment", sa.Text),
)
WORK_ITEM = sa.table(
    "qb_work_item",
    sa.column("project_id", sa.Integer),
    sa.column("status_message", sa.String),
    sa.column("done_at", sqlmodel.sql.sqltypes.UTCDateTime),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
)
LIST_COUNT = sa.table("list_count", sa.column("erp_list", sa.String), sa.column("n", sa.Integer))


def _bump(bind, job_list: str, delta: int) -> None:
    if job_list:
        bind.execute(
            LIST_COUNT.update()
            .where(LIST_COUNT.c.erp_list == job_list)
            .values(n=LIST_COUNT.c.n + delta)
        )


def _unlink_duplicates(bind) -> None:
    """Keep one project per ListID (see the module docstring); fail the others."""
    p = PROJECT.c
    shared = (
        sa.select(p.qb_list_id)
        .where(p.qb_list_id.is_not(None))
        .group_by(p.qb_list_id)
        .having(sa.func.count() > 1)
    )
    rows = bind.execute(
        sa.select(PROJECT).where(p.qb_list_id.in_(shared)).order_by(p.qb_list_id, p.id)
    ).all()
    answered = set(
        bind.execute(
            sa.select(WORK_ITEM.c.project_id).where(
                WORK_ITEM.c.kind == "add", WORK_ITEM.c.status == "done"
            )
        ).scalars()
    )
    by_job: dict[str, list] = {}
    for row in rows:
        by_job.setdefault(row.qb_list_id, []).append(row)
    now = datetime.now(UTC)
    for linked in by_job.values():
        kept, *others = sorted(linked, key=lambda r: (r.id not in answered, r.id))
        for row in others:
            reason = (
                f"Unlinked from QuickBooks job “{row.qb_full_name}”: it is linked to project "
                f"“{kept.name}” ({kept.number}), and one job belongs to one project."
            )
            bind.execute(
                PROJECT.update()
                .where(p.id == row.id)
                .values(
                    erp_state=FAILED,
                    erp_list=FAILED,
                    erp_version=row.erp_version + 1,
                    erp_changed_at=now,
                    qb_list_id=None,
                    qb_full_name=None,
                    qb_edit_sequence=None,
                    qb_error_code=3100,  # the job's name is in use: outcomes.DUPLICATE_NAME
                    qb_error_message=reason,
                    qb_exported="",
                    erp_changes="",
                    synced_at=None,
                )
            )
            bind.execute(  # an update it was waiting for has no job to go to any more
                WORK_ITEM.update()
                .where(
                    WORK_ITEM.c.project_id == row.id,
                    WORK_ITEM.c.status.in_(("queued", "sent")),
                )
                .values(status="failed", status_message=reason, done_at=now)
            )
            _bump(bind, row.erp_list, -1)
            _bump(bind, FAILED, +1)
            bind.execute(
                EVENT.insert().values(
                    project_id=row.id,
                    at=now,
                    action="unlink_duplicate",
                    from_state=row.erp_state,
                    to_state=FAILED,
                    comment=reason,
                )
            )


def upgrade() -> None:
    # add_column and create_index only (no table rebuilds): SQLite's search triggers stay.
    op.add_column(
        "qb_work_item", sa.Column("sent_fields", sa.Text(), server_default="", nullable=False)
    )
    _unlink_duplicates(op.get_bind())
    op.create_index("uq_project_qb_list_id", "project", ["qb_list_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_project_qb_list_id", table_name="project")
    op.drop_column("qb_work_item", "sent_fields")
