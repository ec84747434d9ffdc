"""digest and peta rawan at scale: indexes on report and event time, on `baru` reports, on a reporter by time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BARU = sa.text("status = 'baru'")


def upgrade() -> None:
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.create_index('ix_incident_reports_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_incident_reports_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index('ix_incident_reports_baru_created', ['created_at'], unique=False,
                              postgresql_where=BARU, sqlite_where=BARU)
        # Replaces the index on reporter_id alone: the same lookups, and a day of one officer's reports.
        batch_op.create_index('ix_incident_reports_reporter_created', ['reporter_id', 'created_at'], unique=False)
        batch_op.drop_index('ix_incident_reports_reporter_id')


def downgrade() -> None:
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.create_index('ix_incident_reports_reporter_id', ['reporter_id'], unique=False)
        batch_op.drop_index('ix_incident_reports_reporter_created')
        batch_op.drop_index('ix_incident_reports_baru_created')
        batch_op.drop_index('ix_incident_reports_occurred_at')
        batch_op.drop_index('ix_incident_reports_created_at')
