"""The overview's rollups: transitions per day (by action, actor and QuickBooks code) and
decision waits per week; QuickBooks' code on the audit trail's refusals. Back-filled from
the audit trail (a refusal's code and message from its work item).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from erp_dashboard.services import rollup

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSALS = "('export_failed', 'update_failed')"


def upgrade() -> None:
    op.add_column("erp_event", sa.Column("qb_code", sa.Integer(), nullable=True))
    op.create_table(
        "erp_daily",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("action", sa.String(length=32), primary_key=True),
        sa.Column("actor_id", sa.Integer(), primary_key=True),
        sa.Column("qb_code", sa.Integer(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
    )
    op.create_table(
        "decision_wait",
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("bucket", sa.Integer(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    # A refusal's work item was finished in the same transaction, just before the event.
    latest_failed_item = (
        "FROM qb_work_item w WHERE w.project_id = erp_event.project_id "
        "AND w.status = 'failed' AND w.done_at <= erp_event.at ORDER BY w.done_at DESC LIMIT 1"
    )
    op.execute(
        f"UPDATE erp_event SET qb_code = (SELECT w.status_code {latest_failed_item}), "
        f"comment = COALESCE((SELECT w.status_message {latest_failed_item}), comment) "
        f"WHERE action IN {REFUSALS}"
    )
    rollup.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("decision_wait")
    op.drop_table("erp_daily")
    op.drop_column("erp_event", "qb_code")
