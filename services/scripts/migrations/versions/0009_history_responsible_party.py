"""scripts: each history row keeps whose task the step left the item, for the flight analytics' time per party

Rows written before it say '' (nobody recorded): the analytics name them "Not recorded".

Revision ID: scripts_0009
Revises: scripts_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "scripts_0009"
down_revision = "scripts_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "item_history",
        sa.Column("responsible_party", sa.String(length=64), server_default="", nullable=False),
        schema="scripts",
    )


def downgrade() -> None:
    op.drop_column("item_history", "responsible_party", schema="scripts")
