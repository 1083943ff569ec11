"""scripts: items whose flow needs attention from ERCOT's operators (a step that failed for good)

Revision ID: scripts_0006
Revises: scripts_0005
"""

from alembic import op

from flightrak import needs_attention

revision = "scripts_0006"
down_revision = "scripts_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    needs_attention.create_table(op, "scripts")


def downgrade() -> None:
    needs_attention.drop_table(op, "scripts")
