"""The nihil check-in: a started conversation at the office's check-in hour, `/nihil`, and `/jeda` to pause it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.feature import Feature
from handlers.flow import Answers, Flow, Step
from handlers.holidays import holiday_name
from handlers.texts import t
from handlers.types import Choice, Ctx, Effect, Reply, StartFlow, Tick
from storage import audit, checkins, people
from storage.db import Session

# A check-in not started within this time after the hour (the bot was down) is not started at all.
LATE = timedelta(hours=3)
MAX_PAUSE_DAYS = 30
_PAUSE = re.compile(r"^(\d{1,3})\s*(?:hari|days?|d)?$")
RESUME_WORDS = {"selesai", "stop", "off", "resume", "end", "lanjut"}


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def answer_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer nihil or lapor."""
    return (Choice("nihil", t("checkin.nihil", ctx.lang)), Choice("lapor", t("checkin.report", ctx.lang)))


def _filed_since_asked(answers: Answers, ctx: Ctx) -> bool:
    """Skip the question when the officer filed a report or a nihil for the day after the check-in was queued."""
    assert ctx.officer is not None
    day = date.fromisoformat(answers["date"])
    start, end = _day_bounds(day, ctx.tz)
    silent = checkins.list_silent_officers(ctx.session, ctx.officer.office_id, start, end, day)
    return ctx.officer.id not in {o.id for o in silent}


def submit_checkin(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Store the nihil, or open the report flow."""
    assert ctx.officer is not None
    answer = answers.get("answer")
    if answer is None:  # they reported meanwhile: nothing to ask or say
        return []
    if answer == "lapor":
        ctx.emit(StartFlow(key=f"checkin-report:{ctx.officer.id}:{answers['date']}", officer_id=ctx.officer.id,
                           flow="incident"))
        return []
    return record_nihil(date.fromisoformat(answers["date"]), ctx)


def record_nihil(day: date, ctx: Ctx) -> list[Reply]:
    """Store the sender's nihil for a day."""
    assert ctx.officer is not None
    checkins.add_nihil(ctx.session, ctx.officer.id, day, ctx.now)
    return [Reply(t("checkin.saved", ctx.lang, day=f"{day:%d/%m/%Y}"))]


def nihil_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/nihil`: nothing to report today."""
    return record_nihil(ctx.now.astimezone(ctx.tz).date(), ctx)


def pause_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/jeda 3 hari` pauses the sender's check-ins (today included); `/jeda selesai` resumes them."""
    assert ctx.officer is not None
    word = args.strip().casefold()
    if word in RESUME_WORDS:
        people_pause(ctx, None)
        return [Reply(t("pause.resumed", ctx.lang))]
    match = _PAUSE.match(word)
    if match is None or not 1 <= int(match.group(1)) <= MAX_PAUSE_DAYS:
        paused = ctx.officer.checkins_paused_until
        if paused is not None and paused > ctx.now:
            until = paused.astimezone(ctx.tz) - timedelta(days=1)
            return [Reply(t("pause.active", ctx.lang, day=f"{until:%d/%m/%Y}") + "\n" + t("pause.usage", ctx.lang))]
        usage = t("pause.usage", ctx.lang, max=MAX_PAUSE_DAYS)
        if word:  # say what was not understood, rather than only repeat the usage
            return [Reply(t("pause.not_understood", ctx.lang, text=args.strip()[:40]) + "\n" + usage)]
        return [Reply(usage)]
    days = int(match.group(1))
    today = ctx.now.astimezone(ctx.tz).date()
    until = datetime.combine(today + timedelta(days=days), time(0), ctx.tz).astimezone(UTC)
    people_pause(ctx, until)
    last = today + timedelta(days=days - 1)
    return [Reply(t("pause.set", ctx.lang, day=f"{last:%d/%m/%Y}"))]


def people_pause(ctx: Ctx, until: datetime | None) -> None:
    """Pause or resume the sender's check-ins, with an audit entry."""
    assert ctx.officer is not None
    checkins.pause_checkins(ctx.session, ctx.officer, until)
    audit.add_audit(ctx.session, ctx.now, "checkin.paused" if until else "checkin.resumed",
                    actor_id=ctx.officer.id, subject=f"officer:{ctx.officer.id}",
                    until=until.isoformat() if until else None)


def run_checkins(session: Session, now: datetime) -> list[Effect]:
    """At each office's check-in hour: a check-in for every officer who filed nothing today (not on holidays)."""
    effects: list[Effect] = []
    for office in people.list_offices(session):
        tz = ZoneInfo(office.tz)
        day = now.astimezone(tz).date()
        due = datetime.combine(day, office.checkin_time, tz)
        if not due <= now < due + LATE or holiday_name(day) is not None:
            continue
        if not checkins.claim_run(session, f"checkin:{office.id}:{day.isoformat()}", now):
            continue
        start, end = _day_bounds(day, tz)
        # Someone who joined after the hour is not asked the same day.
        silent = checkins.list_silent_officers(session, office.id, start, now, day, reachable=True,
                                               joined_before=due.astimezone(UTC))
        for officer in silent:
            effects.append(StartFlow(key=f"checkin:{officer.id}:{day.isoformat()}", officer_id=officer.id,
                                     flow=CHECKIN.name, params={"date": day.isoformat()}, kind="reminder",
                                     expires_at=end))
    return effects


CHECKIN = Flow(
    name="checkin",
    commands=(),
    steps=(Step("answer", choices=answer_choices, skip_if=lambda answers, ctx: _filed_since_asked(answers, ctx)),),
    submit=submit_checkin,
    review=False,
)
CHECKIN_TICK = Tick(name="checkin", every=timedelta(minutes=1), run=run_checkins)
CHECKIN_COMMANDS = {"nihil": nihil_command, "jeda": pause_command, "pause": pause_command}

FEATURE = Feature("checkin", flows=(CHECKIN,), commands=CHECKIN_COMMANDS, ticks=(CHECKIN_TICK,))
