"""The nihil check-in: a started conversation at the office's check-in hour, `/nihil`, and `/jeda` to pause it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from handlers.daily import DailyJob, due_offices
from handlers.feature import Feature
from handlers.flow import Answers, Flow, Step
from handlers.holidays import holiday_name
from handlers.localtime import DATE, at_local, day_bounds, day_start, local, local_date
from handlers.texts import t
from handlers.types import Choice, Ctx, Effect, Reply, StartFlow, Tick
from storage import audit, checkins, people
from storage.db import Session
from storage.models import Office

# A check-in not started within this time after the hour (the bot was down) is not started at all.
LATE = timedelta(hours=3)
MAX_PAUSE_DAYS = 30
_PAUSE = re.compile(r"^(\d{1,3})\s*(?:hari|days?|d)?$")
RESUME_WORDS = {"selesai", "stop", "off", "resume", "end", "lanjut"}


def answer_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer nihil or lapor."""
    return (Choice("nihil", t("checkin.nihil", ctx.lang)), Choice("lapor", t("checkin.report", ctx.lang)))


def _filed_since_asked(answers: Answers, ctx: Ctx) -> bool:
    """Skip the question when the officer filed a report or a nihil for the day after the check-in was queued."""
    assert ctx.officer is not None
    day = date.fromisoformat(answers["date"])
    start, end = day_bounds(day, ctx.tz)
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
    return [Reply(t("checkin.saved", ctx.lang, day=f"{day:{DATE}}"))]


def nihil_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/nihil`: nothing to report today."""
    return record_nihil(local_date(ctx.now, ctx.tz), ctx)


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
            until = local(paused, ctx.tz) - timedelta(days=1)
            return [Reply(t("pause.active", ctx.lang, day=f"{until:{DATE}}") + "\n" + t("pause.usage", ctx.lang))]
        usage = t("pause.usage", ctx.lang, max=MAX_PAUSE_DAYS)
        if word:  # say what was not understood, rather than only repeat the usage
            return [Reply(t("pause.not_understood", ctx.lang, text=args.strip()[:40]) + "\n" + usage)]
        return [Reply(usage)]
    days = int(match.group(1))
    today = local_date(ctx.now, ctx.tz)
    until = day_start(today + timedelta(days=days), ctx.tz)
    people_pause(ctx, until)
    last = today + timedelta(days=days - 1)
    return [Reply(t("pause.set", ctx.lang, day=f"{last:{DATE}}"))]


def people_pause(ctx: Ctx, until: datetime | None) -> None:
    """Pause or resume the sender's check-ins, with an audit entry."""
    assert ctx.officer is not None
    checkins.pause_checkins(ctx.session, ctx.officer, until)
    audit.add_audit(ctx.session, ctx.now, "checkin.paused" if until else "checkin.resumed",
                    actor_id=ctx.officer.id, subject=f"officer:{ctx.officer.id}",
                    until=until.isoformat() if until else None)


def _checkin_due(office: Office, day: date) -> datetime | None:
    return None if holiday_name(day) is not None else at_local(day, office.checkin_time, office.tz)


# From the office's check-in hour for LATE, not on holidays.
CHECKIN_DAILY = DailyJob("checkin", _checkin_due, lambda office, due: due + LATE)


def run_checkins(session: Session, now: datetime) -> list[Effect]:
    """At each office's check-in hour: a check-in for every officer who filed nothing today (not on holidays)."""
    effects: list[Effect] = []
    for run in due_offices(session, CHECKIN_DAILY, people.list_offices(session), now):
        start, end = day_bounds(run.day, run.office.tz)
        # Someone who joined after the hour is not asked the same day.
        silent = checkins.list_silent_officers(session, run.office.id, start, now, run.day, reachable=True,
                                               joined_before=run.at)
        for officer in silent:
            effects.append(StartFlow(key=f"checkin:{officer.id}:{run.day.isoformat()}", officer_id=officer.id,
                                     flow=CHECKIN.name, params={"date": run.day.isoformat()}, kind="reminder",
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
