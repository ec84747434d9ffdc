"""/notulen: a rakor's minutes by chat, numbered per office and year, with the agreements they record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers import parse
from handlers.flow import Answers, Flow, Step
from handlers.rakor.agreements import agreement_recipients, assigned_notice, owner_label
from handlers.rakor.common import (
    INSTITUTIONS,
    institution_choices,
    institution_label,
    person,
    show_date,
)
from handlers.texts import t
from handlers.types import (
    Choice,
    Ctx,
    Notify,
    Render,
    Reply,
    ToRole,
)
from storage import rakor as store
from storage.models import (
    Office,
    Officer,
    Role,
)

NUMBER_PREFIX = "RK"


def meeting_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer the office's rakor of the last 30 days that have begun, or a meeting not scheduled in Siaga."""
    assert ctx.officer is not None
    # Only meetings that have begun, of the sender's own office: the minutes belong to the organiser.
    recent = [r for r in store.list_rakor(ctx.session, region_code=ctx.officer.office.region_code,
                                          after=ctx.now - timedelta(days=30), before=ctx.now)
              if r.office_id == ctx.officer.office_id]
    choices = [Choice(str(r.id), f"{r.title} ({r.starts_at.astimezone(ctx.tz):%d/%m})") for r in recent[-8:]]
    return (*choices, Choice("none", t("notulen.rakor.unscheduled", ctx.lang)))


def _unscheduled(answers: Answers, ctx: Ctx) -> bool:
    return answers.get("rakor") != "none"


def find_owner(query: str, ctx: Ctx) -> Sequence[Choice]:
    """Match an agreement's owner: an office in the sender's area, a guest, an institution, or the typed name."""
    assert ctx.officer is not None
    office = ctx.officer.office
    candidates = [Choice(f"office:{o.id}", o.name) for o in store.list_offices_below(ctx.session, office.region_code)]
    candidates += [Choice(f"officer:{g.id}", f"{g.name} ({g.institution or '-'})")
                   for g in store.list_guests(ctx.session, office.id)]
    candidates += [Choice(f"institution:{c}", institution_label(c, ctx.lang)) for c in INSTITUTIONS
                   if c != "kesbangpol"]
    typed = query.casefold()
    exact = [c for c in candidates if c.label.casefold() == typed]
    if len(exact) == 1:
        return exact
    found = [c for c in candidates if typed in c.label.casefold()]
    return found or [Choice(f"institution:{query.strip()}", query.strip())]


def show_owner(value: str, ctx: Ctx) -> str:
    """Render an owner reference."""
    kind, _, ref = value.partition(":")
    if kind == "office":
        office = store.get_office(ctx.session, int(ref))
        return office.name if office else ref
    if kind == "officer":
        officer = store.get_officer(ctx.session, int(ref))
        return person(officer) if officer else ref
    return institution_label(ref, ctx.lang)


def minutes_number(office_region: str, year: int, sequence: int) -> str:
    """Format a minutes number.

    >>> minutes_number("63.71", 2026, 1)
    'RK-6371-2026-000001'
    """
    return f"{NUMBER_PREFIX}-{office_region.replace('.', '')}-{year}-{sequence:06d}"


def _owner_fields(value: str) -> dict[str, Any]:
    kind, _, ref = value.partition(":")
    if kind == "office":
        return {"owner_office_id": int(ref)}
    if kind == "officer":
        return {"owner_officer_id": int(ref)}
    return {"owner_institution": institution_label(ref, "id")}


def _minutes_render(number: str, title: str, held_on: date, attendance: list[str], summary: str,
                    agreements: list[tuple[str, str, date | None]]) -> Render:
    def render(recipient: Officer, lang: str) -> list[Reply]:
        lines = [t("notulen.notice", lang, number=number, title=title, date=f"{held_on:%d/%m/%Y}"),
                 t("notulen.notice.attendance", lang, names=", ".join(attendance)),
                 t("notulen.notice.summary", lang, summary=summary)]
        if agreements:
            lines.append(t("notulen.notice.agreements", lang))
            for n, (text, owner, due) in enumerate(agreements, start=1):
                lines.append(f"{n}. {text} | {owner} | {f'{due:%d/%m/%Y}' if due else '-'}")
        return [Reply("\n".join(lines))]

    return render


def submit_minutes(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Store the minutes under the organising office's next number and send them to its heads."""
    assert ctx.officer is not None
    rakor = store.get_rakor(ctx.session, int(answers["rakor"])) if answers["rakor"] != "none" else None
    office: Office = rakor.office if rakor else ctx.officer.office
    if rakor is not None:
        title, held_on = rakor.title, rakor.starts_at.astimezone(ZoneInfo(office.tz)).date()
    else:
        title, held_on = answers["title"], date.fromisoformat(answers["held_on"])
    year = ctx.now.astimezone(ZoneInfo(office.tz)).year
    number = minutes_number(office.region_code, year, store.next_minutes_sequence(ctx.session, office.id, year))
    attendance = [institution_label(a, "id") for a in answers["attendance"]]
    items = answers.get("agreements") or []
    report = store.add_report(
        ctx.session, number=number, office_id=office.id, rakor_id=rakor.id if rakor else None, title=title,
        held_on=held_on, attendance=attendance, summary=answers["summary"], reporter_id=ctx.officer.id,
        channel=ctx.channel, created_at=ctx.now,
        agreements=[{"text": i["text"], "due_on": date.fromisoformat(i["due_on"]) if i.get("due_on") else None,
                     **_owner_fields(i["owner"])} for i in items],
    )
    shown = [(a.text, owner_label(a, ctx.lang), a.due_on) for a in report.agreements]
    ctx.emit(Notify(key=f"notulen:{number}", kind="notice", to=ToRole(office.id, Role.HEAD.value, upward=False),
                    render=_minutes_render(number, title, held_on, attendance, answers["summary"], shown),
                    variables=lambda recipient, lang: {"1": number, "2": title}))
    for agreement in report.agreements:
        ctx.emit(*(assigned_notice(agreement, owner.id) for owner in agreement_recipients(ctx.session, agreement)
                   if owner.id != ctx.officer.id))
    return [Reply(t("notulen.saved", ctx.lang, number=number, count=len(items)))]


MINUTES = Flow(
    name="notulen",
    commands=("notulen", "minutes"),
    steps=(
        Step("rakor", choices=meeting_choices),
        Step("title", parse=parse.text(min_len=3, max_len=300), skip_if=_unscheduled),
        Step("held_on", parse=parse.past_date(), skip_if=_unscheduled, show=show_date),
        Step("attendance", choices=institution_choices, multi=True, other=True),
        Step("summary", parse=parse.text(min_len=10, max_len=4000)),
        Step("agreements", optional=True, group=(
            Step("text", parse=parse.text(min_len=5, max_len=2000)),
            Step("owner", search=find_owner, show=show_owner),
            Step("due_on", parse=parse.due_date(), optional=True, show=show_date),
        )),
    ),
    submit=submit_minutes,
)
