"""Nihil check-ins, paused check-ins, and officers who filed nothing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from storage._sql import insert_ignore
from storage.models import ChannelIdentity, IncidentReport, NihilCheckin, Office, Officer, Role


def add_nihil(session: Session, officer_id: int, day: date, now: datetime) -> bool:
    """Store an officer's nihil for a day; False when it was stored before."""
    return insert_ignore(session, NihilCheckin, officer_id=officer_id, day=day, at=now) is not None


def pause_checkins(session: Session, officer: Officer, until: datetime | None) -> None:
    """Pause an officer's check-ins until a moment, or resume them (None)."""
    officer.checkins_paused_until = until
    session.flush()


def filed_nothing(officer_id_col, start: datetime, end: datetime, day: date):  # type: ignore[no-untyped-def]
    """Return the condition "this officer filed no report in [start, end) and no nihil for `day`"."""
    return and_(
        ~exists().where(IncidentReport.reporter_id == officer_id_col, IncidentReport.created_at >= start,
                        IncidentReport.created_at < end),
        ~exists().where(NihilCheckin.officer_id == officer_id_col, NihilCheckin.day == day),
    )


def list_silent_officers(
    session: Session, office_id: int, start: datetime, end: datetime, day: date, *, reachable: bool = False,
    joined_before: datetime | None = None,
) -> list[Officer]:
    """Return the active field officers of an office who filed nothing and no nihil for the local day.

    Officers who joined after the day ended or had paused their check-ins over it are left out;
    `reachable` keeps only those with a chat identity (the check-in needs somewhere to go).
    """
    stmt = (
        select(Officer)
        .where(Officer.office_id == office_id, Officer.role == Role.OFFICER, Officer.active.is_(True),
               Officer.created_at < (joined_before or end),
               or_(Officer.checkins_paused_until.is_(None), Officer.checkins_paused_until <= start),
               filed_nothing(Officer.id, start, end, day))
        .order_by(Officer.name, Officer.id)
    )
    if reachable:
        stmt = stmt.where(exists().where(ChannelIdentity.officer_id == Officer.id))
    return list(session.scalars(stmt))


def list_silent_offices(session: Session, province_code: str, start: datetime, end: datetime,
                        day: date) -> list[Office]:
    """Return the kabupaten/kota offices of a province from which nobody filed a report or a nihil that day."""
    any_report = exists().where(IncidentReport.office_id == Office.id, IncidentReport.created_at >= start,
                                IncidentReport.created_at < end)
    any_nihil = exists().where(NihilCheckin.officer_id == Officer.id, Officer.office_id == Office.id,
                               NihilCheckin.day == day)
    stmt = (select(Office).where(Office.region_code.startswith(province_code + "."), Office.created_at < end,
                                 ~any_report, ~any_nihil)
            .order_by(Office.region_code))
    return list(session.scalars(stmt))
