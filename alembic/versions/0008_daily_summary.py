"""The opt-out daily summary for approvers, written once per day.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "user", sa.Column("daily_summary", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_table(
        "daily_summary_run",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daily_summary_run")
    op.drop_column("user", "daily_summary")
