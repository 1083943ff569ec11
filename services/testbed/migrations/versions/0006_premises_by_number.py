"""testbed: a test-bed script may name its premises, and each row of a test bed says which of its script's
premises it is (1 for every row kept before: one-premise scripts, and the first of a two-premise one).

Revision ID: testbed_0006
Revises: testbed_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "testbed_0006"
down_revision = "testbed_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "test_bed_scripts",
        sa.Column("premise_names", sa.ARRAY(sa.String(length=40)), server_default="{}", nullable=False),
        schema="testbed",
    )
    op.add_column(
        "test_bed_rows", sa.Column("premise", sa.SmallInteger(), server_default="1", nullable=False), schema="testbed"
    )
    # The default list's move-out-and-move-in script names its two premises, as the catalog now does.
    op.execute(
        "UPDATE testbed.test_bed_scripts SET premise_names = '{Move-out premise,Move-in premise}' "
        "WHERE pack_version = 0 AND script_id = 'MVO-MVI01' AND premises = 2"
    )


def downgrade() -> None:
    op.drop_column("test_bed_rows", "premise", schema="testbed")
    op.drop_column("test_bed_scripts", "premise_names", schema="testbed")
