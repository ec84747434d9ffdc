"""Helpers for the heads-of-office tests: a chat turn that keeps its effects, audiences resolved, seeded reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import handlers
from handlers.types import IDLE, Ctx, Effect, Inbound, Notify, Reply, State, ToOfficer, ToRole
from storage import conversations, incidents, people
from storage.db import Session
from storage.models import IncidentReport, Office, Officer, Region, ReportStatus, Severity


@dataclass
class Turn:
    replies: list[Reply]
    effects: list[Effect] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)


def chat(sessions: Any, address: str, text: str | None = None, *, choice: str | None = None,
         now: datetime, **inbound: Any) -> Turn:
    """One turn as the runner takes it (identity, state, dispatch, save), keeping the effects it asked for."""
    with sessions.begin() as s:
        identity = people.get_identity(s, "console", address)
        officer = identity.officer if identity is not None and identity.officer.active else None
        row = conversations.get_conversation(s, "console", address)
        state = State.load(row.flow, row.step, row.data, row.updated_at) if row is not None else IDLE
        ctx = Ctx(session=s, now=now, lang=(officer.language if officer else None) or "id", channel="console",
                  address=address, officer=officer)
        new, replies = handlers.dispatch(state, Inbound("console", address, text=text, choice=choice, **inbound), ctx)
        if row is not None or new.flow is not None:
            conversations.save_conversation(s, row, "console", address, new.flow, new.step, new.data(), now)
        return Turn(replies, list(ctx.effects))


def audience(session: Session, effect: Notify) -> list[Officer]:
    """Resolve who a notification reaches, as the delivery runner does: the role holders up the region tree."""
    to = effect.to
    if isinstance(to, ToOfficer):
        return [people.get_officer(session, to.officer_id)]
    assert isinstance(to, ToRole)
    office = session.get(Office, to.office_id)
    codes = [office.region_code]
    if to.upward:
        parent = office.region.parent_code
        while parent:
            codes.append(parent)
            parent = session.get(Region, parent).parent_code
    found = []
    for code in codes:
        above = people.get_office_by_region(session, code)
        if above is not None:
            found += [o for o in people.list_officers(session, above.id) if o.role.value == to.role and o.active]
    return found


def add_report(session: Session, officer: Officer, *, created_at: datetime, kecamatan: str,
               category: str = "unjuk_rasa",
               severity: Severity = Severity.SEDANG, status: ReportStatus = ReportStatus.BARU,
               attachments: list[dict[str, Any]] | None = None) -> IncidentReport:
    """Store a report directly (the digest tests need many at chosen times)."""
    cat = next(c for c in incidents.list_categories(session) if c.code == category)
    year = created_at.year
    number = handlers.incident.report_number(officer.office.region_code, year,
                                             incidents.next_report_sequence(session, officer.office_id, year))
    return incidents.add_report(
        session, attachments=attachments or [], number=number, office_id=officer.office_id, category_id=cat.id,
        kecamatan_code=kecamatan, place="Jl. Uji", occurred_at=created_at - timedelta(minutes=30),
        description="Sekitar seratus orang berkumpul di depan kantor.\nSituasi terkendali.",
        actors="Aliansi Uji", crowd_size=100, severity=severity, action_taken="Koordinasi", latitude=None,
        longitude=None, status=status, reporter_id=officer.id, channel="console", created_at=created_at,
    )
