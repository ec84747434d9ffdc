"""Agreements of the minutes followed up: reminders with one tap, /kesepakatan, and the digest's rakor lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers import guard, parse
from handlers.flow import Answers, Flow, Step
from handlers.rakor.common import local_when, person
from handlers.texts import t
from handlers.types import (
    Choice,
    Ctx,
    Effect,
    Notify,
    Reply,
    StartFlow,
    ToOfficer,
    ToRole,
)
from storage import rakor as store
from storage.db import Session
from storage.models import (
    Agreement,
    AgreementStatus,
    Office,
    Officer,
    Role,
    Rsvp,
)

# Agreement owners are reminded this many days before the due date, at this local time.
AGREEMENT_REMINDER_DAYS = (3, 1)
AGREEMENT_REMINDER_TIME = time(8, 0)
# An agreement reminder's one tap lapses before the next reminder, which would otherwise wait behind it unseen.
AGREEMENT_TTL = timedelta(hours=20)
# An overdue agreement's owner is reminded the day after the due date and then this often, until it is closed.
OVERDUE_EVERY = timedelta(days=7)
AGREEMENT_LIST_LIMIT = 20


def owner_label(agreement: Agreement, lang: str) -> str:
    """Name an agreement's owner."""
    if agreement.owner_office is not None:
        return agreement.owner_office.name
    if agreement.owner_officer is not None:
        return person(agreement.owner_officer)
    return agreement.owner_institution or "-"


def agreement_recipients(session: Session, agreement: Agreement) -> list[Officer]:
    """Return the Siaga users who answer for an agreement: the owning officer, the owning office's heads, or
    the organising office's guests from the owning institution."""
    if agreement.owner_officer is not None:
        return [agreement.owner_officer] if agreement.owner_officer.active else []
    if agreement.owner_office_id is not None:
        return store.list_heads(session, agreement.owner_office_id)
    if agreement.owner_institution:
        return store.list_guests(session, agreement.report.office_id, agreement.owner_institution)
    return []


def assigned_notice(agreement: Agreement, officer_id: int) -> Notify:
    """Tell an owner that minutes gave them an agreement: what, by when, and how to close it."""
    agreement_id, text, number, due_on = agreement.id, agreement.text, agreement.report.number, agreement.due_on
    title = agreement.report.title

    def render(recipient: Officer, lang: str) -> list[Reply]:
        due = f"{due_on:%d/%m/%Y}" if due_on else t("agreement.no_due", lang)
        return [Reply(t("agreement.assigned", lang, id=agreement_id, text=text, number=number, title=title, due=due))]

    return Notify(key=f"agreement:{agreement_id}:assigned", kind="notice", to=ToOfficer(officer_id), render=render,
                  variables=lambda recipient, lang: {"1": number, "2": text})


def _next_morning(moment: datetime, tz: ZoneInfo) -> datetime:
    """The first 08:00 (the reminder time) in a zone after a moment."""
    local = moment.astimezone(tz)
    candidate = datetime.combine(local.date(), AGREEMENT_REMINDER_TIME, tzinfo=tz)
    return candidate if candidate > local else candidate + timedelta(days=1)


def agreement_moments(agreement: Agreement, tz: ZoneInfo, now: datetime) -> list[tuple[str, datetime, int]]:
    """The reminders an owner gets for an agreement, up to `now`: (tag, moment, days before the due date).

    3 and 1 days before the due date at 08:00; one that had passed when the minutes were saved goes at the
    next 08:00 instead, as long as the due day has not ended. Then, while it stays open, 08:00 on the day after
    the due date and every OVERDUE_EVERY after it (days < 0: how many days late).
    """
    assert agreement.due_on is not None
    end = datetime.combine(agreement.due_on + timedelta(days=1), time(0, 0), tzinfo=tz)
    moments: list[tuple[str, datetime, int]] = []
    for days in AGREEMENT_REMINDER_DAYS:
        due = datetime.combine(agreement.due_on - timedelta(days=days), AGREEMENT_REMINDER_TIME, tzinfo=tz)
        if due < agreement.created_at:
            due = _next_morning(agreement.created_at, tz)
        if due < end:
            moments.append((f"{days}d", due, days))
    late = datetime.combine(agreement.due_on + timedelta(days=1), AGREEMENT_REMINDER_TIME, tzinfo=tz)
    n = 0
    while late <= now:
        moments.append((f"late{n}", late, -(late.astimezone(tz).date() - agreement.due_on).days))
        late += OVERDUE_EVERY
        n += 1
    return moments


