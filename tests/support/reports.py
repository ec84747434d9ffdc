"""Reports stored straight through storage, for tests of what is computed from them (peta rawan, exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import incidents
from storage.db import Session
from storage.models import IncidentReport, Officer, ReportStatus, Severity


def category_ids(session: Session) -> dict[str, int]:
    """Return category code -> id."""
    return {c.code: c.id for c in incidents.list_categories(session)}


def add_report(
    session: Session, officer: Officer, number: str, kecamatan: str, category: str, severity: str,
    occurred_at: datetime, *, status: ReportStatus = ReportStatus.BARU, latitude: float | None = None,
    longitude: float | None = None, **fields: Any,
) -> IncidentReport:
    """Store one report of an officer with the given essentials and plain filler text."""
    values: dict[str, Any] = {
        "place": "Pasar Lama", "description": "Warga berkumpul di depan kantor kelurahan.",
        "actors": "Warga", "crowd_size": None, "action_taken": "Dipantau", "channel": "console",
        "created_at": occurred_at, **fields,
    }
    return incidents.add_report(
        session, number=number, office_id=officer.office_id, category_id=category_ids(session)[category],
        kecamatan_code=kecamatan, occurred_at=occurred_at, severity=Severity(severity), status=status,
        latitude=latitude, longitude=longitude, reporter_id=officer.id, **values,
    )
