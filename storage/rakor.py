"""Rakor meetings, their invitees and RSVPs, minutes with their numbers, and agreements followed up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage._sql import next_sequence
from storage.models import (
    Agreement,
    AgreementStatus,
    Office,
    Officer,
    Rakor,
    RakorCounter,
    RakorInvitee,
    RakorReport,
    RakorStatus,
    RegionLevel,
    Role,
    Rsvp,
)


def _below(region_code: str) -> Any:
    """Offices of a region and of the regions under it."""
    return select(Office.id).where(
        (Office.region_code == region_code) | Office.region_code.startswith(region_code + ".")
    )


# -- who can be invited ---------------------------------------------------------------------------------


def get_office(session: Session, office_id: int) -> Office | None:
    """Return one office."""
    return session.get(Office, office_id)


def list_offices_below(session: Session, region_code: str) -> list[Office]:
    """Return the office of a region and the offices under it, by region code."""
    return list(session.scalars(select(Office).where(Office.id.in_(_below(region_code)))
                                .order_by(Office.region_code)))


def list_regency_offices(session: Session, province_code: str) -> list[Office]:
    """Return every kabupaten/kota office under a province."""
    return [o for o in list_offices_below(session, province_code) if o.region.level == RegionLevel.REGENCY]


def list_members(session: Session, office_id: int) -> list[Officer]:
    """Return the active officers, heads and admins of an office (guests are invited one by one)."""
    return list(session.scalars(
        select(Officer).where(Officer.office_id == office_id, Officer.active.is_(True), Officer.role != Role.GUEST)
        .order_by(Officer.id)
    ))


def list_guests(session: Session, office_id: int, institution: str | None = None) -> list[Officer]:
    """Return an office's active guests, optionally of one institution (matched without case)."""
    stmt = select(Officer).where(Officer.office_id == office_id, Officer.active.is_(True), Officer.role == Role.GUEST)
    guests = list(session.scalars(stmt.order_by(Officer.id)))
    if institution is None:
        return guests
    return [g for g in guests if (g.institution or "").casefold() == institution.casefold()]


def list_heads(session: Session, office_id: int) -> list[Officer]:
    """Return the active heads of an office."""
    return list(session.scalars(
        select(Officer).where(Officer.office_id == office_id, Officer.active.is_(True), Officer.role == Role.HEAD)
        .order_by(Officer.id)
    ))


def get_officer(session: Session, officer_id: int) -> Officer | None:
    """Return one officer."""
    return session.get(Officer, officer_id)


def set_office_reminders(session: Session, office: Office, spec: str | None) -> None:
    """Store an office's rakor reminder offsets ("1d@08:00,2h"); None returns to the default."""
    office.rakor_reminders = spec
    session.flush()


# -- meetings -------------------------------------------------------------------------------------------


def add_rakor(
    session: Session, *, office_id: int, title: str, starts_at: datetime, now: datetime,
    invitee_ids: Iterable[int], place: str | None = None, agenda: str | None = None,
    created_by: int | None = None, reminders: str | None = None,
) -> Rakor:
    """Schedule a rakor and invite officers (each once)."""
    rakor = Rakor(office_id=office_id, title=title, starts_at=starts_at, place=place, agenda=agenda,
                  status=RakorStatus.SCHEDULED, version=1, scheduled_at=now, reminders=reminders,
                  created_by=created_by, created_at=now)
    rakor.invitees = [RakorInvitee(officer_id=i, told_version=0, reminded=[]) for i in dict.fromkeys(invitee_ids)]
    session.add(rakor)
    session.flush()
    return rakor


def get_rakor(session: Session, rakor_id: int) -> Rakor | None:
    """Return one rakor with its invitees."""
    return session.get(Rakor, rakor_id)


def list_rakor(
    session: Session, *, region_code: str | None = None, invitee_id: int | None = None,
    after: datetime | None = None, before: datetime | None = None, include_cancelled: bool = False,
    limit: int | None = None,
) -> list[Rakor]:
    """Return rakor by start time: of a region's offices, and/or those an officer is invited to."""
    stmt = select(Rakor).order_by(Rakor.starts_at, Rakor.id)
    mine = []
    if region_code is not None:
        mine.append(Rakor.office_id.in_(_below(region_code)))
    if invitee_id is not None:
        mine.append(Rakor.id.in_(select(RakorInvitee.rakor_id).where(RakorInvitee.officer_id == invitee_id)))
    if mine:
        stmt = stmt.where(or_(*mine))
    if not include_cancelled:
        stmt = stmt.where(Rakor.status == RakorStatus.SCHEDULED)
    if after is not None:
        stmt = stmt.where(Rakor.starts_at > after)
    if before is not None:
        stmt = stmt.where(Rakor.starts_at <= before)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def move_rakor(session: Session, rakor: Rakor, starts_at: datetime, now: datetime) -> None:
    """Give a rakor a new time: invitees are asked again and reminders follow the new time."""
    rakor.moved_from = rakor.starts_at
    rakor.starts_at = starts_at
    rakor.version += 1
    rakor.scheduled_at = now
    for invitee in rakor.invitees:
        invitee.rsvp, invitee.deputy, invitee.answered_at = None, None, None
    session.flush()


def cancel_rakor(session: Session, rakor: Rakor) -> None:
    """Cancel a rakor: invitees are told once and get no reminders."""
    rakor.status = RakorStatus.CANCELLED
    rakor.version += 1
    session.flush()


