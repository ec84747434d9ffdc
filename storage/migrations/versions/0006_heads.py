"""heads of office: alert categories, check-in hour, holiday digest, status changes, nihil, scheduled runs

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_STATUS = sa.Enum('baru', 'terverifikasi', 'ditangani', 'selesai', 'ditolak', name='reportstatus',
                  native_enum=False, length=20)


def upgrade() -> None:
    # Server defaults fill the rows that exist already; the models set the same values on insert.
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_categories', _JSON, nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('checkin_time', sa.Time(), nullable=False, server_default='16:00:00'))
        batch_op.add_column(sa.Column('digest_on_holidays', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkins_paused_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('from_status', _STATUS, nullable=False),
    sa.Column('to_status', _STATUS, nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['officers.id'], name=op.f('fk_status_changes_actor_id_officers')),
    sa.ForeignKeyConstraint(['report_id'], ['incident_reports.id'],
                            name=op.f('fk_status_changes_report_id_incident_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_changes'))
    )
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_changes_report_id'), ['report_id'], unique=False)

    op.create_table('nihil_checkins',
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_nihil_checkins_officer_id_officers')),
    sa.PrimaryKeyConstraint('officer_id', 'day', name=op.f('pk_nihil_checkins'))
    )
    op.create_table('scheduled_runs',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_scheduled_runs'))
    )


def downgrade() -> None:
    op.drop_table('scheduled_runs')
    op.drop_table('nihil_checkins')
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_changes_report_id'))
    op.drop_table('status_changes')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_column('checkins_paused_until')
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('digest_on_holidays')
        batch_op.drop_column('checkin_time')
        batch_op.drop_column('alert_categories')
