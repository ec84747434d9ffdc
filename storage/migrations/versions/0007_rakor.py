"""rakor meetings, invitees, minutes and agreements; guests' institution; per-office reminder offsets

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rakor_counters',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_rakor_counters_office_id_offices')),
    sa.PrimaryKeyConstraint('office_id', 'year', name=op.f('pk_rakor_counters'))
    )
    op.create_table('rakors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('agenda', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'cancelled', name='rakorstatus', native_enum=False, length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminders', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['officers.id'], name=op.f('fk_rakors_created_by_officers')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_rakors_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rakors'))
    )
    with op.batch_alter_table('rakors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rakors_office_id'), ['office_id'], unique=False)
        batch_op.create_index('ix_rakors_status_starts_at', ['status', 'starts_at'], unique=False)

    op.create_table('rakor_invitees',
    sa.Column('rakor_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('rsvp', sa.Enum('hadir', 'tidak_hadir', 'diwakilkan', name='rsvp', native_enum=False, length=20), nullable=True),
    sa.Column('deputy', sa.String(length=200), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('told_version', sa.Integer(), nullable=False),
    sa.Column('reminded', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_rakor_invitees_officer_id_officers')),
    sa.ForeignKeyConstraint(['rakor_id'], ['rakors.id'], name=op.f('fk_rakor_invitees_rakor_id_rakors')),
    sa.PrimaryKeyConstraint('rakor_id', 'officer_id', name=op.f('pk_rakor_invitees'))
    )
    with op.batch_alter_table('rakor_invitees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rakor_invitees_officer_id'), ['officer_id'], unique=False)

    op.create_table('rakor_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('rakor_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendance', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_rakor_reports_office_id_offices')),
    sa.ForeignKeyConstraint(['rakor_id'], ['rakors.id'], name=op.f('fk_rakor_reports_rakor_id_rakors')),
    sa.ForeignKeyConstraint(['reporter_id'], ['officers.id'], name=op.f('fk_rakor_reports_reporter_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rakor_reports')),
    sa.UniqueConstraint('number', name=op.f('uq_rakor_reports_number'))
    )
    with op.batch_alter_table('rakor_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rakor_reports_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rakor_reports_rakor_id'), ['rakor_id'], unique=False)

    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_office_id', sa.Integer(), nullable=True),
    sa.Column('owner_officer_id', sa.Integer(), nullable=True),
    sa.Column('owner_institution', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', name='agreementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('progress', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reminded', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_office_id'], ['offices.id'], name=op.f('fk_agreements_owner_office_id_offices')),
    sa.ForeignKeyConstraint(['owner_officer_id'], ['officers.id'], name=op.f('fk_agreements_owner_officer_id_officers')),
    sa.ForeignKeyConstraint(['report_id'], ['rakor_reports.id'], name=op.f('fk_agreements_report_id_rakor_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_owner_office_id'), ['owner_office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_owner_officer_id'), ['owner_officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreements_report_id'), ['report_id'], unique=False)
        batch_op.create_index('ix_agreements_status_due_on', ['status', 'due_on'], unique=False)

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution', sa.String(length=100), nullable=True))

    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution', sa.String(length=100), nullable=True))

    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rakor_reminders', sa.String(length=100), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('rakor_reminders')

    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_column('institution')

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_column('institution')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_status_due_on')
        batch_op.drop_index(batch_op.f('ix_agreements_report_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_owner_officer_id'))
        batch_op.drop_index(batch_op.f('ix_agreements_owner_office_id'))

    op.drop_table('agreements')
    with op.batch_alter_table('rakor_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rakor_reports_rakor_id'))
        batch_op.drop_index(batch_op.f('ix_rakor_reports_office_id'))

    op.drop_table('rakor_reports')
    with op.batch_alter_table('rakor_invitees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rakor_invitees_officer_id'))

    op.drop_table('rakor_invitees')
    with op.batch_alter_table('rakors', schema=None) as batch_op:
        batch_op.drop_index('ix_rakors_status_starts_at')
        batch_op.drop_index(batch_op.f('ix_rakors_office_id'))

    op.drop_table('rakors')
    op.drop_table('rakor_counters')
