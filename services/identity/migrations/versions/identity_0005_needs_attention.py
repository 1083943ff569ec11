"""identity: items whose flow needs attention from ERCOT's operators (a step that failed for good)

Revision ID: identity_0005
Revises: identity_0004
"""

from alembic import op

from flightrak import needs_attention

revision = "identity_0005"
down_revision = "identity_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    needs_attention.create_table(op, "identity")


def downgrade() -> None:
    needs_attention.drop_table(op, "identity")
