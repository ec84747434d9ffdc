"""Rakor invitations and RSVPs (one tap, or a deputy's name), notices of a move or cancellation, reminders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers import parse
from handlers.flow import Answers, Flow, Step
from handlers.rakor.common import REMINDER_HORIZON, Offset, local_when, offsets_for
from handlers.texts import t
from handlers.types import (
    Choice,
    Ctx,
    Effect,
    Inbound,
    Notify,
    Reply,
    StartFlow,
    ToOfficer,
)
from storage import rakor as store
from storage.db import Session
from storage.models import (
    Officer,
    Rakor,
    RakorInvitee,
    RakorStatus,
    Rsvp,
)

# An RSVP waits this long for its one tap (the meeting's own time ends it sooner).
RSVP_TTL = timedelta(days=60)


def invitation_text(rakor: Rakor, tz: str, lang: str, header: str) -> str:
    """Describe a rakor for one reader, in their zone."""
    lines = [t(header, lang), rakor.title, t("rakor.line.when", lang, when=local_when(rakor.starts_at, tz, lang))]
    if rakor.place:
        lines.append(t("rakor.line.place", lang, place=rakor.place))
    if rakor.agenda:
        lines.append(t("rakor.line.agenda", lang, agenda=rakor.agenda))
    lines.append(t("rakor.line.organiser", lang, office=rakor.office.name))
    return "\n".join(lines)


RSVP_TAP = re.compile(r"^rsvp:([0-9]{1,9}):([0-9]{1,6}):(hadir|tidak_hadir|diwakilkan)$")


def rsvp_choice_id(rakor_id: int, version: int, answer: Rsvp) -> str:
    """Name an RSVP button by its rakor and that rakor's time (version), so an old button is known as old."""
    return f"rsvp:{rakor_id}:{version}:{answer.value}"


def rsvp_answer(choice_id: str) -> Rsvp:
    """Read the answer of an RSVP button (`rsvp:12:1:hadir`) or of a bare answer stored before buttons were named."""
    return Rsvp(choice_id.rsplit(":", 1)[-1])


def _version(answers: Answers, rakor: Rakor) -> int:
    # An invitation opened before its version was recorded answers for the rakor's current time.
    return int(answers.get("version") or rakor.version)


def rsvp_choices(answers: Answers, ctx: Ctx) -> Sequence[Choice]:
    """Offer hadir / tidak hadir / diwakilkan for this invitation's rakor and time."""
    rakor = store.get_rakor(ctx.session, int(answers["rakor_id"]))
    version = _version(answers, rakor) if rakor is not None else 0
    return tuple(Choice(rsvp_choice_id(int(answers["rakor_id"]), version, r), t(f"rsvp.{r.value}", ctx.lang))
                 for r in Rsvp)


def invitation_params(answers: Answers, ctx: Ctx) -> dict[str, Any]:
    """Fill the RSVP question with the invitation, in the invitee's zone."""
    rakor = store.get_rakor(ctx.session, int(answers["rakor_id"]))
    if rakor is None:
        return {"invitation": t("rakor.gone", ctx.lang)}
    header = "rakor.invitation.moved" if answers.get("moved") else "rakor.invitation.title"
    text = invitation_text(rakor, ctx.tz.key, ctx.lang, header)
    if answers.get("moved") and rakor.moved_from is not None:
        text += "\n" + t("rakor.line.was", ctx.lang, when=local_when(rakor.moved_from, ctx.tz.key, ctx.lang))
    return {"invitation": text}


def invitation_label(answers: Answers, ctx: Ctx) -> str:
    """Name an invitation waiting to open: the rakor's title and time."""
    rakor = store.get_rakor(ctx.session, int(answers["rakor_id"]))
    if rakor is None:
        return t("flow.rsvp", ctx.lang)
    return t("rsvp.waiting_label", ctx.lang, title=rakor.title,
             when=local_when(rakor.starts_at, ctx.tz.key, ctx.lang))


def invitation_closed(rakor: Rakor | None, version: int, ctx: Ctx) -> str | None:
    """Say why an invitation to a rakor at a given time no longer takes answers, or None while it does."""
    if rakor is None:
        return t("rakor.gone", ctx.lang)
    if rakor.status == RakorStatus.CANCELLED:
        return t("rsvp.closed.cancelled", ctx.lang, title=rakor.title)
    if version != rakor.version:
        return t("rsvp.closed.moved", ctx.lang, title=rakor.title,
                 when=local_when(rakor.starts_at, ctx.tz.key, ctx.lang))
    if rakor.starts_at <= ctx.now:
        return t("rsvp.closed.begun", ctx.lang, title=rakor.title)
    return None


def rsvp_lapsed(answers: Answers, ctx: Ctx) -> str | None:
    """An invitation is closed once its rakor is cancelled, moved (a new invitation replaces it) or begun."""
    rakor = store.get_rakor(ctx.session, int(answers["rakor_id"]))
    return invitation_closed(rakor, _version(answers, rakor) if rakor else 0, ctx)


