"""registration tables: flights, registrations, test pairings and the item projection

Revision ID: registration_0002
Revises: registration_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'registration_0002'
down_revision = 'registration_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE registration.item_id_seq START 1002 INCREMENT 8")
    op.create_table('flights',
    sa.Column('designation', sa.String(length=4), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('signup_deadline', sa.Date(), nullable=False),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day1_of_testing', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('designation'),
    sa.UniqueConstraint('item_id'),
    schema='registration'
    )
    op.create_index(op.f('ix_registration_flights_state'), 'flights', ['state'], unique=False, schema='registration')
    op.create_table('items',
    sa.Column('item_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('workflow_id', sa.String(length=200), nullable=False),
    sa.Column('item_type', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('responsible_party', sa.String(length=64), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('item_id'),
    schema='registration'
    )
    op.create_index(op.f('ix_registration_items_company_duns'), 'items', ['company_duns'], unique=False, schema='registration')
    op.create_index(op.f('ix_registration_items_workflow_id'), 'items', ['workflow_id'], unique=False, schema='registration')
    op.create_table('registrations',
    sa.Column('item_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('flight', sa.String(length=4), nullable=False),
    sa.Column('cr_duns', sa.String(length=13), nullable=False),
    sa.Column('cr_name', sa.String(length=200), nullable=False),
    sa.Column('sp_duns', sa.String(length=13), nullable=False),
    sa.Column('sp_name', sa.String(length=200), nullable=False),
    sa.Column('tdsp_duns', postgresql.ARRAY(sa.String(length=13)), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('item_id'),
    schema='registration'
    )
    op.create_index(op.f('ix_registration_registrations_cr_duns'), 'registrations', ['cr_duns'], unique=False, schema='registration')
    op.create_index(op.f('ix_registration_registrations_flight'), 'registrations', ['flight'], unique=False, schema='registration')
    op.create_index(op.f('ix_registration_registrations_sp_duns'), 'registrations', ['sp_duns'], unique=False, schema='registration')
    op.create_index(op.f('ix_registration_registrations_state'), 'registrations', ['state'], unique=False, schema='registration')
    op.create_index('registrations_one_open_per_flight', 'registrations', ['flight', 'cr_duns'], unique=True, schema='registration', postgresql_where=sa.text('NOT closed'))
    op.create_table('test_pairings',
    sa.Column('flight', sa.String(length=4), nullable=False),
    sa.Column('cr_duns', sa.String(length=13), nullable=False),
    sa.Column('tdsp_duns', sa.String(length=13), nullable=False),
    sa.Column('registration_item_id', sa.BigInteger(), nullable=False),
    sa.Column('cr_name', sa.String(length=200), nullable=False),
    sa.Column('tdsp_name', sa.String(length=200), nullable=False),
    sa.Column('sp_duns', sa.String(length=13), nullable=False),
    sa.Column('sp_name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('flight', 'cr_duns', 'tdsp_duns'),
    schema='registration'
    )
    op.create_index(op.f('ix_registration_test_pairings_registration_item_id'), 'test_pairings', ['registration_item_id'], unique=False, schema='registration')
    op.create_index(op.f('ix_registration_test_pairings_sp_duns'), 'test_pairings', ['sp_duns'], unique=False, schema='registration')
    op.create_index(op.f('ix_registration_test_pairings_tdsp_duns'), 'test_pairings', ['tdsp_duns'], unique=False, schema='registration')
    op.create_table('item_history',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_user_id', sa.String(length=32), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=64), nullable=False),
    sa.Column('to_state', sa.String(length=64), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['registration.items.item_id'], ),
    sa.PrimaryKeyConstraint('seq', 'item_id'),
    schema='registration'
    )


def downgrade() -> None:
    op.drop_table('item_history', schema='registration')
    op.drop_index(op.f('ix_registration_test_pairings_tdsp_duns'), table_name='test_pairings', schema='registration')
    op.drop_index(op.f('ix_registration_test_pairings_sp_duns'), table_name='test_pairings', schema='registration')
    op.drop_index(op.f('ix_registration_test_pairings_registration_item_id'), table_name='test_pairings', schema='registration')
    op.drop_table('test_pairings', schema='registration')
    op.drop_index('registrations_one_open_per_flight', table_name='registrations', schema='registration', postgresql_where=sa.text('NOT closed'))
    op.drop_index(op.f('ix_registration_registrations_state'), table_name='registrations', schema='registration')
    op.drop_index(op.f('ix_registration_registrations_sp_duns'), table_name='registrations', schema='registration')
    op.drop_index(op.f('ix_registration_registrations_flight'), table_name='registrations', schema='registration')
    op.drop_index(op.f('ix_registration_registrations_cr_duns'), table_name='registrations', schema='registration')
    op.drop_table('registrations', schema='registration')
    op.drop_index(op.f('ix_registration_items_workflow_id'), table_name='items', schema='registration')
    op.drop_index(op.f('ix_registration_items_company_duns'), table_name='items', schema='registration')
    op.drop_table('items', schema='registration')
    op.drop_index(op.f('ix_registration_flights_state'), table_name='flights', schema='registration')
    op.drop_table('flights', schema='registration')
    op.execute("DROP SEQUENCE registration.item_id_seq")
