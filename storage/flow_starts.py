"""Conversations the system opens for an officer: recorded once per key, waiting while the officer is busy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage._sql import insert_ignore
from storage.models import FlowStart, FlowStartStatus


def add_flow_start(
    session: Session, key: str, officer_id: int, flow: str, params: dict[str, Any], kind: str, now: datetime, *,
    not_before: datetime | None = None, expires_at: datetime | None = None,
) -> int | None:
    """Record a start as waiting unless its key was recorded before; return the new id, or None."""
    return insert_ignore(session, FlowStart, returning="id", key=key, officer_id=officer_id, flow=flow,
                         params=params, kind=kind, status=FlowStartStatus.WAITING, not_before=not_before,
                         expires_at=expires_at, created_at=now)


def get_flow_start(session: Session, start_id: int) -> FlowStart | None:
    """Return one recorded start."""
    return session.get(FlowStart, start_id)


def list_due_starts(session: Session, now: datetime, officer_id: int | None = None) -> list[FlowStart]:
    """Return waiting starts whose time has come and that have not expired, oldest first."""
    stmt = (select(FlowStart)
            .where(FlowStart.status == FlowStartStatus.WAITING,
                   or_(FlowStart.not_before.is_(None), FlowStart.not_before <= now),
                   or_(FlowStart.expires_at.is_(None), FlowStart.expires_at > now))
            .order_by(FlowStart.id))
    if officer_id is not None:
        stmt = stmt.where(FlowStart.officer_id == officer_id)
    return list(session.scalars(stmt))


def mark_started(session: Session, start: FlowStart, now: datetime) -> None:
    """Record that a waiting start was opened."""
    start.status = FlowStartStatus.STARTED
    start.started_at = now
    session.flush()


def expire_starts(session: Session, now: datetime) -> int:
    """Give up on waiting starts past their expires_at; return how many."""
    return session.execute(
        update(FlowStart)
        .where(FlowStart.status == FlowStartStatus.WAITING, FlowStart.expires_at <= now)
        .values(status=FlowStartStatus.EXPIRED).execution_options(synchronize_session=False)
    ).rowcount
