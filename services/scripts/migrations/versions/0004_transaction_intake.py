"""scripts: transaction intake. Transactions are kept once per sender and reference (a retried delivery
repeats both); each says why it matched no script issue; X12 that was refused is kept with its problems;
script issues know their test bed's premises.

Revision ID: scripts_0004
Revises: scripts_0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "scripts_0004"
down_revision = "scripts_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "script_issues",
        sa.Column("esi_ids", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        schema="scripts",
    )
    op.drop_constraint("transactions_pkey", "transactions", schema="scripts")
    op.alter_column("transactions", "transaction_id", nullable=True, schema="scripts")
    # Rows kept before the key changed: one with no reference, or sharing one with another of its sender's,
    # takes its reporter's ID into its reference so every row keeps its own key.
    op.execute(
        """
        UPDATE scripts.transactions t SET reference = left(
            CASE WHEN t.reference = '' THEN t.transaction_id ELSE t.reference || ' ' || t.transaction_id END, 100)
        WHERE t.reference = '' OR EXISTS (
            SELECT 1 FROM scripts.transactions o
            WHERE o.sender_duns = t.sender_duns AND o.reference = t.reference AND o.transaction_id <> t.transaction_id)
        """
    )
    op.create_primary_key("transactions_pkey", "transactions", ["sender_duns", "reference"], schema="scripts")
    for column in (
        sa.Column("answers_reference", sa.String(100), server_default="", nullable=False),
        sa.Column("source", sa.String(8), server_default="json", nullable=False),
        sa.Column("unmatched_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("attached_by", sa.String(200), server_default="", nullable=False),
    ):
        op.add_column("transactions", column, schema="scripts")
    op.create_index(
        "ix_scripts_transactions_unmatched",
        "transactions",
        ["received_at"],
        schema="scripts",
        postgresql_where="matched_item_id IS NULL",
    )
    op.create_table(
        "refused_transactions",
        sa.Column("refused_id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("control_number", sa.String(20), nullable=False),
        sa.Column("first_position", sa.Integer(), nullable=False),
        sa.Column("last_position", sa.Integer(), nullable=False),
        sa.Column("problems", postgresql.JSONB(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema="scripts",
    )


def downgrade() -> None:
    op.drop_table("refused_transactions", schema="scripts")
    op.drop_index("ix_scripts_transactions_unmatched", table_name="transactions", schema="scripts")
    for column in ("attached_by", "unmatched_reason", "source", "answers_reference"):
        op.drop_column("transactions", column, schema="scripts")
    op.drop_constraint("transactions_pkey", "transactions", schema="scripts")
    op.execute(
        "UPDATE scripts.transactions SET transaction_id = sender_duns || ':' || reference WHERE transaction_id IS NULL"
    )
    op.alter_column("transactions", "transaction_id", nullable=False, schema="scripts")
    op.create_primary_key("transactions_pkey", "transactions", ["transaction_id"], schema="scripts")
    op.drop_column("script_issues", "esi_ids", schema="scripts")
