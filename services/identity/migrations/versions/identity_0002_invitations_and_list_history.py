"""invitations; distribution lists keep who added and removed them

Revision ID: identity_0002
Revises: identity_0001
"""

import sqlalchemy as sa
from alembic import op

revision = 'identity_0002'
down_revision = 'identity_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['identity.users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['identity.users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    schema='identity'
    )
    op.create_index(op.f('ix_identity_invitations_user_id'), 'invitations', ['user_id'], unique=False, schema='identity')
    op.add_column('distribution_lists', sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False), schema='identity')
    op.add_column('distribution_lists', sa.Column('created_by', sa.BigInteger(), nullable=True), schema='identity')
    op.add_column('distribution_lists', sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True), schema='identity')
    op.add_column('distribution_lists', sa.Column('removed_by', sa.BigInteger(), nullable=True), schema='identity')
    op.create_foreign_key('distribution_lists_created_by_fkey', 'distribution_lists', 'users', ['created_by'], ['id'], source_schema='identity', referent_schema='identity')
    op.create_foreign_key('distribution_lists_removed_by_fkey', 'distribution_lists', 'users', ['removed_by'], ['id'], source_schema='identity', referent_schema='identity')
    op.drop_constraint('distribution_lists_email_key', 'distribution_lists', schema='identity', type_='unique')
    op.create_index('uq_distribution_lists_current_email', 'distribution_lists', ['email'], unique=True, schema='identity', postgresql_where=sa.text('removed_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_distribution_lists_current_email', table_name='distribution_lists', schema='identity', postgresql_where=sa.text('removed_at IS NULL'))
    op.execute("DELETE FROM identity.distribution_lists WHERE removed_at IS NOT NULL")
    op.create_unique_constraint('distribution_lists_email_key', 'distribution_lists', ['email'], schema='identity')
    op.drop_constraint('distribution_lists_removed_by_fkey', 'distribution_lists', schema='identity', type_='foreignkey')
    op.drop_constraint('distribution_lists_created_by_fkey', 'distribution_lists', schema='identity', type_='foreignkey')
    op.drop_column('distribution_lists', 'removed_by', schema='identity')
    op.drop_column('distribution_lists', 'removed_at', schema='identity')
    op.drop_column('distribution_lists', 'created_by', schema='identity')
    op.drop_column('distribution_lists', 'created_at', schema='identity')
    op.drop_index(op.f('ix_identity_invitations_user_id'), table_name='invitations', schema='identity')
    op.drop_table('invitations', schema='identity')
