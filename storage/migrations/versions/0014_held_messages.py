"""held messages (what a WhatsApp contact could not read in full waits for them to write again); a rakor's
time before its last move

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_messages_channel_address_held_at', ['channel', 'address', 'held_at'],
                              unique=False)
    with op.batch_alter_table('rakors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_from', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rakors', schema=None) as batch_op:
        batch_op.drop_column('moved_from')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_channel_address_held_at')
        batch_op.drop_column('held_at')
