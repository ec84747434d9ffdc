"""peta rawan: monthly report day per office, separate-event flag and kecamatan/time index on reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.add_column(sa.Column('rawan_report_day', sa.Integer(), server_default='1', nullable=True))
        batch.add_column(sa.Column('rawan_report_sent', sa.String(length=7), nullable=True))
    with op.batch_alter_table('incident_reports') as batch:
        batch.add_column(sa.Column('separate_event', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_incident_reports_kecamatan_occurred', 'incident_reports',
                    ['kecamatan_code', 'occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_incident_reports_kecamatan_occurred', table_name='incident_reports')
    with op.batch_alter_table('incident_reports') as batch:
        batch.drop_column('separate_event')
    with op.batch_alter_table('offices') as batch:
        batch.drop_column('rawan_report_sent')
        batch.drop_column('rawan_report_day')
