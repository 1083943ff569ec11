"""The testbed schema (created by env.py); tables arrive with the service's flows.

Revision ID: testbed_0001
Revises:
"""

revision = "testbed_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
