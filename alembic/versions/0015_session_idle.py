"""Sign-in sessions also end after ERP_SESSION_IDLE_MINUTES without activity: each
session's last activity, back-filled with when it began.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("user_session") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", _AT(), nullable=True))
    op.execute("UPDATE user_session SET last_seen_at = created_at")
    with op.batch_alter_table("user_session") as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=_AT(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("user_session") as batch_op:
        batch_op.drop_column("last_seen_at")
