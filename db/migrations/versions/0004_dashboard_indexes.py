"""indexes for the dashboard aggregates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:36:27.520755
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_date_resident', ['visit_date', 'resident_id', 'deleted_at'], unique=False)
        batch_op.create_index('ix_visit_resident_live', ['resident_id', 'visit_date', 'deleted_at'], unique=False)

    with op.batch_alter_table('volunteer_log', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_log_status_date', ['status', 'log_date', 'hours', 'deleted_at'],
                              unique=False)



def downgrade() -> None:
    with op.batch_alter_table('volunteer_log', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_log_status_date')

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_resident_live')
        batch_op.drop_index('ix_visit_date_resident')