def remind_owners(session: Session, now: datetime) -> list[Effect]:
    """Ask each owner, before the due date and while it is overdue, to close or update an agreement.

    Of the reminders due by now and not yet queued, only the latest goes (one missed while Siaga was down, or
    two that fell on one morning, make one message); each lapses when the next one is due.
    """
    effects: list[Effect] = []
    latest = (now + timedelta(days=max(AGREEMENT_REMINDER_DAYS) + 1)).date()
    for agreement in store.list_agreements(session, due_before=latest):
        for officer in agreement_recipients(session, agreement):
            tz = ZoneInfo(officer.office.tz)
            due = [(tag, moment, days) for tag, moment, days in agreement_moments(agreement, tz, now)
                   if moment <= now and f"{tag}:{officer.id}" not in agreement.reminded]
            if not due:
                continue
            tag, moment, days = max(due, key=lambda item: item[1])
            effects.append(StartFlow(key=f"agreement:{agreement.id}:{tag}:{officer.id}", officer_id=officer.id,
                                     flow="agreement", params={"agreement_id": agreement.id, "days": days},
                                     kind="reminder", expires_at=max(moment, now) + AGREEMENT_TTL))
            for item in due:
                store.mark_reminded(session, agreement, f"{item[0]}:{officer.id}")
    return effects


def agreement_actions(ctx: Ctx) -> Sequence[Choice]:
    """Offer selesai / progress note / later."""
    return tuple(Choice(a, t(f"agreement.action.{a}", ctx.lang)) for a in ("done", "progress", "later"))


def agreement_params(answers: Answers, ctx: Ctx) -> dict[str, Any]:
    """Fill the follow-up question with the agreement."""
    agreement = store.get_agreement(ctx.session, int(answers["agreement_id"]))
    late = int(answers.get("days") or 0) < 0
    heading = t("agreement.heading.late" if late else "agreement.heading", ctx.lang)
    if agreement is None:
        return {"agreement": "-", "due": "-", "number": "-", "days": answers.get("days", "-"), "heading": heading}
    return {"agreement": agreement.text, "number": agreement.report.number, "days": answers.get("days", "-"),
            "due": f"{agreement.due_on:%d/%m/%Y}" if agreement.due_on else "-", "heading": heading}


