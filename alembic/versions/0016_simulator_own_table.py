"""The simulator's company file (qbsim_list_item) in a migration of its own.

Made by 0001 until the simulator left the product's imports: a database made before keeps
its table and rows (nothing to do); a new one gets it here. Downgrading drops it.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "qbsim_list_item"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("edit_sequence", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=41), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=209), nullable=False),
        sa.Column("parent_list_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("sublevel", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("addr1", sqlmodel.sql.sqltypes.AutoString(length=41), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=31), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=21), nullable=False),
        sa.Column("postal_code", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
        sa.Column("job_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("job_start_date", sa.Date(), nullable=True),
        sa.Column("job_projected_end_date", sa.Date(), nullable=True),
        sa.Column("job_desc", sqlmodel.sql.sqltypes.AutoString(length=99), nullable=False),
        sa.Column("time_created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("time_modified", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_id"),
    )
    op.create_index("ix_qbsim_list_item_full_name", TABLE, ["full_name"], unique=True)
    op.create_index("ix_qbsim_list_item_parent_list_id", TABLE, ["parent_list_id"])


def downgrade() -> None:
    op.drop_table(TABLE)
