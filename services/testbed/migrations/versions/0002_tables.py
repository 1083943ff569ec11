"""testbed tables: requests for testing specifications and the item projection

Revision ID: testbed_0002
Revises: testbed_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'testbed_0002'
down_revision = 'testbed_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE testbed.item_id_seq START 1003 INCREMENT 8")
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
    schema='testbed'
    )
    op.create_index(op.f('ix_testbed_items_company_duns'), 'items', ['company_duns'], unique=False, schema='testbed')
    op.create_index(op.f('ix_testbed_items_workflow_id'), 'items', ['workflow_id'], unique=False, schema='testbed')
    op.create_table('specifications_requests',
    sa.Column('item_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('flight', sa.String(length=4), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('sp_duns', sa.String(length=13), nullable=False),
    sa.Column('registration_item_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('item_id'),
    sa.UniqueConstraint('flight', 'company_duns'),
    schema='testbed'
    )
    op.create_index(op.f('ix_testbed_specifications_requests_company_duns'), 'specifications_requests', ['company_duns'], unique=False, schema='testbed')
    op.create_index(op.f('ix_testbed_specifications_requests_flight'), 'specifications_requests', ['flight'], unique=False, schema='testbed')
    op.create_index(op.f('ix_testbed_specifications_requests_sp_duns'), 'specifications_requests', ['sp_duns'], unique=False, schema='testbed')
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
    sa.ForeignKeyConstraint(['item_id'], ['testbed.items.item_id'], ),
    sa.PrimaryKeyConstraint('seq', 'item_id'),
    schema='testbed'
    )


def downgrade() -> None:
    op.drop_table('item_history', schema='testbed')
    op.drop_index(op.f('ix_testbed_specifications_requests_sp_duns'), table_name='specifications_requests', schema='testbed')
    op.drop_index(op.f('ix_testbed_specifications_requests_flight'), table_name='specifications_requests', schema='testbed')
    op.drop_index(op.f('ix_testbed_specifications_requests_company_duns'), table_name='specifications_requests', schema='testbed')
    op.drop_table('specifications_requests', schema='testbed')
    op.drop_index(op.f('ix_testbed_items_workflow_id'), table_name='items', schema='testbed')
    op.drop_index(op.f('ix_testbed_items_company_duns'), table_name='items', schema='testbed')
    op.drop_table('items', schema='testbed')
    op.execute("DROP SEQUENCE testbed.item_id_seq")
