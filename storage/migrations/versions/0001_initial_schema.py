"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('flow', sa.String(length=40), nullable=True),
    sa.Column('step', sa.String(length=40), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('channel', 'address', name=op.f('uq_conversations_channel_address'))
    )
    op.create_table('inbound_messages',
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'message_id', name=op.f('pk_inbound_messages'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_received_at'), ['received_at'], unique=False)

    op.create_table('incident_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_id', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_incident_categories_code'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('level', sa.Enum('province', 'regency', 'district', name='regionlevel', native_enum=False, length=20), nullable=False),
    sa.Column('parent_code', sa.String(length=13), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('tz', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.code'], name=op.f('fk_regions_parent_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_parent_code'), ['parent_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_regions_province_code'), ['province_code'], unique=False)

    op.create_table('offices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tz', sa.String(length=40), nullable=False),
    sa.Column('digest_time', sa.Time(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_offices_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offices')),
    sa.UniqueConstraint('region_code', name=op.f('uq_offices_region_code'))
    )
    op.create_table('officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('officer', 'head', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_officers_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officers'))
    )
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officers_office_id'), ['office_id'], unique=False)

    op.create_table('report_counters',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_report_counters_office_id_offices')),
    sa.PrimaryKeyConstraint('office_id', 'year', name=op.f('pk_report_counters'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['officers.id'], name=op.f('fk_audit_log_actor_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('channel_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_channel_identities_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_identities')),
    sa.UniqueConstraint('channel', 'address', name=op.f('uq_channel_identities_channel_address'))
    )
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_identities_officer_id'), ['officer_id'], unique=False)

    op.create_table('incident_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('kecamatan_code', sa.String(length=13), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('actors', sa.Text(), nullable=False),
    sa.Column('crowd_size', sa.Integer(), nullable=True),
    sa.Column('severity', sa.Enum('rendah', 'sedang', 'tinggi', name='severity', native_enum=False, length=20), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('baru', 'terverifikasi', 'ditangani', 'selesai', 'ditolak', name='reportstatus', native_enum=False, length=20), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['incident_categories.id'], name=op.f('fk_incident_reports_category_id_incident_categories')),
    sa.ForeignKeyConstraint(['kecamatan_code'], ['regions.code'], name=op.f('fk_incident_reports_kecamatan_code_regions')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_incident_reports_office_id_offices')),
    sa.ForeignKeyConstraint(['reporter_id'], ['officers.id'], name=op.f('fk_incident_reports_reporter_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reports')),
    sa.UniqueConstraint('number', name=op.f('uq_incident_reports_number'))
    )
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_reports_kecamatan_code'), ['kecamatan_code'], unique=False)
        batch_op.create_index('ix_incident_reports_office_created', ['office_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_reporter_id'), ['reporter_id'], unique=False)

    op.create_table('invites',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('officer', 'head', 'admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('kecamatan', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_invites_office_id_offices')),
    sa.ForeignKeyConstraint(['used_by'], ['officers.id'], name=op.f('fk_invites_used_by_officers')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_invites'))
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invites_office_id'), ['office_id'], unique=False)

    op.create_table('officer_kecamatan',
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_officer_kecamatan_officer_id_officers')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_officer_kecamatan_region_code_regions')),
    sa.PrimaryKeyConstraint('officer_id', 'region_code', name=op.f('pk_officer_kecamatan'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=500), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['incident_reports.id'], name=op.f('fk_attachments_report_id_incident_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_report_id'))

    op.drop_table('attachments')
    op.drop_table('officer_kecamatan')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invites_office_id'))

    op.drop_table('invites')
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_reports_reporter_id'))
        batch_op.drop_index('ix_incident_reports_office_created')
        batch_op.drop_index(batch_op.f('ix_incident_reports_kecamatan_code'))

    op.drop_table('incident_reports')
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_identities_officer_id'))

    op.drop_table('channel_identities')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('report_counters')
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officers_office_id'))

    op.drop_table('officers')
    op.drop_table('offices')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_province_code'))
        batch_op.drop_index(batch_op.f('ix_regions_parent_code'))

    op.drop_table('regions')
    op.drop_table('incident_categories')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_received_at'))

    op.drop_table('inbound_messages')
    op.drop_table('conversations')
