"""identity tables

Revision ID: identity_0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'identity_0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('duns', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('parent_duns', sa.String(length=13), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['parent_duns'], ['identity.companies.duns'], ),
    sa.PrimaryKeyConstraint('duns'),
    schema='identity'
    )
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
    sa.UniqueConstraint('workflow_id'),
    schema='identity'
    )
    op.create_index(op.f('ix_identity_items_company_duns'), 'items', ['company_duns'], unique=False, schema='identity')
    op.create_table('distribution_lists',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['company_duns'], ['identity.companies.duns'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    schema='identity'
    )
    op.create_index(op.f('ix_identity_distribution_lists_company_duns'), 'distribution_lists', ['company_duns'], unique=False, schema='identity')
    op.create_table('item_history',
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_user_id', sa.String(length=32), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=64), nullable=False),
    sa.Column('to_state', sa.String(length=64), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['identity.items.item_id'], ),
    sa.PrimaryKeyConstraint('item_id', 'seq'),
    schema='identity'
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('employee_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_duns'], ['identity.companies.duns'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    sa.UniqueConstraint('employee_id'),
    schema='identity'
    )
    op.create_index(op.f('ix_identity_users_company_duns'), 'users', ['company_duns'], unique=False, schema='identity')
    op.create_table('user_roles',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['identity.users.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'role'),
    schema='identity'
    )
    op.execute("CREATE SEQUENCE identity.item_id_seq START 1001 INCREMENT 8")


def downgrade() -> None:
    op.execute("DROP SEQUENCE identity.item_id_seq")
    op.drop_table('user_roles', schema='identity')
    op.drop_index(op.f('ix_identity_users_company_duns'), table_name='users', schema='identity')
    op.drop_table('users', schema='identity')
    op.drop_table('item_history', schema='identity')
    op.drop_index(op.f('ix_identity_distribution_lists_company_duns'), table_name='distribution_lists', schema='identity')
    op.drop_table('distribution_lists', schema='identity')
    op.drop_index(op.f('ix_identity_items_company_duns'), table_name='items', schema='identity')
    op.drop_table('items', schema='identity')
    op.drop_table('companies', schema='identity')
