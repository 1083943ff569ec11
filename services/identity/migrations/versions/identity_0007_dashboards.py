"""dashboards users compose from reports (guide §4), each report at its place with its saved filters

Revision ID: identity_0007
Revises: identity_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0007"
down_revision = "identity_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboards",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("company_duns", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["identity.users.id"]),
        sa.ForeignKeyConstraint(["company_duns"], ["identity.companies.duns"]),
        sa.PrimaryKeyConstraint("id"),
        schema="identity",
    )
    op.create_index("ix_identity_dashboards_owner_id", "dashboards", ["owner_id"], schema="identity")
    op.create_index("ix_identity_dashboards_company_duns", "dashboards", ["company_duns"], schema="identity")
    op.create_table(
        "dashboard_reports",
        sa.Column("dashboard_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=64), nullable=False),
        sa.Column("flight", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("responsible_party", sa.String(length=200), nullable=False),
        sa.Column("search", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["dashboard_id"], ["identity.dashboards.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dashboard_id", "position"),
        schema="identity",
    )


def downgrade() -> None:
    op.drop_table("dashboard_reports", schema="identity")
    op.drop_table("dashboards", schema="identity")
