"""Web Connector health and QuickBooks' unhappy answers: sliding session expiry, the
negotiated qbXML version and company file, busy retries with backoff, customers seen
per sync, and the facts the app keeps (company file binding, .qwc FileID).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # add_column only (no table rebuilds): SQLite's search triggers on `project` stay.
    op.add_column("customer", sa.Column("seen_at", UTC_DATETIME(), nullable=True))
    op.add_column(
        "qb_work_item", sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("qb_work_item", sa.Column("not_before", UTC_DATETIME(), nullable=True))
    session_columns = [
        sa.Column("last_seen_at", UTC_DATETIME(), nullable=True),
        sa.Column("qbxml_version", sa.String(length=8), server_default="", nullable=False),
        sa.Column("company_file", sa.Text(), server_default="", nullable=False),
        sa.Column("retrying", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
    ]
    for column in session_columns:
        op.add_column("qbwc_session", column)
    op.create_index("ix_qbwc_session_created_at", "qbwc_session", ["created_at"])
    op.create_table(
        "app_setting",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("at", UTC_DATETIME(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_setting")
    op.drop_index("ix_qbwc_session_created_at", table_name="qbwc_session")
    for name in ("notes", "skipped", "retrying", "company_file", "qbxml_version", "last_seen_at"):
        op.drop_column("qbwc_session", name)
    op.drop_column("qb_work_item", "not_before")
    op.drop_column("qb_work_item", "attempts")
    op.drop_column("customer", "seen_at")