def submit_rsvp(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Record the invitee's answer, unless the invitation was closed meanwhile."""
    assert ctx.officer is not None
    rakor = store.get_rakor(ctx.session, int(answers["rakor_id"]))
    invitee = store.get_invitee(ctx.session, rakor.id, ctx.officer.id) if rakor else None
    closed = rsvp_lapsed(answers, ctx)
    if closed is not None or rakor is None or invitee is None:
        return [Reply(closed or t("rakor.gone", ctx.lang))]
    answer = rsvp_answer(answers["answer"])
    store.set_rsvp(ctx.session, invitee, answer, answers.get("deputy"), ctx.now)
    key = "rsvp.saved.no" if answer == Rsvp.TIDAK_HADIR else "rsvp.saved.yes"
    return [Reply(t(key, ctx.lang, title=rakor.title, answer=t(f"rsvp.{answer.value}", ctx.lang),
                    deputy=answers.get("deputy") or ""))]


def is_rsvp_tap(inbound: Inbound) -> bool:
    """Tell whether a message is an RSVP button (of an invitation or of a reminder)."""
    return inbound.choice is not None and RSVP_TAP.match(inbound.choice) is not None


def rsvp_tap(inbound: Inbound, ctx: Ctx) -> list[Reply]:
    """Answer an RSVP button tapped outside its question: say why it is closed, or take the answer.

    A deputy's name is still needed for `diwakilkan`, so that answer opens the RSVP at its second question.
    """
    assert ctx.officer is not None and inbound.choice is not None
    m = RSVP_TAP.match(inbound.choice)
    assert m is not None
    rakor_id, version = int(m.group(1)), int(m.group(2))
    rakor = store.get_rakor(ctx.session, rakor_id)
    if rakor is None or store.get_invitee(ctx.session, rakor_id, ctx.officer.id) is None:
        return [Reply(t("rakor.gone", ctx.lang))]
    closed = invitation_closed(rakor, version, ctx)
    if closed is not None:
        return [Reply(closed)]
    answer = rsvp_answer(inbound.choice)
    if answer != Rsvp.DIWAKILKAN:
        return submit_rsvp({"rakor_id": rakor_id, "version": version, "answer": inbound.choice}, ctx)
    ctx.emit(StartFlow(key=f"rsvp-tap:{ctx.officer.id}:{ctx.now.isoformat()}", officer_id=ctx.officer.id,
                       flow="rsvp", params={"rakor_id": rakor_id, "version": version, "answer": inbound.choice}))
    return []


def taps_other_invitation(flow: str | None, answers: Answers, inbound: Inbound) -> bool:
    """Tell whether an RSVP button belongs to an invitation other than the one open in the chat (if any)."""
    if not is_rsvp_tap(inbound):
        return False
    if flow != "rsvp":
        return True
    m = RSVP_TAP.match(inbound.choice or "")
    assert m is not None
    return (int(m.group(1)), int(m.group(2))) != (int(answers["rakor_id"]), int(answers.get("version") or 0))


RSVP = Flow(
    name="rsvp",
    commands=(),
    steps=(
        Step("answer", answer_choices=rsvp_choices, prompt_params=invitation_params),
        Step("deputy", parse=parse.text(min_len=3, max_len=200),
             skip_if=lambda answers, ctx: rsvp_answer(answers.get("answer") or "hadir") != Rsvp.DIWAKILKAN),
    ),
    submit=submit_rsvp,
    review=False,
    draft_ttl=RSVP_TTL,
    lapsed=rsvp_lapsed,
    label=invitation_label,
)


def _cancel_notice(rakor: Rakor, officer_id: int) -> Notify:
    title, starts_at, office = rakor.title, rakor.starts_at, rakor.office.name

    def render(recipient: Officer, lang: str) -> list[Reply]:
        when = local_when(starts_at, recipient.office.tz, lang)
        return [Reply(t("rakor.cancelled", lang, title=title, when=when, office=office))]

    return Notify(key=f"rakor:{rakor.id}:{rakor.version}:cancelled:{officer_id}", kind="notice",
                  to=ToOfficer(officer_id), render=render, expires_at=starts_at,
                  variables=lambda recipient, lang: {"1": title})


def _invitation(rakor: Rakor, officer_id: int) -> StartFlow:
    return StartFlow(key=f"rakor:{rakor.id}:{rakor.version}:invite:{officer_id}", officer_id=officer_id,
                     flow=RSVP.name,
                     params={"rakor_id": rakor.id, "version": rakor.version, "moved": rakor.version > 1},
                     kind="notice", expires_at=rakor.starts_at)


def tell_invitees(session: Session, now: datetime, rakor: Rakor | None = None) -> list[Effect]:
    """Invite, re-invite after a move, or tell of a cancellation, each invitee once per version of a rakor."""
    pending = [(rakor, i) for i in rakor.invitees if i.told_version < rakor.version] if rakor else \
        store.list_untold(session, now)
    effects: list[Effect] = []
    for meeting, invitee in pending:
        if meeting.status == RakorStatus.SCHEDULED:
            effects.append(_invitation(meeting, invitee.officer_id))
        elif invitee.told_version > 0:  # never invited: nothing to call off
            effects.append(_cancel_notice(meeting, invitee.officer_id))
        store.mark_told(session, invitee, meeting.version)
    return effects


def how_soon(starts_at: datetime, now: datetime, tz: ZoneInfo, lang: str) -> str:
    """Say how soon a meeting starts: "30 menit lagi", "2 jam lagi", "besok", "3 hari lagi".

    >>> from datetime import UTC
    >>> how_soon(datetime(2026, 11, 24, 1, tzinfo=UTC), datetime(2026, 11, 23, 23, tzinfo=UTC), ZoneInfo("Asia/Makassar"), "id")
    '2 jam lagi'
    """
    left = starts_at - now
    if left < timedelta(hours=1):
        return t("rakor.soon.minutes", lang, n=max(1, round(left.total_seconds() / 60)))
    days = (starts_at.astimezone(tz).date() - now.astimezone(tz).date()).days
    if days == 0 or left < timedelta(hours=12):
        return t("rakor.soon.hours", lang, n=round(left.total_seconds() / 3600))
    if days == 1:
        return t("rakor.soon.tomorrow", lang)
    return t("rakor.soon.days", lang, n=days)


def _reminder(rakor: Rakor, invitee: RakorInvitee, offset: Offset, now: datetime) -> Notify:
    title, starts_at, place, rakor_id, version = rakor.title, rakor.starts_at, rakor.place, rakor.id, rakor.version
    deputy = invitee.deputy if invitee.rsvp == Rsvp.DIWAKILKAN else None
    unanswered = invitee.rsvp is None

    def render(recipient: Officer, lang: str) -> list[Reply]:
        tz = ZoneInfo(recipient.office.tz)
        lines = [t("rakor.reminder", lang, title=title, when=local_when(starts_at, recipient.office.tz, lang),
                   soon=how_soon(starts_at, now, tz, lang))]
        if place:
            lines.append(t("rakor.line.place", lang, place=place))
        if deputy:
            lines.append(t("rakor.reminder.deputy", lang, deputy=deputy))
        if not unanswered:
            return [Reply("\n".join(lines))]
        # Who has not answered can answer from the reminder itself.
        lines.append(t("rakor.reminder.unanswered", lang))
        return [Reply("\n".join(lines), choices=tuple(Choice(rsvp_choice_id(rakor_id, version, r),
                                                              t(f"rsvp.{r.value}", lang)) for r in Rsvp))]

    return Notify(key=f"rakor:{rakor.id}:{rakor.version}:{offset.tag}:{invitee.officer_id}", kind="reminder",
                  to=ToOfficer(invitee.officer_id), render=render, expires_at=starts_at,
                  variables=lambda recipient, lang: {"1": title,
                                                     "2": local_when(starts_at, recipient.office.tz, lang)})


def remind_invitees(session: Session, now: datetime) -> list[Effect]:
    """Queue each due reminder once per invitee and meeting time; never for those who declined or after the start.

    A reminder whose moment had passed when the rakor was (re)scheduled is left out: the invitation covers it.
    One missed while Siaga was down goes out late, as long as the meeting has not begun.
    """
    effects: list[Effect] = []
    for rakor in store.list_rakor(session, after=now, before=now + REMINDER_HORIZON + timedelta(days=1)):
        offsets = offsets_for(rakor)
        for invitee in rakor.invitees:
            if invitee.rsvp == Rsvp.TIDAK_HADIR or not invitee.officer.active:
                continue
            if invitee.told_version < rakor.version:  # the invitation goes first
                continue
            tz = ZoneInfo(invitee.officer.office.tz)
            for offset in offsets:
                tag = f"{rakor.version}:{offset.tag}"
                due = offset.due(rakor.starts_at, tz)
                if tag in invitee.reminded or due > now:
                    continue
                if due >= rakor.scheduled_at:
                    effects.append(_reminder(rakor, invitee, offset, now))
                store.mark_reminded(session, invitee, tag)
    return effects


def resolve_targets(session: Session, targets: Sequence[str]) -> list[int]:
    """Turn invitation targets (`office:ID`, `kabkota:PROVINCE`, `officer:ID`) into officer ids, each once."""
    ids: list[int] = []
    for target in targets:
        kind, _, ref = target.partition(":")
        if kind == "office":
            ids.extend(o.id for o in store.list_members(session, int(ref)))
        elif kind == "kabkota":
            for office in store.list_regency_offices(session, ref):
                ids.extend(o.id for o in store.list_members(session, office.id))
        elif kind == "officer":
            officer = store.get_officer(session, int(ref))
            if officer is not None and officer.active:
                ids.append(officer.id)
        else:
            raise ValueError(f"unknown invitation target {target!r}")
    return list(dict.fromkeys(ids))
