"""Rakor: scheduling (/rakor_baru), invitations and RSVPs, reminders, minutes (/notulen), agreements followed up."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers import guard, parse
from handlers.engine import zone_abbreviation
from handlers.feature import EVERYONE, Feature, Rule
from handlers.flow import Answers, Flow, Step
from handlers.parse import Invalid
from handlers.texts import t
from handlers.types import Choice, Ctx, Effect, Inbound, Notify, Render, Reply, StartFlow, Tick, ToOfficer, ToRole
from storage import audit
from storage import rakor as store
from storage.db import Session
from storage.models import Agreement, AgreementStatus, Office, Officer, Rakor, RakorInvitee, RakorStatus, Role, Rsvp

NUMBER_PREFIX = "RK"
DEFAULT_REMINDERS = "1d@08:00,2h"
# Agreement owners are reminded this many days before the due date, at this local time.
AGREEMENT_REMINDER_DAYS = (3, 1)
AGREEMENT_REMINDER_TIME = time(8, 0)
# Reminder offsets longer than this are not looked for (a rakor is found by the reminder tick this far ahead).
REMINDER_HORIZON = timedelta(days=31)
# An RSVP waits this long for its one tap (the meeting's own time ends it sooner).
RSVP_TTL = timedelta(days=60)
# An agreement reminder's one tap lapses before the next reminder, which would otherwise wait behind it unseen.
AGREEMENT_TTL = timedelta(hours=20)
# An overdue agreement's owner is reminded the day after the due date and then this often, until it is closed.
OVERDUE_EVERY = timedelta(days=7)
LIST_LIMIT = 10
AGREEMENT_LIST_LIMIT = 20
ORGANISERS = frozenset({Role.HEAD, Role.ADMIN})
# Institutions offered for attendance and as agreement owners (typed names are kept as written).
INSTITUTIONS = ("kesbangpol", "kpu", "bawaslu", "tni", "polri", "kejaksaan", "pemda", "fkub")


# -- time: reminder offsets and local rendering -------------------------------------------------------


@dataclass(frozen=True)
class Offset:
    """When a reminder goes: `days` before at a local clock time, or a span before the start."""

    tag: str
    days: int = 0
    at: time | None = None
    before: timedelta = timedelta(0)

    def due(self, starts_at: datetime, tz: ZoneInfo) -> datetime:
        """Return the reminder's moment for a meeting, in the invitee's own zone."""
        if self.at is None:
            return starts_at - self.before
        day = starts_at.astimezone(tz).date() - timedelta(days=self.days)
        return datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)


_OFFSET = re.compile(r"^(\d{1,3})\s*([dhm])(?:@(\d{1,2})[:.](\d{2}))?$")


def parse_offsets(spec: str) -> tuple[Offset, ...]:
    """Read reminder offsets (RAKOR_REMINDERS): `1d@08:00` a day before at 08:00 local, `2h`, `30m`, `1d`.

    >>> [o.tag for o in parse_offsets("1d@8:00, 2h")]
    ['1d@08:00', '2h']
    """
    offsets = []
    for part in filter(None, (p.strip().lower() for p in spec.split(","))):
        m = _OFFSET.match(part)
        if m is None or (m.group(3) is not None and m.group(2) != "d"):
            raise ValueError(f"cannot read reminder offset {part!r}: use e.g. 1d@08:00, 2h or 30m")
        amount, unit = int(m.group(1)), m.group(2)
        if m.group(3) is not None:
            hour, minute = int(m.group(3)), int(m.group(4))
            if hour > 23 or minute > 59:
                raise ValueError(f"cannot read reminder offset {part!r}: the time must be 00:00-23:59")
            offsets.append(Offset(f"{amount}d@{hour:02d}:{minute:02d}", days=amount, at=time(hour, minute)))
        else:
            span = {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]
            if span > REMINDER_HORIZON:
                raise ValueError(f"reminder offset {part!r} is longer than {REMINDER_HORIZON.days} days")
            offsets.append(Offset(f"{amount}{unit}", before=span))
    if not offsets:
        raise ValueError("no reminder offsets given: use e.g. 1d@08:00,2h")
    return tuple(offsets)


def offsets_for(rakor: Rakor) -> tuple[Offset, ...]:
    """Return a rakor's reminder offsets: its own, else its office's, else the default."""
    for spec in (rakor.reminders, rakor.office.rakor_reminders):
        if spec:
            try:
                return parse_offsets(spec)
            except ValueError:
                continue  # stored before validation existed; the next setting applies
    return parse_offsets(DEFAULT_REMINDERS)


def local_when(moment: datetime, tz: str, lang: str) -> str:
    """Render a moment in a zone: `Selasa, 24/11/2026 09:00 WITA`."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{t(f'weekday.{local.weekday()}', lang)}, {local:%d/%m/%Y %H:%M} {zone_abbreviation(tz)}"


def show_date(value: str, ctx: Ctx) -> str:
    """Render an ISO date as 30/11/2026."""
    return f"{date.fromisoformat(value):%d/%m/%Y}"


