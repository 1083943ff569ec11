"""each user's secret calendar feed URL, kept as the hash of its token

Revision ID: identity_0009
Revises: identity_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0009"
down_revision = "identity_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["identity.users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("token_hash"),
        schema="identity",
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds", schema="identity")
