"""Audit log entries: who did what, when (joins, refusals, exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog


def add_audit(
    session: Session,
    now: datetime,
    action: str,
    *,
    actor_id: int | None = None,
    subject: str | None = None,
    **detail: Any,
) -> AuditLog:
    """Record an action; `detail` must hold ids and codes, never names or phone numbers."""
    entry = AuditLog(at=now, action=action, actor_id=actor_id, subject=subject, detail=detail)
    session.add(entry)
    return entry


def list_audit(session: Session, action: str | None = None, limit: int = 100) -> list[AuditLog]:
    """Return the newest audit entries, optionally of one action."""
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return list(session.scalars(stmt))


def count_audit(session: Session, action: str, since: datetime, subject: str | None = None) -> int:
    """Count entries of an action since a moment, optionally about one subject."""
    stmt = select(func.count()).select_from(AuditLog).where(AuditLog.action == action, AuditLog.at >= since)
    if subject is not None:
        stmt = stmt.where(AuditLog.subject == subject)
    return session.scalar(stmt) or 0
