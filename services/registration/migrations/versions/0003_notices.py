"""market notices: notices, their numbers, recipients and acknowledgements, reads, mail and subscriptions

Revision ID: registration_0003
Revises: registration_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'registration_0003'
down_revision = 'registration_0002'
branch_labels = None
depends_on = None

S = 'registration'


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('item_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('notice_id', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('notice_date', sa.Date(), nullable=True),
    sa.Column('notice_type', sa.String(length=40), nullable=False),
    sa.Column('short_description', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('days_affected', postgresql.ARRAY(sa.Date()), nullable=False),
    sa.Column('long_description', sa.Text(), nullable=False),
    sa.Column('action_required', sa.Text(), nullable=False),
    sa.Column('additional_information', sa.Text(), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('flight', sa.String(length=4), nullable=False),
    sa.Column('reissue_of', sa.String(length=20), nullable=False),
    sa.Column('reissue_of_item_id', sa.BigInteger(), nullable=True),
    sa.Column('superseded_by', sa.String(length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('item_id'),
    sa.UniqueConstraint('notice_id'),
    schema=S
    )
    op.create_index('ix_registration_notices_state', 'notices', ['state'], schema=S)
    op.create_index('ix_registration_notices_flight', 'notices', ['flight'], schema=S)
    op.create_index('ix_registration_notices_reissue_of_item_id', 'notices', ['reissue_of_item_id'], schema=S)
    op.create_index('ix_registration_notices_published_at', 'notices', ['published_at'], schema=S)
    op.create_table('notice_numbers',
    sa.Column('notice_id', sa.String(length=20), nullable=False),
    sa.Column('stem', sa.String(length=16), nullable=False),
    sa.Column('suffix', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('notice_id'),
    sa.UniqueConstraint('item_id'),
    schema=S
    )
    op.create_index('ix_registration_notice_numbers_stem', 'notice_numbers', ['stem'], schema=S)
    op.create_table('notice_recipients',
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('company_kind', sa.String(length=8), nullable=False),
    sa.Column('lists', postgresql.ARRAY(sa.String(length=254)), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('item_id', 'company_duns'),
    schema=S
    )
    op.create_index('ix_registration_notice_recipients_company_duns', 'notice_recipients', ['company_duns'], schema=S)
    op.create_table('notice_reads',
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('item_id', 'user_id'),
    schema=S
    )
    op.create_index('ix_registration_notice_reads_user_id', 'notice_reads', ['user_id'], schema=S)
    op.create_table('notice_mail',
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('round', sa.String(length=16), nullable=False),
    sa.Column('list_email', sa.String(length=254), nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('item_id', 'round', 'list_email'),
    schema=S
    )
    op.create_index('ix_registration_notice_mail_status', 'notice_mail', ['status'], schema=S)
    op.create_table('notice_subscriptions',
    sa.Column('list_email', sa.String(length=254), nullable=False),
    sa.Column('notice_type', sa.String(length=40), nullable=False),
    sa.Column('company_duns', sa.String(length=13), nullable=False),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('list_email', 'notice_type'),
    schema=S
    )
    op.create_index(
        'ix_registration_notice_subscriptions_company_duns', 'notice_subscriptions', ['company_duns'], schema=S
    )


def downgrade() -> None:
    for table in ('notice_subscriptions', 'notice_mail', 'notice_reads', 'notice_recipients', 'notice_numbers',
                  'notices'):
        op.drop_table(table, schema=S)
