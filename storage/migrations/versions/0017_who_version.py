"""who-is-who version: a row that triggers move on at every change to officers, offices, regions and identities

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# What a turn's who-is-who is made of. A chat identity's `last_inbound_at` moves on every message and
# is read afresh by each turn, so only its link (officer, channel, address) counts as a change.
WATCHED = {
    'officers': None,
    'officer_kecamatan': None,
    'offices': None,
    'regions': None,
    'channel_identities': 'officer_id, channel, address',
}
BUMP = 'UPDATE who_version SET version = version + 1 WHERE id = 1'


def upgrade() -> None:
    op.create_table(
        'who_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_who_version')),
    )
    op.execute('INSERT INTO who_version (id, version) VALUES (1, 0)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'CREATE FUNCTION who_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {BUMP}; '
                   'RETURN NULL; END $$')
        for table, columns in WATCHED.items():
            update = f'UPDATE OF {columns}' if columns else 'UPDATE'
            # At the statement, not deferred to the commit: a transaction sees its own change in the version
            # (the test suite's transactions never commit). Two transactions that each change who-is-who
            # twice can deadlock on the row; PostgreSQL then aborts one, and a turn runs again.
            op.execute(f'CREATE TRIGGER who_changed_{table} AFTER INSERT OR DELETE OR {update} '
                       f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION who_changed()')
        return
    for table, columns in WATCHED.items():
        for event in ('INSERT', 'DELETE', f'UPDATE OF {columns}' if columns else 'UPDATE'):
            name = f'who_changed_{table}_{event.split()[0].lower()}'
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in WATCHED:
            op.execute(f'DROP TRIGGER who_changed_{table} ON {table}')
        op.execute('DROP FUNCTION who_changed()')
    else:
        for table in WATCHED:
            for event in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER who_changed_{table}_{event}')
    op.drop_table('who_version')