def get_invitee(session: Session, rakor_id: int, officer_id: int) -> RakorInvitee | None:
    """Return an officer's invitation to a rakor."""
    return session.get(RakorInvitee, (rakor_id, officer_id))


def set_rsvp(session: Session, invitee: RakorInvitee, rsvp: Rsvp, deputy: str | None, now: datetime) -> None:
    """Record an invitee's answer."""
    invitee.rsvp, invitee.deputy, invitee.answered_at = rsvp, deputy, now
    session.flush()


def list_untold(session: Session, now: datetime) -> list[tuple[Rakor, RakorInvitee]]:
    """Return invitees not yet told about the current version of a rakor that has not started."""
    rows = session.execute(
        select(Rakor, RakorInvitee).join(RakorInvitee, RakorInvitee.rakor_id == Rakor.id)
        .where(RakorInvitee.told_version < Rakor.version, Rakor.starts_at > now)
        .order_by(Rakor.id, RakorInvitee.officer_id)
    )
    return [(r, i) for r, i in rows.tuples()]


def mark_told(session: Session, invitee: RakorInvitee, version: int) -> None:
    """Remember that an invitee has been told about this version."""
    invitee.told_version = version
    session.flush()


def mark_reminded(session: Session, item: RakorInvitee | Agreement, tag: str) -> None:
    """Remember a reminder that has been queued."""
    item.reminded = [*item.reminded, tag]
    session.flush()


# -- minutes and agreements -----------------------------------------------------------------------------


def next_minutes_sequence(session: Session, office_id: int, year: int) -> int:
    """Hand out the next minutes sequence number of an office for a year (row-locked until commit)."""
    return next_sequence(session, RakorCounter, office_id, year)


def add_report(session: Session, agreements: Sequence[dict[str, Any]] = (), **fields: Any) -> RakorReport:
    """Store minutes and their agreements, in the order given."""
    report = RakorReport(**fields)
    report.agreements = [
        Agreement(position=n, created_at=fields["created_at"], status=AgreementStatus.OPEN, progress=[],
                  reminded=[], **a)
        for n, a in enumerate(agreements, start=1)
    ]
    session.add(report)
    session.flush()
    return report


def get_report(session: Session, number: str) -> RakorReport | None:
    """Return minutes by number."""
    return session.scalar(select(RakorReport).where(RakorReport.number == number))


def get_agreement(session: Session, agreement_id: int) -> Agreement | None:
    """Return one agreement."""
    return session.get(Agreement, agreement_id)


def list_agreements(
    session: Session, *, region_code: str | None = None, owner_officer_id: int | None = None,
    institution: tuple[int, str] | None = None,
    status: AgreementStatus | None = AgreementStatus.OPEN, due_before: date | None = None,
) -> list[Agreement]:
    """Return agreements by due date (undated last): of minutes of a region's offices, and/or owned by an officer,
    and/or owned by an institution (matched without case) in minutes of one office (`(office id, name)`)."""
    stmt = select(Agreement).join(RakorReport, Agreement.report_id == RakorReport.id)
    mine = []
    if region_code is not None:
        mine.append(RakorReport.office_id.in_(_below(region_code)))
        mine.append(Agreement.owner_office_id.in_(_below(region_code)))
    if owner_officer_id is not None:
        mine.append(Agreement.owner_officer_id == owner_officer_id)
    if institution is not None:
        office_id, name = institution
        mine.append((RakorReport.office_id == office_id)
                    & (func.lower(Agreement.owner_institution) == name.casefold()))
    if mine:
        stmt = stmt.where(or_(*mine))
    if status is not None:
        stmt = stmt.where(Agreement.status == status)
    if due_before is not None:
        stmt = stmt.where(Agreement.due_on.is_not(None), Agreement.due_on <= due_before)
    stmt = stmt.order_by(Agreement.due_on.is_(None), Agreement.due_on, Agreement.id)
    return list(session.scalars(stmt))


def add_progress(session: Session, agreement: Agreement, officer_id: int, text: str, now: datetime) -> None:
    """Append a progress note to an agreement."""
    agreement.progress = [*agreement.progress, {"at": now.isoformat(), "officer_id": officer_id, "text": text}]
    session.flush()


def mark_done(session: Session, agreement: Agreement, officer_id: int, now: datetime) -> None:
    """Close an agreement."""
    agreement.status = AgreementStatus.DONE
    agreement.done_at = now
    agreement.progress = [*agreement.progress, {"at": now.isoformat(), "officer_id": officer_id, "done": True}]
    session.flush()


@dataclass(frozen=True)
class DigestSection:
    """What a heads' digest says about rakor: meetings of the coming days and agreements overdue or due soon."""

    upcoming: list[Rakor]
    overdue: list[Agreement]
    due_soon: list[Agreement]


def digest_section(session: Session, region_code: str, now: datetime, today: date, *,
                   days: int = 7) -> DigestSection:
    """Collect, for a region's offices, rakor in the next `days` and agreements overdue or due within `days`."""
    upcoming = list_rakor(session, region_code=region_code, after=now, before=now + timedelta(days=days))
    open_ = list_agreements(session, region_code=region_code, due_before=today + timedelta(days=days))
    return DigestSection(
        upcoming=upcoming,
        overdue=[a for a in open_ if a.due_on is not None and a.due_on < today],
        due_soon=[a for a in open_ if a.due_on is not None and a.due_on >= today],
    )
