"""Incident categories, reports, their numbers and attachments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage._sql import next_sequence
from storage.models import (
    Attachment,
    IncidentCategory,
    IncidentReport,
    Office,
    ReportCounter,
    ReportStatus,
    Severity,
    StatusChange,
)


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
    return next_sequence(session, ReportCounter, office_id, year)


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


# -- heads of office: reading within a jurisdiction and verification ---------------------------------


def within(region_code: str) -> Any:
    """Return the condition "the report's kecamatan lies in this region" (a province or a kabupaten/kota)."""
    return IncidentReport.kecamatan_code.startswith(region_code + ".")


def find_reports(
    session: Session, region_code: str, *, kecamatan_code: str | None = None, category_id: int | None = None,
    severity: Severity | None = None, status: ReportStatus | None = None, since: datetime | None = None,
    until: datetime | None = None, limit: int = 10,
) -> list[IncidentReport]:
    """Return the newest reports of a region's kecamatan, narrowed by the given filters."""
    stmt = (select(IncidentReport).where(within(region_code))
            .order_by(IncidentReport.created_at.desc(), IncidentReport.id.desc()).limit(limit))
    if kecamatan_code is not None:
        stmt = stmt.where(IncidentReport.kecamatan_code == kecamatan_code)
    if category_id is not None:
        stmt = stmt.where(IncidentReport.category_id == category_id)
    if severity is not None:
        stmt = stmt.where(IncidentReport.severity == severity)
    if status is not None:
        stmt = stmt.where(IncidentReport.status == status)
    if since is not None:
        stmt = stmt.where(IncidentReport.created_at >= since)
    if until is not None:
        stmt = stmt.where(IncidentReport.created_at < until)
    return list(session.scalars(stmt))


def get_report_by_number(session: Session, number: str) -> IncidentReport | None:
    """Return the report with this number."""
    return session.scalar(select(IncidentReport).where(IncidentReport.number == number))


def change_status(
    session: Session, report: IncidentReport, old: ReportStatus, new: ReportStatus, actor_id: int,
    now: datetime, reason: str | None = None,
) -> bool:
    """Move a report from `old` to `new` and record who did it; False when its status is no longer `old`.

    The update is conditional, so of two heads answering at once only the first changes anything.
    """
    moved = session.execute(
        update(IncidentReport).where(IncidentReport.id == report.id, IncidentReport.status == old)
        .values(status=new).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        session.refresh(report)
        return False
    session.add(StatusChange(report_id=report.id, from_status=old, to_status=new, reason=reason,
                             actor_id=actor_id, at=now))
    session.flush()
    session.refresh(report)
    return True


def list_status_changes(session: Session, report_id: int) -> list[StatusChange]:
    """Return a report's verification history, oldest first."""
    return list(session.scalars(select(StatusChange).where(StatusChange.report_id == report_id)
                                .order_by(StatusChange.at, StatusChange.id)))
