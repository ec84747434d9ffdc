"""one record of once-a-day runs per office: office_daily_runs(job, office_id, local_date)

The digest and the check-in claimed a `scheduled_runs` row keyed "digest:{office_id}:{date}"; the monthly peta
rawan report kept the last month sent in `offices.rawan_report_sent`. Both become rows of one typed table, so
nothing already sent is sent again on the upgrade day: a monthly report run stands for the first day of the
month it was sent in (the month after the one it reports).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

DAILY_JOBS = ('digest', 'checkin')
MONTHLY_JOB = 'rawan-report'
BATCH = 1000

runs = sa.table('office_daily_runs', sa.column('job', sa.String()), sa.column('office_id', sa.Integer()),
                sa.column('local_date', sa.Date()), sa.column('at', sa.DateTime(timezone=True)))
scheduled = sa.table('scheduled_runs', sa.column('key', sa.String()), sa.column('at', sa.DateTime(timezone=True)))
offices = sa.table('offices', sa.column('id', sa.Integer()), sa.column('rawan_report_sent', sa.String()))


def _insert(connection, table, rows) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(table.insert(), rows[start:start + BATCH])


def _month_after(month: str) -> date:
    first = date.fromisoformat(f'{month}-01')
    return (first + timedelta(days=31)).replace(day=1)


def upgrade() -> None:
    op.create_table(
        'office_daily_runs',
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_office_daily_runs_office_id_offices')),
        sa.PrimaryKeyConstraint('job', 'office_id', 'local_date', name=op.f('pk_office_daily_runs')),
    )
    connection = op.get_bind()
    known = set(connection.execute(sa.select(offices.c.id)).scalars())
    rows = []
    for key, at in connection.execute(sa.select(scheduled.c.key, scheduled.c.at)).all():
        job, office_id, day = key.split(':')
        if job in DAILY_JOBS and int(office_id) in known:
            rows.append({'job': job, 'office_id': int(office_id), 'local_date': date.fromisoformat(day), 'at': at})
    # When a month's report went out was not kept: the start of its run's day stands for it.
    for office_id, month in connection.execute(
            sa.select(offices.c.id, offices.c.rawan_report_sent).where(offices.c.rawan_report_sent.is_not(None))):
        day = _month_after(month)
        rows.append({'job': MONTHLY_JOB, 'office_id': office_id, 'local_date': day,
                     'at': datetime.combine(day, time(0), UTC)})
    _insert(connection, runs, rows)
    op.drop_table('scheduled_runs')
    # Not a batch (a copy of `offices`, which SQLite's foreign keys forbid dropping): both databases drop a
    # plain column in place (SQLite since 3.35, which RETURNING needs already).
    op.execute('ALTER TABLE offices DROP COLUMN rawan_report_sent')


def downgrade() -> None:
    op.add_column('offices', sa.Column('rawan_report_sent', sa.String(length=7), nullable=True))
    op.create_table(
        'scheduled_runs',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_scheduled_runs')),
    )
    connection = op.get_bind()
    rows = []
    last_month: dict[int, date] = {}
    for job, office_id, day, at in connection.execute(
            sa.select(runs.c.job, runs.c.office_id, runs.c.local_date, runs.c.at)).all():
        if job in DAILY_JOBS:
            rows.append({'key': f'{job}:{office_id}:{day.isoformat()}', 'at': at})
        elif job == MONTHLY_JOB:
            last_month[office_id] = max(day, last_month.get(office_id, day))
    _insert(connection, scheduled, rows)
    for office_id, day in last_month.items():
        sent = f'{day - timedelta(days=1):%Y-%m}'
        connection.execute(offices.update().where(offices.c.id == office_id).values(rawan_report_sent=sent))
    op.drop_table('office_daily_runs')
