"""registration: items whose flow needs attention from ERCOT's operators (a step that failed for good)

Revision ID: registration_0004
Revises: registration_0003
"""

from alembic import op

from flightrak import needs_attention

revision = "registration_0004"
down_revision = "registration_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    needs_attention.create_table(op, "registration")


def downgrade() -> None:
    needs_attention.drop_table(op, "registration")
