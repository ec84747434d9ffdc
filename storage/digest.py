"""The daily digest's figures, each one SQL aggregate over a region's reports (no report is loaded to count)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.incidents import within
from storage.models import IncidentReport, Region, ReportStatus, Severity


def _in(start: datetime, end: datetime, column: Any = IncidentReport.created_at) -> Any:
    return case(((column >= start) & (column < end), 1), else_=0)


# A rejected report counts nowhere in the digest, as on the peta rawan: it is not an incident.
COUNTED = IncidentReport.status != ReportStatus.DITOLAK


def count_with_baseline(
    session: Session, region_code: str, column: Any, start: datetime, end: datetime, baseline_days: int = 7,
) -> dict[Any, tuple[int, int]]:
    """Count a region's reports in [start, end) and in the `baseline_days` windows before, grouped by `column`.

    Returns {value: (count in the window, count in the whole baseline)}; the baseline ends at `start`.
    """
    baseline_start = start - (end - start) * baseline_days
    stmt = (
        select(column, func.sum(_in(start, end)), func.sum(_in(baseline_start, start)))
        .where(within(region_code), COUNTED, IncidentReport.created_at >= baseline_start,
               IncidentReport.created_at < end)
        .group_by(column)
    )
    return {value: (int(now or 0), int(before or 0)) for value, now, before in session.execute(stmt)}


def count_by_severity(session: Session, region_code: str, start: datetime,
                      end: datetime) -> dict[Severity, tuple[int, int]]:
    """Count by severity: (window, 7 windows before)."""
    return count_with_baseline(session, region_code, IncidentReport.severity, start, end)


def count_by_category(session: Session, region_code: str, start: datetime,
                      end: datetime) -> dict[int, tuple[int, int]]:
    """Count by category id: (window, 7 windows before)."""
    return count_with_baseline(session, region_code, IncidentReport.category_id, start, end)


def top_kecamatan(session: Session, region_code: str, start: datetime, end: datetime,
                  limit: int = 3) -> list[tuple[str, str, int]]:
    """Return the kecamatan with the most reports in [start, end): (code, name, count), busiest first.

    Of kecamatan with as many reports, the one with more `tinggi`, then more `sedang`, then the latest report
    comes first (never the alphabet).
    """
    n = func.count(IncidentReport.id)
    tinggi = func.sum(case((IncidentReport.severity == Severity.TINGGI, 1), else_=0))
    sedang = func.sum(case((IncidentReport.severity == Severity.SEDANG, 1), else_=0))
    latest = func.max(IncidentReport.created_at)
    stmt = (
        select(Region.code, Region.name, n).join(Region, Region.code == IncidentReport.kecamatan_code)
        .where(within(region_code), COUNTED, IncidentReport.created_at >= start, IncidentReport.created_at < end)
        .group_by(Region.code, Region.name)
        .order_by(n.desc(), tinggi.desc(), sedang.desc(), latest.desc(), Region.code).limit(limit)
    )
    return [(code, name, int(count)) for code, name, count in session.execute(stmt)]


def count_stale(session: Session, region_code: str, before: datetime) -> int:
    """Count a region's reports still `baru` that were filed before `before`."""
    return session.scalar(
        select(func.count(IncidentReport.id))
        .where(within(region_code), IncidentReport.status == ReportStatus.BARU, IncidentReport.created_at < before)
    ) or 0


def list_stale(session: Session, region_code: str, before: datetime, limit: int = 5) -> list[IncidentReport]:
    """Return the oldest reports still `baru` that were filed before `before`."""
    return list(session.scalars(
        select(IncidentReport)
        .where(within(region_code), IncidentReport.status == ReportStatus.BARU, IncidentReport.created_at < before)
        .order_by(IncidentReport.created_at, IncidentReport.id).limit(limit)
    ))


def count_per_day(session: Session, region_code: str, bounds: Sequence[datetime],
                  filed_before: datetime | None = None) -> dict[int, list[int]]:
    """Count incidents per category by when they happened, in each [bounds[i], bounds[i+1]) (local days):
    {category id: [n, ...]}; only reports filed before `filed_before` when given (a digest of a past moment)."""
    occurred = IncidentReport.occurred_at
    columns = [func.sum(_in(a, b, occurred)) for a, b in zip(bounds, bounds[1:], strict=False)]
    stmt = (
        select(IncidentReport.category_id, *columns)
        .where(within(region_code), COUNTED, occurred >= bounds[0], occurred < bounds[-1])
        .group_by(IncidentReport.category_id)
    )
    if filed_before is not None:
        stmt = stmt.where(IncidentReport.created_at < filed_before)
    return {row[0]: [int(n or 0) for n in row[1:]] for row in session.execute(stmt)}


def rollup(session: Session, province_code: str, start: datetime, end: datetime,
           stale_before: datetime) -> dict[str, tuple[int, int, int]]:
    """Per kabupaten/kota of a province: (reports in [start, end), of them tinggi, `baru` since before `stale_before`)."""
    regency = func.substr(IncidentReport.kecamatan_code, 1, 5)
    # Two statements, not one with `window OR baru`: each walks its own index (report time; the
    # reports still `baru`), where the OR made both databases read every report of the province.
    in_window = (
        select(regency, func.count(), func.sum(case((IncidentReport.severity == Severity.TINGGI, 1), else_=0)))
        .where(within(province_code), COUNTED, IncidentReport.created_at >= start, IncidentReport.created_at < end)
        .group_by(regency)
    )
    stale = (
        select(regency, func.count())
        .where(within(province_code), IncidentReport.status == ReportStatus.BARU,
               IncidentReport.created_at < stale_before)
        .group_by(regency)
    )
    found = {code: [int(total), int(tinggi or 0), 0] for code, total, tinggi in session.execute(in_window)}
    for code, n in session.execute(stale):
        found.setdefault(code, [0, 0, 0])[2] = int(n)
    return {code: (total, tinggi, n) for code, (total, tinggi, n) in found.items()}
