"""initial schema

The simulator's company file (qbsim_list_item), made here until 0016, is 0016's now.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 22:57:06.392015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


JOB_LISTS = (
    "ready_to_import", "ready_to_export", "ready_to_update",
    "failed_to_export", "synced", "archived",
)


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sqlmodel.sql.sqltypes.AutoString(length=41), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=209), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_full_name'), ['full_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_list_id'), ['list_id'], unique=True)

    list_count = op.create_table('list_count',
    sa.Column('erp_list', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('erp_list')
    )
    op.bulk_insert(list_count, [{"erp_list": name, "n": 0} for name in JOB_LISTS])
    op.create_table('login_throttle',
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('email')
    )
    op.create_table('qb_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sqlmodel.sql.sqltypes.AutoString(length=41), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=209), nullable=False),
    sa.Column('customer_full_name', sqlmodel.sql.sqltypes.AutoString(length=209), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=31), nullable=False),
    sa.Column('erp_list', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('erp_version', sa.Integer(), nullable=False),
    sa.Column('erp_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('list_id')
    )
    with op.batch_alter_table('qb_job', schema=None) as batch_op:
        batch_op.create_index('ix_qb_job_list_changed', ['erp_list', 'erp_changed_at', 'id'], unique=False)
        batch_op.create_index('ix_qb_job_list_name', ['erp_list', 'full_name', 'id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_email'), ['email'], unique=True)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=41), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=41), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=31), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=21), nullable=False),
    sa.Column('postal_code', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('projected_end_date', sa.Date(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=99), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('erp_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('erp_list', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('erp_version', sa.Integer(), nullable=False),
    sa.Column('erp_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('erp_sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('erp_sent_by_id', sa.Integer(), nullable=True),
    sa.Column('erp_decided_by_id', sa.Integer(), nullable=True),
    sa.Column('erp_comment', sa.Text(), server_default='', nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('qb_list_id', sqlmodel.sql.sqltypes.AutoString(length=41), nullable=True),
    sa.Column('qb_full_name', sqlmodel.sql.sqltypes.AutoString(length=209), nullable=True),
    sa.Column('qb_edit_sequence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('qb_error_code', sa.Integer(), nullable=True),
    sa.Column('qb_error_message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['creator_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['erp_decided_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['erp_sent_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number', name='uq_project_number')
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_creator_id'), ['creator_id'], unique=False)
        batch_op.create_index('ix_project_list_changed', ['erp_list', 'erp_changed_at', 'id'], unique=False)
        batch_op.create_index('ix_project_list_city', ['erp_list', 'city', 'id'], unique=False)
        batch_op.create_index('ix_project_list_name', ['erp_list', 'name', 'id'], unique=False)
        batch_op.create_index('ix_project_list_number', ['erp_list', 'number', 'id'], unique=False)
        batch_op.create_index('ix_project_list_sent', ['erp_list', 'erp_sent_at', 'id'], unique=False)
        batch_op.create_index('ix_project_list_start', ['erp_list', 'start_date', 'id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_addrs', sa.Text(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_outbox_project_id'), ['project_id'], unique=False)

    op.create_table('erp_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('qb_job_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.ForeignKeyConstraint(['qb_job_id'], ['qb_job.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('erp_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erp_event_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erp_event_qb_job_id'), ['qb_job_id'], unique=False)

    op.create_table('qb_work_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('status_message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    with op.batch_alter_table('qb_work_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qb_work_item_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_qb_work_item_status', ['status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('qb_work_item', schema=None) as batch_op:
        batch_op.drop_index('ix_qb_work_item_status')
        batch_op.drop_index(batch_op.f('ix_qb_work_item_project_id'))

    op.drop_table('qb_work_item')
    with op.batch_alter_table('erp_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erp_event_qb_job_id'))
        batch_op.drop_index(batch_op.f('ix_erp_event_project_id'))

    op.drop_table('erp_event')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_project_id'))

    op.drop_table('email_outbox')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_session_token_hash'))

    op.drop_table('user_session')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index('ix_project_list_start')
        batch_op.drop_index('ix_project_list_sent')
        batch_op.drop_index('ix_project_list_number')
        batch_op.drop_index('ix_project_list_name')
        batch_op.drop_index('ix_project_list_city')
        batch_op.drop_index('ix_project_list_changed')
        batch_op.drop_index(batch_op.f('ix_project_creator_id'))

    op.drop_table('project')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_email'))

    op.drop_table('user')
    with op.batch_alter_table('qb_job', schema=None) as batch_op:
        batch_op.drop_index('ix_qb_job_list_name')
        batch_op.drop_index('ix_qb_job_list_changed')

    op.drop_table('qb_job')
    op.drop_table('login_throttle')
    op.drop_table('list_count')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_list_id'))
        batch_op.drop_index(batch_op.f('ix_customer_full_name'))

    op.drop_table('customer')
