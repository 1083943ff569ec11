"""the results of `flightrak check`, the newest shown on ERCOT's operations page

Revision ID: identity_0008
Revises: identity_0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "identity_0008"
down_revision = "identity_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consistency_checks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("items_checked", sa.Integer(), nullable=False),
        sa.Column("transactions_checked", sa.Integer(), nullable=False),
        sa.Column("differences", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema="identity",
    )
    op.create_index(
        "ix_identity_consistency_checks_checked_at", "consistency_checks", ["checked_at"], schema="identity"
    )


def downgrade() -> None:
    op.drop_index("ix_identity_consistency_checks_checked_at", table_name="consistency_checks", schema="identity")
    op.drop_table("consistency_checks", schema="identity")
