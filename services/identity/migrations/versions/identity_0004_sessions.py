"""sessions: each sign-in, so that signing out, deactivation and a role change end a token before it expires

Revision ID: identity_0004
Revises: identity_0003
"""

import sqlalchemy as sa
from alembic import op

revision = 'identity_0004'
down_revision = 'identity_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sessions',
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('system_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_because', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['identity.users.id'], ),
    sa.ForeignKeyConstraint(['system_id'], ['identity.transaction_systems.system_id'], ),
    sa.PrimaryKeyConstraint('session_id'),
    schema='identity'
    )
    op.create_index('ix_sessions_user_open', 'sessions', ['user_id'], schema='identity',
                    postgresql_where=sa.text('revoked_at IS NULL'))
    op.create_index('ix_sessions_system_open', 'sessions', ['system_id'], schema='identity',
                    postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_table('sessions', schema='identity')
