"""Auth hardening: the sign-in throttle keyed by account and client address (its rows are
short-lived and start afresh), and the people audit log.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_AT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.drop_table("login_throttle")
    op.create_table(
        "login_throttle",
        sa.Column("scope", _TEXT(length=8), nullable=False),
        sa.Column("account", _TEXT(length=254), nullable=False),
        sa.Column("address", _TEXT(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "account", "address"),
    )
    op.create_index("ix_login_throttle_last_failure_at", "login_throttle", ["last_failure_at"])
    op.create_table(
        "people_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _AT(), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("action", _TEXT(length=32), nullable=False),
        sa.Column("detail", _TEXT(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_people_event_at", "people_event", ["at"])
    op.create_index("ix_people_event_user_id", "people_event", ["user_id"])


def downgrade() -> None:
    op.drop_table("people_event")
    op.drop_table("login_throttle")
    op.create_table(
        "login_throttle",
        sa.Column("email", _TEXT(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", _AT(), nullable=False),
        sa.PrimaryKeyConstraint("email"),
    )
