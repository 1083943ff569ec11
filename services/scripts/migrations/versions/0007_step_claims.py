"""scripts: the step of a script issue each valid transaction claims, once (receipts arriving together took one)

Revision ID: scripts_0007
Revises: scripts_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "scripts_0007"
down_revision = "scripts_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_claims",
        sa.Column("item_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sender_duns", sa.String(length=13), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "step"),
        sa.ForeignKeyConstraint(
            ["sender_duns", "reference"], ["scripts.transactions.sender_duns", "scripts.transactions.reference"]
        ),
        sa.UniqueConstraint("sender_duns", "reference", name="uq_scripts_step_claims_transaction"),
        schema="scripts",
    )


def downgrade() -> None:
    op.drop_table("step_claims", schema="scripts")
