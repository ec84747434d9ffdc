"""Incident categories, reports, their numbers and attachments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage._sql import insert_ignore
from storage.models import Attachment, IncidentCategory, IncidentReport, Office, ReportCounter


def list_categories(session: Session) -> list[IncidentCategory]:
    """Return the active incident categories in display order."""
    return list(
        session.scalars(
            select(IncidentCategory).where(IncidentCategory.active.is_(True))
            .order_by(IncidentCategory.position, IncidentCategory.id)
        )
    )


def get_category(session: Session, category_id: int) -> IncidentCategory | None:
    """Return one category."""
    return session.get(IncidentCategory, category_id)


def next_report_sequence(session: Session, office_id: int, year: int) -> int:
    """Hand out the next report sequence number of an office for a year (row-locked until commit)."""
    insert_ignore(session, ReportCounter, office_id=office_id, year=year, last=0)
    return session.execute(
        update(ReportCounter)
        .where(ReportCounter.office_id == office_id, ReportCounter.year == year)
        .values(last=ReportCounter.last + 1)
        .returning(ReportCounter.last)
    ).scalar_one()


def add_report(session: Session, attachments: Sequence[dict[str, Any]] = (), **fields: Any) -> IncidentReport:
    """Store a report and its attachments."""
    report = IncidentReport(**fields)
    report.attachments = [Attachment(created_at=fields["created_at"], **a) for a in attachments]
    session.add(report)
    session.flush()
    return report


def list_reports(
    session: Session, *, region_code: str | None = None, reporter_id: int | None = None,
    limit: int | None = None,
) -> list[IncidentReport]:
    """Return reports newest first; a region sees its own offices' reports and those of offices below it."""
    stmt = select(IncidentReport).order_by(IncidentReport.created_at.desc(), IncidentReport.id.desc())
    if region_code is not None:
        below = select(Office.id).where(
            (Office.region_code == region_code) | Office.region_code.startswith(region_code + ".")
        )
        stmt = stmt.where(IncidentReport.office_id.in_(below))
    if reporter_id is not None:
        stmt = stmt.where(IncidentReport.reporter_id == reporter_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_reports(session: Session) -> int:
    """Count stored reports."""
    return session.scalar(select(func.count()).select_from(IncidentReport)) or 0
