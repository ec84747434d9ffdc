"""outbox: a partial index of the open rows, for the claim of each chat's first message

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OPEN_ROWS = "status IN ('pending', 'sending')"


def upgrade() -> None:
    op.create_index('ix_outbox_messages_open', 'outbox_messages', ['channel', 'address', 'id'],
                    postgresql_where=sa.text(OPEN_ROWS), sqlite_where=sa.text(OPEN_ROWS))


def downgrade() -> None:
    op.drop_index('ix_outbox_messages_open', table_name='outbox_messages')
