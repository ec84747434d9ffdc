"""The web view's tables: one-time sign-in links, browser sessions; and the paged report list it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.incidents import within
from storage.models import (
    Attachment,
    AuditLog,
    IncidentReport,
    Officer,
    ReportStatus,
    Severity,
    WebLogin,
    WebSession,
)


def add_login(session: Session, officer_id: int, token_hash: str, now: datetime, expires_at: datetime) -> None:
    """Store a sign-in link's hash for an officer."""
    session.add(WebLogin(token_hash=token_hash, officer_id=officer_id, created_at=now, expires_at=expires_at))
    session.flush()


def login_state(session: Session, token_hash: str, now: datetime) -> str:
    """Tell what a sign-in link is now: "ok", "used", "expired" or "unknown"."""
    login = session.get(WebLogin, token_hash)
    if login is None:
        return "unknown"
    if login.used_at is not None:
        return "used"
    return "expired" if login.expires_at <= now else "ok"


def login_officer(session: Session, token_hash: str) -> Officer:
    """Return whom a sign-in link is for."""
    return session.scalars(select(Officer).join(WebLogin, WebLogin.officer_id == Officer.id)
                           .where(WebLogin.token_hash == token_hash)).one()


def use_login(session: Session, token_hash: str, now: datetime) -> int | None:
    """Mark a valid sign-in link used and return its officer's id; None when it is unknown, used or expired.

    The update is conditional, so of two tabs opening the same link at once only one signs in.
    """
    used = session.execute(
        update(WebLogin).where(WebLogin.token_hash == token_hash, WebLogin.used_at.is_(None),
                               WebLogin.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        return None
    return session.scalar(select(WebLogin.officer_id).where(WebLogin.token_hash == token_hash))


def add_session(session: Session, token_hash: str, officer_id: int, csrf: str, now: datetime,
                expires_at: datetime) -> WebSession:
    """Open a browser session."""
    row = WebSession(token_hash=token_hash, officer_id=officer_id, csrf=csrf, created_at=now, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def get_session(session: Session, token_hash: str, now: datetime) -> WebSession | None:
    """Return a live session (not expired, its officer active); drop it when it is no longer either."""
    row = session.get(WebSession, token_hash)
    if row is None:
        return None
    if row.expires_at <= now or not row.officer.active:
        session.delete(row)
        session.flush()
        return None
    return row


def end_session(session: Session, token_hash: str) -> None:
    """Sign a browser out."""
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def prune(session: Session, now: datetime) -> int:
    """Delete expired sessions and sign-in links; return how many rows went."""
    gone = session.execute(delete(WebSession).where(WebSession.expires_at <= now)).rowcount
    return gone + session.execute(delete(WebLogin).where(WebLogin.expires_at <= now)).rowcount


@dataclass(frozen=True)
class ReportFilter:
    """What the report list is narrowed to; None: any."""

    kabkota_code: str | None = None
    kecamatan_code: str | None = None
    category_id: int | None = None
    severity: Severity | None = None
    status: ReportStatus | None = None
    since: datetime | None = None
    until: datetime | None = None


def _matching(region_code: str, where: ReportFilter) -> list[Any]:
    conditions = [within(region_code)]
    if where.kabkota_code is not None:
        conditions.append(within(where.kabkota_code))
    if where.kecamatan_code is not None:
        conditions.append(IncidentReport.kecamatan_code == where.kecamatan_code)
    if where.category_id is not None:
        conditions.append(IncidentReport.category_id == where.category_id)
    if where.severity is not None:
        conditions.append(IncidentReport.severity == where.severity)
    if where.status is not None:
        conditions.append(IncidentReport.status == where.status)
    if where.since is not None:
        conditions.append(IncidentReport.created_at >= where.since)
    if where.until is not None:
        conditions.append(IncidentReport.created_at < where.until)
    return conditions


def count_reports(session: Session, region_code: str, where: ReportFilter) -> int:
    """Count a region's reports that match."""
    return session.scalar(select(func.count()).select_from(IncidentReport)
                          .where(*_matching(region_code, where))) or 0


def page_reports(session: Session, region_code: str, where: ReportFilter, offset: int,
                 limit: int) -> tuple[list[IncidentReport], int]:
    """Return one page of a region's reports, newest first, and how many match in all."""
    rows = session.scalars(select(IncidentReport).where(*_matching(region_code, where))
                           .order_by(IncidentReport.created_at.desc(), IncidentReport.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), count_reports(session, region_code, where)


def list_audit_of(session: Session, subject: str, limit: int = 200) -> list[tuple[AuditLog, str | None]]:
    """Return the audit of one subject, oldest first, with the actor's name."""
    stmt = (select(AuditLog, Officer.name).outerjoin(Officer, Officer.id == AuditLog.actor_id)
            .where(AuditLog.subject == subject).order_by(AuditLog.at, AuditLog.id).limit(limit))
    return [(entry, name) for entry, name in session.execute(stmt)]


def get_attachment(session: Session, attachment_id: int) -> Attachment | None:
    """Return one attachment."""
    return session.get(Attachment, attachment_id)
