"""testbed: a flight's test-bed scripts come from each version of its script pack (version 0: the default
list), with which pairings run each; a test bed remembers the version it was checked against.

Revision ID: testbed_0004
Revises: testbed_0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "testbed_0004"
down_revision = "testbed_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    every: dict[str, Any] = {"nullable": False}
    op.add_column(
        "test_bed_scripts", sa.Column("pack_version", sa.Integer(), server_default="0", **every), schema="testbed"
    )
    op.add_column(
        "test_bed_scripts",
        sa.Column("runs_for", sa.String(length=64), server_default="new_cr,bank_change,system_change", **every),
        schema="testbed",
    )
    op.add_column(
        "test_bed_scripts",
        sa.Column("tdsp_types", sa.String(length=32), server_default="iou,muni_coop", **every),
        schema="testbed",
    )
    op.drop_constraint("test_bed_scripts_pkey", "test_bed_scripts", schema="testbed")
    op.create_primary_key(
        "test_bed_scripts_pkey", "test_bed_scripts", ["flight", "pack_version", "script_id"], schema="testbed"
    )
    op.add_column(
        "test_beds", sa.Column("pack_version", sa.Integer(), server_default="0", **every), schema="testbed"
    )


def downgrade() -> None:
    op.drop_column("test_beds", "pack_version", schema="testbed")
    op.execute(
        "DELETE FROM testbed.test_bed_scripts s WHERE pack_version <> "
        "(SELECT max(pack_version) FROM testbed.test_bed_scripts l WHERE l.flight = s.flight)"
    )
    op.drop_constraint("test_bed_scripts_pkey", "test_bed_scripts", schema="testbed")
    op.create_primary_key("test_bed_scripts_pkey", "test_bed_scripts", ["flight", "script_id"], schema="testbed")
    for column in ("tdsp_types", "runs_for", "pack_version"):
        op.drop_column("test_bed_scripts", column, schema="testbed")
