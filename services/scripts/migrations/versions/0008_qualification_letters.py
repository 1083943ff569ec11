"""scripts: qualification letters (one per CR and flight, its rows frozen at each draft) and the pairing kinds each
script issue was opened for (the scenarios a letter certifies)

Revision ID: scripts_0008
Revises: scripts_0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "scripts_0008"
down_revision = "scripts_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "script_issues",
        sa.Column(
            "pairing_kinds",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        schema="scripts",
    )
    op.create_table(
        "letters",
        sa.Column("item_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("flight", sa.String(length=4), nullable=False),
        sa.Column("cr_duns", sa.String(length=13), nullable=False),
        sa.Column("sp_duns", sa.String(length=13), nullable=False),
        sa.Column("cr_name", sa.String(length=200), nullable=False),
        sa.Column("draft", sa.Integer(), nullable=False),
        sa.Column("scenarios", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rows", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
        sa.UniqueConstraint("flight", "cr_duns", name="uq_scripts_letters_flight_cr"),
        schema="scripts",
    )


def downgrade() -> None:
    op.drop_table("letters", schema="scripts")
    op.drop_column("script_issues", "pairing_kinds", schema="scripts")
