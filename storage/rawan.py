"""Peta rawan queries: per-kecamatan aggregates of a window of reports, and rows streamed for export."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, String, and_, case, func, or_, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from storage.models import (
    Attachment,
    IncidentCategory,
    IncidentReport,
    Office,
    Officer,
    Region,
    ReportStatus,
    Severity,
)

R = IncidentReport
# Export and map queries fetch this many rows per round trip: memory stays flat however many match.
STREAM_BATCH = 1000


class epoch(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it stands for
    """Seconds since 1970 of a UTC timestamp column, on SQLite and PostgreSQL alike."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


class unindexed(FunctionElement[str]):  # noqa: N801 - reads like a column
    """A column SQLite may not pick an index for (its no-op unary +); the column itself elsewhere."""

    type = String()
    inherit_cache = True


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def _in_scope(scope: str, code: Any = R.kecamatan_code):  # type: ignore[no-untyped-def]
    # A range, not LIKE, so both databases walk the (kecamatan_code, occurred_at) index;
    # "/" is the character after "." so the range holds exactly the codes below `scope`.
    if scope.count(".") >= 2:
        return R.kecamatan_code == scope
    return and_(code > scope + ".", code < scope + "/")


def _window(scope: str, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    # A window is a month or so of a province's or kabupaten's reports: read it by event time. With only
    # sqlite_stat1, SQLite would take the kecamatan range instead, every report the region ever had
    # (10 s for a province with a million); PostgreSQL's statistics choose the event-time index alone.
    in_scope = _in_scope(scope, unindexed(R.kecamatan_code))
    return and_(in_scope, R.occurred_at >= start, R.occurred_at < end, R.status != ReportStatus.DITOLAK)


def _numbered(scope: str, start: datetime, end: datetime, weights: Mapping[str, float], gap: timedelta):  # type: ignore[no-untyped-def]
    """Reports of the window with their event number within (kecamatan, category).

    A report starts a new event when it is the first of its kecamatan and category in the window, comes
    more than `gap` after the previous one, or a head marked it as a separate event.
    """
    t = epoch(R.occurred_at)
    ordered = {"partition_by": (R.kecamatan_code, R.category_id), "order_by": (R.occurred_at, R.id)}
    base = (
        select(
            R.id, R.kecamatan_code.label("kecamatan"), R.category_id.label("category"), t.label("t"),
            case(*((R.severity == Severity(s), w) for s, w in weights.items()), else_=0.0).label("weight"),
            *(case((R.severity == s, 1), else_=0).label(s.value) for s in Severity),
            R.separate_event, func.lag(t).over(**ordered).label("previous_t"),
        )
        .where(_window(scope, start, end))
        .subquery()
    )
    starts = case(
        # A millisecond of slack: SQLite's julianday arithmetic is not exact to the second.
        (or_(base.c.previous_t.is_(None), base.c.t - base.c.previous_t > gap.total_seconds() + 0.001,
             base.c.separate_event), 1),
        else_=0,
    )
    return select(
        base, func.sum(starts).over(partition_by=(base.c.kecamatan, base.c.category),
                                    order_by=(base.c.t, base.c.id), rows=(None, 0)).label("event"),
    ).subquery()


@dataclass(frozen=True)
class KecamatanAggregate:
    kecamatan_code: str
    # Σ over events of (the event's highest severity weight × the decay at its latest report).
    raw: float
    events: int
    reports: int
    rendah: int
    sedang: int
    tinggi: int


def kecamatan_aggregates(
    session: Session, scope: str, start: datetime, end: datetime, *,
    weights: Mapping[str, float], gap: timedelta, floor: float,
) -> list[KecamatanAggregate]:
    """Aggregate a window's reports per kecamatan in SQL: one row per kecamatan with reports.

    The decay falls linearly from 1 at `end` to `floor` at `start`.
    """
    numbered = _numbered(scope, start, end, weights, gap)
    events = (
        select(
            numbered.c.kecamatan, func.max(numbered.c.weight).label("weight"), func.max(numbered.c.t).label("t_last"),
            func.count().label("reports"), *(func.sum(numbered.c[s.value]).label(s.value) for s in Severity),
        )
        .group_by(numbered.c.kecamatan, numbered.c.category, numbered.c.event)
        .subquery()
    )
    end_s, span = end.timestamp(), (end - start).total_seconds()
    decay = 1.0 - (1.0 - floor) * (end_s - events.c.t_last) / span
    stmt = (
        select(
            events.c.kecamatan, func.sum(events.c.weight * decay), func.count(), func.sum(events.c.reports),
            *(func.sum(events.c[s.value]) for s in Severity),
        )
        .group_by(events.c.kecamatan)
        .order_by(events.c.kecamatan)
    )
    return [
        KecamatanAggregate(code, float(raw), int(n_events), int(n_reports), int(lo), int(mid), int(hi))
        for code, raw, n_events, n_reports, lo, mid, hi in session.execute(stmt)
    ]


@dataclass(frozen=True)
class WindowReport:
    number: str
    occurred_at: datetime
    category_code: str
    category_id: str
    category_en: str
    severity: Severity
    separate_event: bool
    # Events are numbered 1, 2, ... within the report's kecamatan and category.
    event: int


def list_window_reports(
    session: Session, kecamatan_code: str, start: datetime, end: datetime, *,
    weights: Mapping[str, float], gap: timedelta,
) -> list[WindowReport]:
    """Return one kecamatan's reports of a window with their event numbers, by category then time."""
    numbered = _numbered(kecamatan_code, start, end, weights, gap)
    stmt = (
        select(R.number, R.occurred_at, IncidentCategory.code, IncidentCategory.name_id, IncidentCategory.name_en,
               R.severity, R.separate_event, numbered.c.event)
        .join(numbered, numbered.c.id == R.id)
        .join(IncidentCategory, IncidentCategory.id == R.category_id)
        .order_by(IncidentCategory.position, IncidentCategory.id, R.occurred_at, R.id)
    )
    return [WindowReport(*row) for row in session.execute(stmt)]


def count_by(session: Session, scope: str, start: datetime, end: datetime, what: str) -> list[tuple[str, int]]:
    """Count a window's reports by `category` (Indonesian name, in display order) or by `severity`."""
    if what == "category":
        key = IncidentCategory.name_id
        stmt = (select(key, func.count(R.id)).join(IncidentCategory, IncidentCategory.id == R.category_id)
                .group_by(IncidentCategory.id, key, IncidentCategory.position)
                .order_by(IncidentCategory.position, IncidentCategory.id))
    else:
        stmt = select(R.severity, func.count(R.id)).group_by(R.severity).order_by(R.severity)
    rows = session.execute(stmt.where(_window(scope, start, end))).all()
    return [(k.value if isinstance(k, Severity) else k, int(n)) for k, n in rows]


@dataclass(frozen=True)
class MapPoint:
    latitude: float
    longitude: float
    severity: Severity


def list_points(session: Session, scope: str, start: datetime, end: datetime, limit: int = 5000) -> list[MapPoint]:
    """Return the coordinates of a window's located reports, newest first, at most `limit`."""
    stmt = (
        select(R.latitude, R.longitude, R.severity)
        .where(_window(scope, start, end), R.latitude.is_not(None), R.longitude.is_not(None))
        .order_by(R.occurred_at.desc(), R.id.desc())
        .limit(limit)
    )
    return [MapPoint(lat, lon, sev) for lat, lon, sev in session.execute(stmt)]


@dataclass(frozen=True)
class ReportDigest:
    number: str
    occurred_at: datetime
    kecamatan: str
    category: str
    place: str
    description: str
    status: ReportStatus
    kecamatan_code: str


def list_reports_of_severity(
    session: Session, scope: str, start: datetime, end: datetime, severity: Severity, limit: int = 50,
) -> list[ReportDigest]:
    """Return a window's reports of one severity, oldest first, at most `limit`."""
    stmt = (
        select(R.number, R.occurred_at, Region.name, IncidentCategory.name_id, R.place, R.description, R.status,
               R.kecamatan_code)
        .join(Region, Region.code == R.kecamatan_code)
        .join(IncidentCategory, IncidentCategory.id == R.category_id)
        .where(_window(scope, start, end), R.severity == severity)
        .order_by(R.occurred_at, R.id)
        .limit(limit)
    )
    return [ReportDigest(*row) for row in session.execute(stmt)]


EXPORT_COLUMNS = (
    "number", "occurred_at", "created_at", "category", "category_en", "kecamatan_code", "kecamatan", "kabkota",
    "place", "severity", "status", "reporter", "description", "actors", "crowd_size", "crowd_size_text",
    "action_taken", "latitude", "longitude", "attachments", "channel", "tz",
)


def count_export(session: Session, scope: str, start: datetime, end: datetime) -> int:
    """Count the reports an export of this scope and period holds (rejected ones included)."""
    stmt = select(func.count()).select_from(R).where(_in_scope(scope), R.occurred_at >= start, R.occurred_at < end)
    return session.scalar(stmt) or 0


def iter_export(session: Session, scope: str, start: datetime, end: datetime) -> Iterator[tuple[Any, ...]]:
    """Stream every report of a scope and period (by event time) as a tuple in `EXPORT_COLUMNS` order."""
    regency = aliased(Region)
    attachments = (select(func.count(Attachment.id)).where(Attachment.report_id == R.id)
                   .correlate(R).scalar_subquery())
    stmt = (
        select(
            R.number, R.occurred_at, R.created_at, IncidentCategory.name_id, IncidentCategory.name_en,
            R.kecamatan_code, Region.name, regency.name, R.place, R.severity, R.status, Officer.name, R.description,
            R.actors, R.crowd_size, R.crowd_size_text, R.action_taken, R.latitude, R.longitude, attachments,
            R.channel, Office.tz,
        )
        .join(IncidentCategory, IncidentCategory.id == R.category_id)
        .join(Region, Region.code == R.kecamatan_code)
        .join(regency, regency.code == Region.parent_code)
        .join(Officer, Officer.id == R.reporter_id)
        .join(Office, Office.id == R.office_id)
        .where(_in_scope(scope), R.occurred_at >= start, R.occurred_at < end)
        .order_by(R.occurred_at, R.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    # Through the session's connection: Core rows, without the ORM's per-row bookkeeping.
    for row in session.connection().execute(stmt):
        yield tuple(row)


def set_separate_event(session: Session, number: str, separate: bool) -> bool:
    """Mark (or unmark) a report as an event of its own; tell whether the report exists."""
    return session.execute(update(R).where(R.number == number).values(separate_event=separate)).rowcount == 1


def list_offices_with_report_day(session: Session) -> list[Office]:
    """Return the offices that send their monthly peta rawan report automatically."""
    return list(session.scalars(select(Office).where(Office.rawan_report_day.is_not(None)).order_by(Office.id)))
