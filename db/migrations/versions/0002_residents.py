"""resident files: residents, tags, visit rules, visits, rentals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:45:39.993892
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('visit_rule',
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('every', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_rule')),
    sa.UniqueConstraint('tag', name='uq_visit_rule_tag')
    )
    op.create_table('rental',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('landlord_name', sa.String(length=50), nullable=False),
    sa.Column('landlord_phone', sa.String(length=30), nullable=True),
    sa.Column('registered_date', sa.Date(), nullable=False),
    sa.Column('group_rental', sa.Boolean(), nullable=False),
    sa.Column('pledge_signed', sa.Boolean(), nullable=False),
    sa.Column('occupants', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_rental_community_id_community')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_rental_grid_id_grid')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_rental_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rental'))
    )
    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rental_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rental_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rental_household_id'), ['household_id'], unique=False)

    op.create_table('resident',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=2), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('id_type', sa.String(length=20), nullable=False),
    sa.Column('id_enc', sa.Text(), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=32), nullable=False),
    sa.Column('id_last4', sa.String(length=4), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('relation', sa.String(length=10), nullable=True),
    sa.Column('residence_type', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('needs', sa.Text(), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_resident_building_id_building')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_resident_community_id_community')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_resident_grid_id_grid')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_resident_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident')),
    sa.UniqueConstraint('id_hash', name='uq_resident_id_hash')
    )
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_birth_date'), ['birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_id_last4'), ['id_last4'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_phone'), ['phone'], unique=False)
        batch_op.create_index('ix_resident_scope', ['community_id', 'grid_id', 'status'], unique=False)

    op.create_table('rental_check',
    sa.Column('rental_id', sa.Integer(), nullable=False),
    sa.Column('check_date', sa.Date(), nullable=False),
    sa.Column('inspector', sa.String(length=50), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_rental_check_community_id_community')),
    sa.ForeignKeyConstraint(['rental_id'], ['rental.id'], name=op.f('fk_rental_check_rental_id_rental')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rental_check'))
    )
    with op.batch_alter_table('rental_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rental_check_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_rental_check_rental_date', ['rental_id', 'check_date'], unique=False)

    op.create_table('rental_tenant',
    sa.Column('rental_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rental_id'], ['rental.id'], name=op.f('fk_rental_tenant_rental_id_rental'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_rental_tenant_resident_id_resident')),
    sa.PrimaryKeyConstraint('rental_id', 'resident_id', name=op.f('pk_rental_tenant'))
    )
    op.create_table('resident_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_resident_tag_community_id_community')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_resident_tag_resident_id_resident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_tag')),
    sa.UniqueConstraint('resident_id', 'tag', name='uq_resident_tag')
    )
    with op.batch_alter_table('resident_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_tag_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_resident_tag_tag', ['tag', 'resident_id'], unique=False)

    op.create_table('visit',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('visit_type', sa.String(length=10), nullable=False),
    sa.Column('staff_name', sa.String(length=50), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.String(length=10), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_visit_community_id_community')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_visit_grid_id_grid')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_visit_resident_id_resident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_community_date', ['community_id', 'visit_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index('ix_visit_resident_date', ['resident_id', 'visit_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_resident_date')
        batch_op.drop_index(batch_op.f('ix_visit_grid_id'))
        batch_op.drop_index(batch_op.f('ix_visit_community_id'))
        batch_op.drop_index('ix_visit_community_date')

    op.drop_table('visit')
    with op.batch_alter_table('resident_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_tag_tag')
        batch_op.drop_index(batch_op.f('ix_resident_tag_community_id'))

    op.drop_table('resident_tag')
    op.drop_table('rental_tenant')
    with op.batch_alter_table('rental_check', schema=None) as batch_op:
        batch_op.drop_index('ix_rental_check_rental_date')
        batch_op.drop_index(batch_op.f('ix_rental_check_community_id'))

    op.drop_table('rental_check')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_scope')
        batch_op.drop_index(batch_op.f('ix_resident_phone'))
        batch_op.drop_index(batch_op.f('ix_resident_name'))
        batch_op.drop_index(batch_op.f('ix_resident_id_last4'))
        batch_op.drop_index(batch_op.f('ix_resident_household_id'))
        batch_op.drop_index(batch_op.f('ix_resident_grid_id'))
        batch_op.drop_index(batch_op.f('ix_resident_community_id'))
        batch_op.drop_index(batch_op.f('ix_resident_building_id'))
        batch_op.drop_index(batch_op.f('ix_resident_birth_date'))

    op.drop_table('resident')
    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rental_household_id'))
        batch_op.drop_index(batch_op.f('ix_rental_grid_id'))
        batch_op.drop_index(batch_op.f('ix_rental_community_id'))

    op.drop_table('rental')
    op.drop_table('visit_rule')
