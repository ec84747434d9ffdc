"""Incident categories, reports, their numbers and attachments."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
    Region,
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


def list_reports(session: Session, *, reporter_id: int | None = None, limit: int | None = None) -> list[IncidentReport]:
    """Return reports newest first, optionally of one reporter."""
    stmt = select(IncidentReport).order_by(IncidentReport.created_at.desc(), IncidentReport.id.desc())
    if reporter_id is not None:
        stmt = stmt.where(IncidentReport.reporter_id == reporter_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


LIST_COLUMNS = (
    "number", "created_at", "occurred_at", "office", "category", "kecamatan_code", "kecamatan", "place", "severity",
    "status", "crowd_size", "crowd_size_text", "latitude", "longitude", "description", "actors", "action_taken",
    "reporter_id", "channel", "attachments", "tz",
)
# Rows fetched per round trip when streaming: memory stays flat however many reports there are.
STREAM_BATCH = 1000


def iter_reports(
    session: Session, *, region_code: str | None = None, limit: int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Stream reports newest first as tuples in `LIST_COLUMNS` order (`tz`: the office's zone).

    A region sees its own offices' reports and those of offices below it.
    """
    R = IncidentReport
    attachments = (select(func.count(Attachment.id)).where(Attachment.report_id == R.id)
                   .correlate(R).scalar_subquery())
    stmt = (
        select(R.number, R.created_at, R.occurred_at, Office.region_code, IncidentCategory.name_id, R.kecamatan_code,
               Region.name, R.place, R.severity, R.status, R.crowd_size, R.crowd_size_text, R.latitude, R.longitude,
               R.description, R.actors, R.action_taken, R.reporter_id, R.channel, attachments, Office.tz)
        .join(Office, Office.id == R.office_id)
        .join(IncidentCategory, IncidentCategory.id == R.category_id)
        .join(Region, Region.code == R.kecamatan_code)
        .order_by(R.created_at.desc(), R.id.desc())
        .execution_options(yield_per=STREAM_BATCH)
    )
    if region_code is not None:
        stmt = stmt.where((Office.region_code == region_code) | Office.region_code.startswith(region_code + "."))
    if limit is not None:
        stmt = stmt.limit(limit)
    # Through the session's connection: Core rows, without the ORM's per-row bookkeeping.
    for row in session.connection().execute(stmt):
        yield tuple(row)


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
    until: datetime | None = None, limit: int = 10, include_rejected: bool = True, by_incident: bool = False,
    offset: int = 0,
) -> list[IncidentReport]:
    """Return the newest reports of a region's kecamatan, narrowed by the given filters.

    `since`/`until` and the order follow the filing time, or with `by_incident` the time the incident happened.
    """
    moment = IncidentReport.occurred_at if by_incident else IncidentReport.created_at
    stmt = (select(IncidentReport).where(within(region_code))
            .order_by(moment.desc(), IncidentReport.id.desc()).limit(limit).offset(offset))
    if not include_rejected:
        stmt = stmt.where(IncidentReport.status != ReportStatus.DITOLAK)
    if kecamatan_code is not None:
        stmt = stmt.where(IncidentReport.kecamatan_code == kecamatan_code)
    if category_id is not None:
        stmt = stmt.where(IncidentReport.category_id == category_id)
    if severity is not None:
        stmt = stmt.where(IncidentReport.severity == severity)
    if status is not None:
        stmt = stmt.where(IncidentReport.status == status)
    if since is not None:
        stmt = stmt.where(moment >= since)
    if until is not None:
        stmt = stmt.where(moment < until)
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
