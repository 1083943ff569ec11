"""testbed: items whose flow needs attention from ERCOT's operators (a step that failed for good)

Revision ID: testbed_0005
Revises: testbed_0004
"""

from alembic import op

from flightrak import needs_attention

revision = "testbed_0005"
down_revision = "testbed_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    needs_attention.create_table(op, "testbed")


def downgrade() -> None:
    needs_attention.drop_table(op, "testbed")
