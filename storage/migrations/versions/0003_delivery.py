"""delivery: message kind, expiry and claims in the outbox; conversations the system starts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='reply', nullable=False))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('possible_duplicates', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reasked_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('flow_starts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'started', 'expired', name='flowstartstatus', native_enum=False, length=20), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_flow_starts_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_starts')),
    sa.UniqueConstraint('key', name=op.f('uq_flow_starts_key'))
    )
    with op.batch_alter_table('flow_starts', schema=None) as batch_op:
        batch_op.create_index('ix_flow_starts_officer_id_status', ['officer_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('flow_starts', schema=None) as batch_op:
        batch_op.drop_index('ix_flow_starts_officer_id_status')
    op.drop_table('flow_starts')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('reasked_at')
        batch_op.drop_column('possible_duplicates')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('kind')
