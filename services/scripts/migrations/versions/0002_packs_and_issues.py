"""scripts tables: published script packs, script issues and sub-flows, and the item projection

Revision ID: scripts_0002
Revises: scripts_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "scripts_0002"
down_revision = "scripts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE scripts.item_id_seq START 1004 INCREMENT 8")
    op.create_table(
        "items",
        sa.Column("item_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("item_type", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("company_duns", sa.String(length=13), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("responsible_party", sa.String(length=64), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
        schema="scripts",
    )
    op.create_index("ix_scripts_items_company_duns", "items", ["company_duns"], schema="scripts")
    op.create_index("ix_scripts_items_workflow_id", "items", ["workflow_id"], schema="scripts")
    op.create_table(
        "item_history",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_user_id", sa.String(length=32), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("from_state", sa.String(length=64), nullable=False),
        sa.Column("to_state", sa.String(length=64), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["scripts.items.item_id"]),
        sa.PrimaryKeyConstraint("seq", "item_id"),
        schema="scripts",
    )
    op.create_table(
        "packs",
        sa.Column("flight", sa.String(length=4), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("script_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("flight", "version"),
        schema="scripts",
    )
    op.create_table(
        "script_issues",
        sa.Column("item_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("flight", sa.String(length=4), nullable=False),
        sa.Column("script_id", sa.String(length=20), nullable=False),
        sa.Column("cr_duns", sa.String(length=13), nullable=False),
        sa.Column("tdsp_duns", sa.String(length=13), nullable=False),
        sa.Column("sp_duns", sa.String(length=13), nullable=False),
        sa.Column("pack_version", sa.Integer(), nullable=False),
        sa.Column("parent_item_id", sa.BigInteger(), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
        schema="scripts",
    )
    for column in ("flight", "cr_duns", "tdsp_duns", "sp_duns", "parent_item_id"):
        op.create_index(f"ix_scripts_script_issues_{column}", "script_issues", [column], schema="scripts")
    op.create_index(
        "uq_scripts_script_issues_sub_flow",
        "script_issues",
        ["parent_item_id", "step"],
        unique=True,
        schema="scripts",
        postgresql_where=sa.text("parent_item_id IS NOT NULL"),
    )
    op.create_table(
        "transactions",
        sa.Column("transaction_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("sender_duns", sa.String(length=13), nullable=False),
        sa.Column("receiver_duns", sa.String(length=13), nullable=False),
        sa.Column("esi_id", sa.String(length=22), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("matched_item_id", sa.BigInteger(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id"),
        schema="scripts",
    )


def downgrade() -> None:
    op.drop_table("transactions", schema="scripts")
    op.drop_table("script_issues", schema="scripts")
    op.drop_table("packs", schema="scripts")
    op.drop_table("item_history", schema="scripts")
    op.drop_table("items", schema="scripts")
    op.execute("DROP SEQUENCE scripts.item_id_seq")
