"""audit subjects in one form, kind:id: a listing's office, a separate event's report, a refused sender

Until now `reports.exported` named a listing's scope by its region code ("63.71") but an export's by the office
("office:3"); `rawan.separate_event` named a report by its number where `report.status` wrote "report:12";
`sender.refused` kept the sender in its detail where `invite.refused` made it the subject ("sender:<tag>").

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

audit_log = sa.table(
    'audit_log', sa.column('id', sa.Integer()), sa.column('action', sa.String()), sa.column('subject', sa.String()),
    sa.column('detail', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')),
)
offices = sa.table('offices', sa.column('id', sa.Integer()), sa.column('region_code', sa.String()))
reports = sa.table('incident_reports', sa.column('id', sa.Integer()), sa.column('number', sa.String()))


def _as_text(column):
    return sa.cast(column, sa.String())


def upgrade() -> None:
    exported = sa.and_(audit_log.c.action == 'reports.exported', audit_log.c.subject.not_like('%:%'))
    office_id = sa.select(_as_text(offices.c.id)).where(offices.c.region_code == audit_log.c.subject).scalar_subquery()
    op.execute(audit_log.update().where(exported, office_id.is_not(None)).values(subject='office:' + office_id))
    # A scope without an office of its own (a kabupaten listed through its province office).
    op.execute(audit_log.update().where(exported).values(subject='region:' + audit_log.c.subject))

    report_id = sa.select(_as_text(reports.c.id)).where(reports.c.number == audit_log.c.subject).scalar_subquery()
    op.execute(audit_log.update()
               .where(audit_log.c.action == 'rawan.separate_event', audit_log.c.subject.not_like('report:%'),
                      report_id.is_not(None))
               .values(subject='report:' + report_id))

    connection = op.get_bind()
    refused = connection.execute(sa.select(audit_log.c.id, audit_log.c.detail).where(
        audit_log.c.action == 'sender.refused', audit_log.c.subject.is_(None))).all()
    for entry_id, detail in refused:
        detail = dict(detail)
        sender = detail.pop('sender', None)
        if sender is not None:
            connection.execute(audit_log.update().where(audit_log.c.id == entry_id)
                               .values(subject=f'sender:{sender}', detail=detail))


def downgrade() -> None:
    connection = op.get_bind()
    # A listing's entry has no dates; an export's (from `siaga export`) always named its office this way.
    listed = connection.execute(sa.select(audit_log.c.id, audit_log.c.subject, audit_log.c.detail).where(
        audit_log.c.action == 'reports.exported')).all()
    codes = dict(connection.execute(sa.select(offices.c.id, offices.c.region_code)).all())
    for entry_id, subject, detail in listed:
        kind, _, ref = (subject or '').partition(':')
        if 'date_from' in detail or kind not in ('office', 'region'):
            continue
        code = codes.get(int(ref)) if kind == 'office' else ref
        if code is not None:
            connection.execute(audit_log.update().where(audit_log.c.id == entry_id).values(subject=code))

    number = (sa.select(reports.c.number)
              .where(_as_text(reports.c.id) == sa.func.substr(audit_log.c.subject, len('report:') + 1))
              .scalar_subquery())
    op.execute(audit_log.update()
               .where(audit_log.c.action == 'rawan.separate_event', audit_log.c.subject.like('report:%'),
                      number.is_not(None))
               .values(subject=number))

    senders = connection.execute(sa.select(audit_log.c.id, audit_log.c.subject, audit_log.c.detail).where(
        audit_log.c.action == 'sender.refused', audit_log.c.subject.like('sender:%'))).all()
    for entry_id, subject, detail in senders:
        connection.execute(audit_log.update().where(audit_log.c.id == entry_id)
                           .values(subject=None, detail={**detail, 'sender': subject.removeprefix('sender:')}))
