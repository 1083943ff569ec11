"""scripts: a transaction ERCOT attached to a script issue by hand keeps ERCOT's comment and when

Revision ID: scripts_0005
Revises: scripts_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "scripts_0005"
down_revision = "scripts_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "transactions", sa.Column("attached_comment", sa.Text(), server_default="", nullable=False), schema="scripts"
    )
    op.add_column("transactions", sa.Column("attached_at", sa.DateTime(timezone=True)), schema="scripts")


def downgrade() -> None:
    op.drop_column("transactions", "attached_at", schema="scripts")
    op.drop_column("transactions", "attached_comment", schema="scripts")
