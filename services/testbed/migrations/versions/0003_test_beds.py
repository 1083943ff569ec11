"""testbed tables: the flight's pairings and test-bed scripts, and the test beds TDSPs attach

Revision ID: testbed_0003
Revises: testbed_0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "testbed_0003"
down_revision = "testbed_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pairings",
        sa.Column("flight", sa.String(length=4), nullable=False),
        sa.Column("cr_duns", sa.String(length=13), nullable=False),
        sa.Column("tdsp_duns", sa.String(length=13), nullable=False),
        sa.Column("cr_name", sa.String(length=200), nullable=False),
        sa.Column("tdsp_name", sa.String(length=200), nullable=False),
        sa.Column("sp_duns", sa.String(length=13), nullable=False),
        sa.Column("pairing_kinds", sa.String(length=64), server_default="new_cr", nullable=False),
        sa.PrimaryKeyConstraint("flight", "cr_duns", "tdsp_duns"),
        schema="testbed",
    )
    op.create_index("ix_testbed_pairings_tdsp_duns", "pairings", ["tdsp_duns"], schema="testbed")
    op.create_index("ix_testbed_pairings_sp_duns", "pairings", ["sp_duns"], schema="testbed")
    op.create_table(
        "test_bed_scripts",
        sa.Column("flight", sa.String(length=4), nullable=False),
        sa.Column("script_id", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("premises", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("flight", "script_id"),
        schema="testbed",
    )
    op.create_table(
        "test_beds",
        sa.Column("test_bed_id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["testbed.specifications_requests.item_id"]),
        sa.PrimaryKeyConstraint("test_bed_id"),
        schema="testbed",
    )
    op.create_index("ix_testbed_test_beds_item_id", "test_beds", ["item_id"], schema="testbed")
    text: dict[str, Any] = {"nullable": False, "server_default": ""}
    op.create_table(
        "test_bed_rows",
        sa.Column("test_bed_id", sa.BigInteger(), nullable=False),
        sa.Column("cr_duns", sa.String(length=13), nullable=False),
        sa.Column("script_id", sa.String(length=20), nullable=False),
        sa.Column("esi_id", sa.String(length=22), nullable=False),
        sa.Column("customer_1", sa.Text(), **text),
        sa.Column("customer_2", sa.Text(), **text),
        sa.Column("zip_code", sa.String(length=10), nullable=False),
        sa.Column("meter_number", sa.String(length=30), nullable=False),
        sa.Column("customer_name_1", sa.Text(), **text),
        sa.Column("customer_name_2", sa.Text(), **text),
        sa.Column("rate_class", sa.String(length=40), nullable=False),
        sa.Column("doe_number", sa.Text(), **text),
        sa.Column("membership_account_1", sa.Text(), **text),
        sa.Column("membership_account_2", sa.Text(), **text),
        sa.Column("serv_loc", sa.Text(), **text),
        sa.Column("cycle", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("test_bed_id", "esi_id"),
        schema="testbed",
    )


def downgrade() -> None:
    op.drop_table("test_bed_rows", schema="testbed")
    op.drop_index("ix_testbed_test_beds_item_id", table_name="test_beds", schema="testbed")
    op.drop_table("test_beds", schema="testbed")
    op.drop_table("test_bed_scripts", schema="testbed")
    op.drop_index("ix_testbed_pairings_sp_duns", table_name="pairings", schema="testbed")
    op.drop_index("ix_testbed_pairings_tdsp_duns", table_name="pairings", schema="testbed")
    op.drop_table("pairings", schema="testbed")
