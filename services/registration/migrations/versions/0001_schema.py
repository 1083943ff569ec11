"""The registration schema (created by env.py); tables arrive with the service's flows.

Revision ID: registration_0001
Revises:
"""

revision = "registration_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
