"""web connector sessions

Revision ID: 0003
Revises: 0002

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
    'qbwc_session',
    sa.Column('ticket_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('iterator_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('sync_finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('exported', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('ticket_hash')
    )
    with op.batch_alter_table('qb_work_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('verify_first', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_qb_work_item_ticket_hash'), ['ticket_hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('qb_work_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qb_work_item_ticket_hash'))
        batch_op.drop_column('verify_first')
        batch_op.drop_column('ticket_hash')

    op.drop_table('qbwc_session')