def submit_agreement(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Close the agreement or add a progress note; tell the organising office's heads when it is done."""
    assert ctx.officer is not None
    agreement = store.get_agreement(ctx.session, int(answers["agreement_id"]))
    if agreement is None or agreement.status == AgreementStatus.DONE:
        return [Reply(t("agreement.already_done", ctx.lang))]
    action = answers["action"]
    if action == "later":
        return [Reply(t("agreement.later", ctx.lang))]
    if action == "progress":
        store.add_progress(ctx.session, agreement, ctx.officer.id, answers["note"], ctx.now)
        text, number, who, note = agreement.text, agreement.report.number, person(ctx.officer), answers["note"]
        ctx.emit(Notify(key=f"agreement:{agreement.id}:progress:{len(agreement.progress)}", kind="notice",
                        to=ToRole(agreement.report.office_id, Role.HEAD.value, upward=False),
                        render=lambda recipient, lang: [Reply(t("agreement.progress_notice", lang, text=text,
                                                                number=number, who=who, note=note))],
                        variables=lambda recipient, lang: {"1": number, "2": text}))
        return [Reply(t("agreement.progress_saved", ctx.lang))]
    store.mark_done(ctx.session, agreement, ctx.officer.id, ctx.now)
    text, number, who = agreement.text, agreement.report.number, person(ctx.officer)
    ctx.emit(Notify(key=f"agreement:{agreement.id}:done", kind="notice",
                    to=ToRole(agreement.report.office_id, Role.HEAD.value, upward=False),
                    render=lambda recipient, lang: [Reply(t("agreement.done_notice", lang, text=text,
                                                            number=number, who=who))],
                    variables=lambda recipient, lang: {"1": number, "2": text}))
    return [Reply(t("agreement.done_saved", ctx.lang))]


AGREEMENT = Flow(
    name="agreement",
    commands=(),
    steps=(
        Step("action", choices=agreement_actions, prompt_params=agreement_params),
        Step("note", parse=parse.text(min_len=3, max_len=2000),
             skip_if=lambda answers, ctx: answers.get("action") != "progress"),
    ),
    submit=submit_agreement,
    review=False,
    draft_ttl=AGREEMENT_TTL,
)


def _agreement_line(agreement: Agreement, today: date, lang: str) -> str:
    due = f"{agreement.due_on:%d/%m/%Y}" if agreement.due_on else "-"
    late = agreement.due_on is not None and agreement.due_on < today
    return t("agreement.line.late" if late else "agreement.line", lang, id=agreement.id, text=agreement.text,
             owner=owner_label(agreement, lang), due=due, number=agreement.report.number)


def _may_close(session: Session, officer: Officer, agreement: Agreement) -> bool:
    """An agreement is closed by whoever is reminded of it, or by the organising office and offices above it
    (not by its guests, who answer only for their own)."""
    if officer.id in {o.id for o in agreement_recipients(session, agreement)}:
        return True
    if officer.role == Role.GUEST:
        return False
    organiser = agreement.report.office.region_code
    return guard.within(officer.office.region_code, organiser) or officer.id in {o.id for o in agreement_recipients(session, agreement)}


def _close_by_command(number: str, ctx: Ctx) -> list[Reply]:
    assert ctx.officer is not None
    agreement = store.get_agreement(ctx.session, int(number)) if number.isdigit() else None
    # Someone else's agreement is answered like a missing one: no data outside one's area.
    if agreement is None or not _may_close(ctx.session, ctx.officer, agreement):
        return [Reply(t("agreement.unknown", ctx.lang, id=number))]
    return submit_agreement({"agreement_id": agreement.id, "action": "done"}, ctx)


def agreements_command(args: str, ctx: Ctx) -> list[Reply]:
    """List open agreements of the sender's area and their own, overdue first; `selesai ID` closes one."""
    officer = ctx.officer
    assert officer is not None
    words = args.split()
    if words and words[0].lower() in ("selesai", "done"):
        return _close_by_command(words[1] if len(words) > 1 else "", ctx)
    today = ctx.now.astimezone(ctx.tz).date()
    if officer.role == Role.GUEST:
        # A guest sees only what they or their institution answer for, never the office's other agreements.
        institution = (officer.office_id, officer.institution) if officer.institution else None
        items = store.list_agreements(ctx.session, owner_officer_id=officer.id, institution=institution)
    else:
        items = store.list_agreements(ctx.session, region_code=officer.office.region_code,
                                      owner_officer_id=officer.id)
    if not items:
        return [Reply(t("agreement.list.none", ctx.lang))]
    overdue = [a for a in items if a.due_on is not None and a.due_on < today]
    rest = [a for a in items if a not in overdue]
    lines: list[str] = []
    if overdue:
        lines.append(t("agreement.list.overdue", ctx.lang, count=len(overdue)))
        lines.extend(_agreement_line(a, today, ctx.lang) for a in overdue[:AGREEMENT_LIST_LIMIT])
    if rest:
        lines.append(t("agreement.list.open", ctx.lang, count=len(rest)))
        lines.extend(_agreement_line(a, today, ctx.lang) for a in rest[:AGREEMENT_LIST_LIMIT])
    lines.append(t("agreement.list.hint", ctx.lang))
    return [Reply("\n".join(lines))]


def digest_lines(session: Session, office: Office, now: datetime, lang: str) -> list[str]:
    """Lines for an office's daily digest: rakor of the next 7 days, agreements overdue or due within 7 days."""
    today = now.astimezone(ZoneInfo(office.tz)).date()
    section = store.digest_section(session, office.region_code, now, today)
    lines: list[str] = []
    if section.upcoming:
        lines.append(t("digest.rakor.upcoming", lang))
        for rakor in section.upcoming:
            answered = sum(1 for i in rakor.invitees if i.rsvp in (Rsvp.HADIR, Rsvp.DIWAKILKAN))
            lines.append(t("digest.rakor.item", lang, title=rakor.title, hadir=answered, total=len(rakor.invitees),
                           when=local_when(rakor.starts_at, office.tz, lang)))
    if section.overdue:
        lines.append(t("digest.agreements.overdue", lang, count=len(section.overdue)))
        lines.extend(_agreement_line(a, today, lang) for a in section.overdue)
    if section.due_soon:
        lines.append(t("digest.agreements.due_soon", lang, count=len(section.due_soon)))
        lines.extend(_agreement_line(a, today, lang) for a in section.due_soon)
    return lines
