"""scripts: indexes for the task reports at 100,000 script issues: open items by responsible party, and a
flight's issues by Item ID

Revision ID: scripts_0003
Revises: scripts_0002
"""

from alembic import op

revision = "scripts_0003"
down_revision = "scripts_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_scripts_items_open_by_party",
        "items",
        ["responsible_party", "item_id"],
        schema="scripts",
        postgresql_where="NOT closed",
    )
    op.create_index("ix_scripts_script_issues_flight_item", "script_issues", ["flight", "item_id"], schema="scripts")


def downgrade() -> None:
    op.drop_index("ix_scripts_script_issues_flight_item", table_name="script_issues", schema="scripts")
    op.drop_index("ix_scripts_items_open_by_party", table_name="items", schema="scripts")
