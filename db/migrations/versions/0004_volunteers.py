"""volunteers, teams, activities, volunteer log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:16:22.187604
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity',
    sa.Column('theme', sa.String(length=100), nullable=False),
    sa.Column('activity_type', sa.String(length=10), nullable=False),
    sa.Column('activity_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('organiser', sa.String(length=50), nullable=False),
    sa.Column('target_turnout', sa.Integer(), nullable=False),
    sa.Column('actual_turnout', sa.Integer(), nullable=True),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('notice_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('org_score', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.Float(), nullable=True),
    sa.Column('evaluation_note', sa.Text(), nullable=True),
    sa.Column('evaluated_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_activity_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_activity_scope_date', ['community_id', 'activity_date'], unique=False)

    op.create_table('activity_photo',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_photo_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_activity_photo_photo_id_photo')),
    sa.PrimaryKeyConstraint('activity_id', 'photo_id', name=op.f('pk_activity_photo'))
    )
    op.create_table('team',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('team_type', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('leader_name', sa.String(length=50), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_team_community_id_community')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_team_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team'))
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_community_id'), ['community_id'], unique=False)

    op.create_table('volunteer',
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=20), nullable=True),
    sa.Column('skills', sa.String(length=200), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('leaderboard', sa.Boolean(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_volunteer_community_id_community')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_volunteer_resident_id_resident')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_volunteer_team_id_team')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_volunteer_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer')),
    sa.UniqueConstraint('user_id', name=op.f('uq_volunteer_user_id'))
    )
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_team_id'), ['team_id'], unique=False)

    op.create_table('volunteer_log',
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('log_date', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('verified_by', sa.String(length=64), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_volunteer_log_activity_id_activity')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_volunteer_log_community_id_community')),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_volunteer_log_team_id_team')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_volunteer_log_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_log'))
    )
    with op.batch_alter_table('volunteer_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_log_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_log_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_volunteer_log_cover', ['community_id', 'status', 'log_date', 'volunteer_id', 'hours'], unique=False)
        batch_op.create_index('ix_volunteer_log_volunteer_date', ['volunteer_id', 'log_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('volunteer_log', schema=None) as batch_op:
        batch_op.drop_index('ix_volunteer_log_volunteer_date')
        batch_op.drop_index('ix_volunteer_log_cover')
        batch_op.drop_index(batch_op.f('ix_volunteer_log_community_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_log_activity_id'))

    op.drop_table('volunteer_log')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_team_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_community_id'))

    op.drop_table('volunteer')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_community_id'))

    op.drop_table('team')
    op.drop_table('activity_photo')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_scope_date')
        batch_op.drop_index(batch_op.f('ix_activity_community_id'))

    op.drop_table('activity')