def show_starts_at(value: str, ctx: Ctx) -> str:
    """Render a meeting time in the sender's zone."""
    return local_when(datetime.fromisoformat(value), ctx.tz.key, ctx.lang)


def institution_label(code_or_name: str, lang: str) -> str:
    """Return the display name of a known institution code, or the typed name."""
    return t(f"institution.{code_or_name}", lang) if code_or_name in INSTITUTIONS else code_or_name


def institution_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer the usual rakor institutions."""
    return tuple(Choice(code, institution_label(code, ctx.lang)) for code in INSTITUTIONS)


# -- invitations, RSVP, notices ---------------------------------------------------------------------------


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


# -- /rakor_baru: scheduling in chat ------------------------------------------------------------------------


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


# -- /rakor: upcoming meetings with RSVP counts ----------------------------------------------------------------


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
            names = ", ".join(_person(i.officer) for i in silent)
            lines.append(t("rakor.list.silent", ctx.lang, names=names))
    mine = [str(r.id) for r in meetings if _organises(officer, r)]
    if officer.role in ORGANISERS and mine:
        # Name the rakor the sender may move: a province head also sees kab/kota rakor he cannot.
        lines.append(t("rakor.list.manage", ctx.lang, ids=", ".join(mine), example=mine[0]))
    return [Reply("\n".join(lines))]


def _person(officer: Officer) -> str:
    suffix = officer.institution if officer.role == Role.GUEST else officer.office.name
    return f"{officer.name or '#' + str(officer.id)} ({suffix})"


# -- /notulen: minutes by chat ----------------------------------------------------------------------------------


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
        return _person(officer) if officer else ref
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


def owner_label(agreement: Agreement, lang: str) -> str:
    """Name an agreement's owner."""
    if agreement.owner_office is not None:
        return agreement.owner_office.name
    if agreement.owner_officer is not None:
        return _person(agreement.owner_officer)
    return agreement.owner_institution or "-"


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
        ctx.emit(*(_assigned_notice(agreement, owner.id) for owner in agreement_recipients(ctx.session, agreement)
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


# -- agreements: due reminders with one tap, /kesepakatan -------------------------------------------------------


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


def _assigned_notice(agreement: Agreement, officer_id: int) -> Notify:
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
        text, number, who, note = agreement.text, agreement.report.number, _person(ctx.officer), answers["note"]
        ctx.emit(Notify(key=f"agreement:{agreement.id}:progress:{len(agreement.progress)}", kind="notice",
                        to=ToRole(agreement.report.office_id, Role.HEAD.value, upward=False),
                        render=lambda recipient, lang: [Reply(t("agreement.progress_notice", lang, text=text,
                                                                number=number, who=who, note=note))],
                        variables=lambda recipient, lang: {"1": number, "2": text}))
        return [Reply(t("agreement.progress_saved", ctx.lang))]
    store.mark_done(ctx.session, agreement, ctx.officer.id, ctx.now)
    text, number, who = agreement.text, agreement.report.number, _person(ctx.officer)
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


# -- for the heads' daily digest (built elsewhere) ---------------------------------------------------------------


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


def check_target_time(raw: str, tz: str, now: datetime) -> datetime:
    """Read a CLI meeting time `YYYY-MM-DD HH:MM` in an office's zone; it must lie ahead."""
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(tz))
    except ValueError as exc:
        raise Invalid("error.when") from exc
    if local <= now:
        raise Invalid("error.when_past")
    return local.astimezone(UTC)


# -- moving and cancelling: the same steps for the CLI and the chat ---------------------------------------------


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


COMMANDS = {
    "rakor": rakor_command,
    "kesepakatan": agreements_command,
    "agreements": agreements_command,
    "rakor_ubah": move_command,
    "move_rakor": move_command,
    "rakor_batal": cancel_command,
    "cancel_rakor": cancel_command,
}
FLOWS = (RAKOR_NEW, RSVP, MINUTES, AGREEMENT, RAKOR_MOVE, RAKOR_CANCEL)
TICKS = (
    Tick("rakor-invitations", timedelta(minutes=1), tell_invitees),
    Tick("rakor-reminders", timedelta(minutes=1), remind_invitees),
    Tick("agreement-reminders", timedelta(minutes=5), remind_owners),
)
FEATURE = Feature(
    "rakor", flows=FLOWS, commands=COMMANDS, ticks=TICKS, digest_sections=(digest_lines,),
    rules={
        # A guest sees the rakor they are invited to and the agreements they answer for, and answers their
        # invitations and agreement reminders; nothing else.
        "rakor": Rule(EVERYONE), "kesepakatan": Rule(EVERYONE), "agreements": Rule(EVERYONE),
        RSVP.name: Rule(EVERYONE), AGREEMENT.name: Rule(EVERYONE),
        **{name: Rule(ORGANISERS, refusal="engine.not_allowed") for name in RAKOR_NEW.commands},
        **{name: Rule(ORGANISERS) for name in ("rakor_ubah", "move_rakor", "rakor_batal", "cancel_rakor")},
    },
)
