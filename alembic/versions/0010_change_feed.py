"""Change feed: PostgreSQL triggers NOTIFY `erp_change` with "projects" when anything a
list or row shows changes, and with "health" when a Web Connector session changes.
(PostgreSQL only: on SQLite each worker polls a revision instead.)

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {  # table: (events, signal)
    "erp_event": ("INSERT", "projects"),
    "qb_work_item": ("INSERT OR UPDATE", "projects"),
    "qb_job": ("INSERT OR UPDATE OR DELETE", "projects"),
    "project": ("INSERT OR UPDATE", "projects"),
    "qbwc_session": ("INSERT OR UPDATE", "health"),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    # Row triggers fire only when rows change; NOTIFY delivers one per payload and commit.
    op.execute(
        """
        CREATE FUNCTION erp_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('erp_change', TG_ARGV[0]);
            RETURN NULL;
        END $$
        """
    )
    for table, (events, signal) in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER erp_change_{table} AFTER {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION erp_notify_change('{signal}')"
        )


def downgrade() -> None:
    if not _postgresql():
        return
    for table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS erp_change_{table} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS erp_notify_change()")
