"""Scheduling rakor: /rakor_baru, the /rakor list with RSVP counts, moving and cancelling (chat and CLI)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from handlers import guard, parse
from handlers.flow import Answers, Flow, Step
from handlers.rakor.common import (
    LIST_LIMIT,
    ORGANISERS,
    local_when,
    person,
    show_starts_at,
)
from handlers.rakor.invitations import resolve_targets, tell_invitees
from handlers.texts import t
from handlers.types import (
    Choice,
    Ctx,
    Reply,
    StartFlow,
)
from storage import audit
from storage import rakor as store
from storage.db import Session
from storage.models import (
    Officer,
    Rakor,
    Rsvp,
)


def invite_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer the sender's office, the offices under it (all kab/kota at once for a province) and its guests."""
    assert ctx.officer is not None
    office = ctx.officer.office
    choices = [Choice(f"office:{office.id}", t("rakor_new.own_office", ctx.lang, office=office.name))]
    below = [o for o in store.list_offices_below(ctx.session, office.region_code) if o.id != office.id]
    if "." not in office.region_code and below:
        choices.append(Choice(f"kabkota:{office.region_code}", t("rakor_new.all_kabkota", ctx.lang)))
    choices.extend(Choice(f"office:{o.id}", o.name) for o in below)
    choices.extend(Choice(f"officer:{g.id}", f"{g.name} ({g.institution or '-'})")
                   for g in store.list_guests(ctx.session, office.id))
    return tuple(choices)


