"""transaction-processing systems ERCOT registered, each with the hash of its key

Revision ID: identity_0003
Revises: identity_0002
"""

import sqlalchemy as sa
from alembic import op

revision = 'identity_0003'
down_revision = 'identity_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transaction_systems',
    sa.Column('system_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key_hash', sa.Text(), nullable=False),
    sa.Column('key_issued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_by', sa.BigInteger(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_sign_ins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deactivated_by', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['deactivated_by'], ['identity.users.id'], ),
    sa.ForeignKeyConstraint(['registered_by'], ['identity.users.id'], ),
    sa.PrimaryKeyConstraint('system_id'),
    schema='identity'
    )


def downgrade() -> None:
    op.drop_table('transaction_systems', schema='identity')
