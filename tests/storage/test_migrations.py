"""Upgrade from empty == the models' metadata, and data migrations both ways, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from storage import migrations
from storage.db import make_engine
from storage.models import AuditLog, Base


def test_upgrade_from_empty_matches_the_models_and_is_idempotent(database_factory):
    engine = make_engine(database_factory())
    assert migrations.current_revision(engine) is None
    assert migrations.upgrade(engine) is True
    assert migrations.current_revision(engine) == migrations.head_revision(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert migrations.table_names(engine) >= set(Base.metadata.tables)
    assert migrations.upgrade(engine) is False
    engine.dispose()


def _revision_before_audit_subjects(engine) -> str:
    script = ScriptDirectory.from_config(migrations.alembic_config(engine))
    (revision,) = [r for r in script.walk_revisions() if (r.doc or "").startswith("audit subjects in one form")]
    return revision.down_revision


def test_audit_subjects_written_two_ways_take_one_form_and_come_back_on_downgrade(database_factory):
    from bot.app import initialise
    from storage import audit
    from tests.conftest import FROZEN_NOW, add_officer
    from tests.support.reports import add_report

    engine = initialise(database_factory()).engine
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:
        officer = add_officer(s, "officer-1")
        report = add_report(s, officer, "KJD-6371-2026-000001", "63.71.04", "hoaks", "rendah", FROZEN_NOW)
        old = [("reports.exported", "63.71", {"format": "csv", "count": 1}),
               ("reports.exported", "63", {"format": "json", "count": 1}),
               ("reports.exported", f"office:{officer.office_id}", {"format": "csv", "count": 1,
                                                                     "date_from": "2026-11-01"}),
               ("rawan.separate_event", report.number, {"separate": True}),
               ("sender.refused", None, {"channel": "console", "sender": "0123456789ab"})]
        for action, subject, detail in old:
            audit.add_audit(s, FROZEN_NOW, action, subject=subject, **detail)
        office_id, report_id = officer.office_id, report.id

    def entries():
        with sessions.begin() as s:
            return [(e.action, e.subject, e.detail) for e in s.scalars(select(AuditLog).order_by(AuditLog.id))]

    config = migrations.alembic_config(engine)
    before = _revision_before_audit_subjects(engine)
    command.downgrade(config, before)  # the rows above are in the old forms: nothing to undo
    assert entries() == old
    command.upgrade(config, "head")
    assert entries() == [
        ("reports.exported", f"office:{office_id}", {"format": "csv", "count": 1}),
        ("reports.exported", "region:63", {"format": "json", "count": 1}),
        old[2],
        ("rawan.separate_event", f"report:{report_id}", {"separate": True}),
        ("sender.refused", "sender:0123456789ab", {"channel": "console"}),
    ]
    command.downgrade(config, before)
    assert entries() == old
    command.upgrade(config, "head")
    engine.dispose()


def test_once_a_day_runs_and_the_month_last_reported_become_office_daily_runs_and_come_back(database_factory):
    import sqlalchemy as sa

    from bot.app import initialise
    from handlers import rawan
    from handlers.daily import due_offices
    from handlers.digest import DIGEST_DAILY
    from storage.models import Office, OfficeDailyRun
    from tests.conftest import FROZEN_NOW, add_office

    engine = initialise(database_factory()).engine
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:
        office_id = add_office(s).id
        s.get(Office, office_id).created_at = FROZEN_NOW.replace(month=1)
    config = migrations.alembic_config(engine)
    command.downgrade(config, "0015")
    scheduled = sa.table("scheduled_runs", sa.column("key", sa.String()), sa.column("at", sa.DateTime(timezone=True)))
    at = FROZEN_NOW
    old_keys = [f"digest:{office_id}:2026-11-24", f"checkin:{office_id}:2026-11-23"]
    with engine.begin() as c:
        c.execute(scheduled.insert(), [{"key": k, "at": at} for k in [*old_keys, "digest:999:2026-11-24"]])
        c.execute(sa.text("UPDATE offices SET rawan_report_sent = '2026-11' WHERE id = :id"), {"id": office_id})
    command.upgrade(config, "head")
    with sessions.begin() as s:
        rows = {(r.job, r.office_id, r.local_date.isoformat()) for r in s.scalars(select(OfficeDailyRun))}
        assert rows == {("digest", office_id, "2026-11-24"), ("checkin", office_id, "2026-11-23"),
                        ("rawan-report", office_id, "2026-12-01")}
        # Nothing already sent goes again on the upgrade day: not the digest, not November's report in December.
        office = s.get(Office, office_id)
        assert due_offices(s, DIGEST_DAILY, [office], datetime(2026, 11, 24, 1, 0, tzinfo=UTC)) == []
        office.rawan_report_day = 2
        assert [e for e in rawan.monthly_reports(s, datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
                if e.key.startswith(f"rawan-report:{office_id}:")] == []
    command.downgrade(config, "0015")
    with engine.begin() as c:
        assert sorted(c.execute(sa.select(scheduled.c.key)).scalars()) == sorted(old_keys)
        assert c.execute(sa.text("SELECT rawan_report_sent FROM offices WHERE id = :id"),
                         {"id": office_id}).scalar() == "2026-11"
    command.upgrade(config, "head")
    engine.dispose()
