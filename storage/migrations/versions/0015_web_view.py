"""web view: one-time sign-in links and browser sessions of heads of office

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_logins',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_web_logins_officer_id_officers')),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_logins')),
    )
    op.create_index(op.f('ix_web_logins_officer_id'), 'web_logins', ['officer_id'], unique=False)
    op.create_table(
        'web_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('flash', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_web_sessions_officer_id_officers')),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions')),
    )
    op.create_index(op.f('ix_web_sessions_officer_id'), 'web_sessions', ['officer_id'], unique=False)
    op.create_index(op.f('ix_web_sessions_expires_at'), 'web_sessions', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_sessions_expires_at'), table_name='web_sessions')
    op.drop_index(op.f('ix_web_sessions_officer_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index(op.f('ix_web_logins_officer_id'), table_name='web_logins')
    op.drop_table('web_logins')
