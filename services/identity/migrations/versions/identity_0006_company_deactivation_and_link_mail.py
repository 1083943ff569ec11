"""identity: who deactivated a company and when; a set-password link's mail waiting to be sent

Revision ID: identity_0006
Revises: identity_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "identity_0006"
down_revision = "identity_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("companies", sa.Column("deactivated_at", sa.DateTime(timezone=True)), schema="identity")
    op.add_column(
        "companies",
        sa.Column("deactivated_by", sa.BigInteger(), sa.ForeignKey("identity.users.id")),
        schema="identity",
    )
    # The link's token sealed with a key derived from the token secret, kept only until the mail is sent.
    op.add_column("invitations", sa.Column("mail_sealed", sa.Text()), schema="identity")
    op.add_column("invitations", sa.Column("mail_due_at", sa.DateTime(timezone=True)), schema="identity")
    op.add_column("invitations", sa.Column("mail_attempts", sa.Integer(), server_default="0"), schema="identity")
    op.add_column("invitations", sa.Column("mail_error", sa.Text()), schema="identity")
    op.add_column("invitations", sa.Column("mailed_at", sa.DateTime(timezone=True)), schema="identity")
    op.create_index(
        "ix_invitations_mail_waiting",
        "invitations",
        ["mail_due_at"],
        schema="identity",
        postgresql_where=sa.text("mail_sealed IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_mail_waiting", table_name="invitations", schema="identity")
    for column in ("mailed_at", "mail_error", "mail_attempts", "mail_due_at", "mail_sealed"):
        op.drop_column("invitations", column, schema="identity")
    op.drop_column("companies", "deactivated_by", schema="identity")
    op.drop_column("companies", "deactivated_at", schema="identity")