def submit_rakor(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Schedule the rakor and send the invitations with this turn."""
    assert ctx.officer is not None
    invitees = [i for i in resolve_targets(ctx.session, answers["invitees"]) if i != ctx.officer.id]
    rakor = store.add_rakor(
        ctx.session, office_id=ctx.officer.office_id, title=answers["title"],
        starts_at=datetime.fromisoformat(answers["starts_at"]), place=answers.get("place"),
        agenda=answers.get("agenda"), created_by=ctx.officer.id, now=ctx.now, invitee_ids=invitees,
    )
    ctx.emit(*tell_invitees(ctx.session, ctx.now, rakor))
    return [Reply(t("rakor_new.saved", ctx.lang, id=rakor.id, count=len(invitees),
                    when=local_when(rakor.starts_at, ctx.tz.key, ctx.lang)))]


RAKOR_NEW = Flow(
    name="rakor_new",
    commands=("rakor_baru", "new_rakor"),
    steps=(
        Step("title", parse=parse.text(min_len=3, max_len=300)),
        Step("starts_at", parse=parse.future_when(), show=show_starts_at),
        Step("place", parse=parse.text(min_len=2, max_len=300), optional=True),
        Step("agenda", parse=parse.text(min_len=2, max_len=2000), optional=True),
        Step("invitees", choices=invite_choices, multi=True),
    ),
    submit=submit_rakor,
)


def _organises(officer: Officer, rakor: Rakor) -> bool:
    return rakor.created_by == officer.id or (
        rakor.office_id == officer.office_id and officer.role in ORGANISERS
    )


def rakor_command(args: str, ctx: Ctx) -> list[Reply]:
    """List upcoming rakor with RSVP counts; the organiser also sees who has not answered."""
    officer = ctx.officer
    assert officer is not None
    region = officer.office.region_code if officer.role in ORGANISERS else None
    meetings = store.list_rakor(ctx.session, region_code=region, invitee_id=officer.id, after=ctx.now,
                                limit=LIST_LIMIT)
    if not meetings:
        return [Reply(t("rakor.list.none", ctx.lang))]
    lines = [t("rakor.list.title", ctx.lang)]
    for rakor in meetings:
        counts = {r: sum(1 for i in rakor.invitees if i.rsvp == r) for r in Rsvp}
        silent = [i for i in rakor.invitees if i.rsvp is None]
        lines.append(t("rakor.list.item", ctx.lang, id=rakor.id, title=rakor.title,
                       when=local_when(rakor.starts_at, ctx.tz.key, ctx.lang), place=rakor.place or "-"))
        lines.append(t("rakor.list.counts", ctx.lang, hadir=counts[Rsvp.HADIR], tidak=counts[Rsvp.TIDAK_HADIR],
                       wakil=counts[Rsvp.DIWAKILKAN], belum=len(silent)))
        mine = next((i for i in rakor.invitees if i.officer_id == officer.id), None)
        if mine is not None:
            answer = t(f"rsvp.{mine.rsvp.value}", ctx.lang) if mine.rsvp else t("rsvp.none", ctx.lang)
            lines.append(t("rakor.list.yours", ctx.lang, answer=answer))
        if silent and _organises(officer, rakor):
            names = ", ".join(person(i.officer) for i in silent)
            lines.append(t("rakor.list.silent", ctx.lang, names=names))
    mine = [str(r.id) for r in meetings if _organises(officer, r)]
    if officer.role in ORGANISERS and mine:
        # Name the rakor the sender may move: a province head also sees kab/kota rakor he cannot.
        lines.append(t("rakor.list.manage", ctx.lang, ids=", ".join(mine), example=mine[0]))
    return [Reply("\n".join(lines))]


def move_meeting(session: Session, rakor: Rakor, starts_at: datetime, now: datetime,
                 actor_id: int | None = None) -> None:
    """Give a rakor a new time (`siaga rakor move`, /rakor_ubah): invitees are asked again, reminders follow."""
    store.move_rakor(session, rakor, starts_at, now)
    audit.add_audit(session, now, "rakor.moved", actor_id=actor_id, subject=f"rakor:{rakor.id}")


def cancel_meeting(session: Session, rakor: Rakor, now: datetime, actor_id: int | None = None) -> None:
    """Call a rakor off (`siaga rakor cancel`, /rakor_batal): invitees are told once, reminders stop."""
    store.cancel_rakor(session, rakor)
    audit.add_audit(session, now, "rakor.cancelled", actor_id=actor_id, subject=f"rakor:{rakor.id}")


def _manageable(ctx: Ctx) -> list[Rakor]:
    """The coming rakor the sender organises (a head or admin of the organising office, or its creator)."""
    assert ctx.officer is not None
    officer = ctx.officer
    return [r for r in store.list_rakor(ctx.session, region_code=officer.office.region_code, after=ctx.now)
            if _organises(officer, r)]


def _managed(answers: Answers, ctx: Ctx) -> Rakor | None:
    """The rakor a draft names, if it is still coming, scheduled and the sender's to change."""
    rakor = store.get_rakor(ctx.session, int(answers["rakor"]))
    return rakor if rakor is not None and rakor in _manageable(ctx) else None


def managed_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer the coming rakor the sender organises."""
    return tuple(Choice(str(r.id), f"#{r.id} {r.title} ({local_when(r.starts_at, ctx.tz.key, ctx.lang)})")
                 for r in _manageable(ctx)[:LIST_LIMIT])


def managed_params(answers: Answers, ctx: Ctx) -> dict[str, Any]:
    """Fill a question with the chosen rakor: its title, time and how many are invited."""
    rakor = store.get_rakor(ctx.session, int(answers["rakor"]))
    if rakor is None:
        return {"title": "-", "when": "-", "count": 0}
    return {"title": rakor.title, "when": local_when(rakor.starts_at, ctx.tz.key, ctx.lang),
            "count": len(rakor.invitees)}


def _manage_command(flow: Flow, args: str, ctx: Ctx) -> list[Reply]:
    """Open the move or cancel conversation, at the rakor named by `args` (`/rakor_ubah 3`) if any."""
    assert ctx.officer is not None
    mine = _manageable(ctx)
    if not mine:
        return [Reply(t("rakor.manage.none", ctx.lang))]
    ref = args.strip().lstrip("#")
    params: dict[str, Any] = {}
    if ref:
        # Nine ASCII digits at most: an id, never an overflow of the database's integer.
        rakor = store.get_rakor(ctx.session, int(ref)) if re.fullmatch(r"[0-9]{1,9}", ref) else None
        if rakor is None or rakor not in mine:
            if rakor is not None and not _organises(ctx.officer, rakor):
                guard.refuse(flow.name, ctx, reason="not_organiser")  # audited; answered like a missing one
            return [Reply(t("rakor.manage.unknown", ctx.lang, id=ref))]
        params = {"rakor": str(rakor.id)}
    ctx.emit(StartFlow(key=f"{flow.name}:{ctx.officer.id}:{ctx.now.isoformat()}", officer_id=ctx.officer.id,
                       flow=flow.name, params=params))
    return []


def submit_move(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Move the rakor; the invitees are asked again with this turn."""
    assert ctx.officer is not None
    rakor = _managed(answers, ctx)
    if rakor is None:
        return [Reply(t("rakor.manage.gone", ctx.lang, id=answers["rakor"]))]
    starts_at = datetime.fromisoformat(answers["starts_at"])
    if starts_at <= ctx.now:  # the draft waited past its new time
        return [Reply(t("rakor_move.too_late", ctx.lang))]
    if starts_at == rakor.starts_at:
        return [Reply(t("rakor_move.same", ctx.lang, id=rakor.id))]
    move_meeting(ctx.session, rakor, starts_at, ctx.now, ctx.officer.id)
    told = tell_invitees(ctx.session, ctx.now, rakor)
    ctx.emit(*told)
    return [Reply(t("rakor_move.saved", ctx.lang, id=rakor.id, title=rakor.title, count=len(told),
                    when=local_when(rakor.starts_at, ctx.tz.key, ctx.lang)))]


def cancel_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer to cancel the rakor or keep it."""
    return (Choice("ya", t("rakor_cancel.yes", ctx.lang)), Choice("tidak", t("rakor_cancel.no", ctx.lang)))


def submit_cancel(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Cancel the rakor once confirmed; the invitees are told with this turn."""
    assert ctx.officer is not None
    if answers["confirm"] != "ya":
        return [Reply(t("rakor_cancel.kept", ctx.lang, id=answers["rakor"]))]
    rakor = _managed(answers, ctx)
    if rakor is None:
        return [Reply(t("rakor.manage.gone", ctx.lang, id=answers["rakor"]))]
    cancel_meeting(ctx.session, rakor, ctx.now, ctx.officer.id)
    told = tell_invitees(ctx.session, ctx.now, rakor)
    ctx.emit(*told)
    return [Reply(t("rakor_cancel.saved", ctx.lang, id=rakor.id, title=rakor.title, count=len(told)))]


RAKOR_MOVE = Flow(
    name="rakor_move",
    commands=(),
    steps=(
        Step("rakor", choices=managed_choices),
        Step("starts_at", parse=parse.future_when(), show=show_starts_at, prompt_params=managed_params),
    ),
    submit=submit_move,
)


RAKOR_CANCEL = Flow(
    name="rakor_cancel",
    commands=(),
    steps=(
        Step("rakor", choices=managed_choices),
        Step("confirm", choices=cancel_choices, prompt_params=managed_params),
    ),
    submit=submit_cancel,
    review=False,
)


def move_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/rakor_ubah [ID]`: give one of the sender's coming rakor a new time."""
    return _manage_command(RAKOR_MOVE, args, ctx)


def cancel_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/rakor_batal [ID]`: call one of the sender's coming rakor off."""
    return _manage_command(RAKOR_CANCEL, args, ctx)
