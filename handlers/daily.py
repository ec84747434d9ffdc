"""Once per office per local day: the offices a scheduled job is due for now, each run claimed by one process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from handlers.localtime import local_date
from storage import daily_runs
from storage.db import Session
from storage.models import Office


def _same_day(day: date) -> date:
    return day


@dataclass(frozen=True)
class DailyJob:
    """When a job is due for an office, in its local time.

    `due(office, today)` is the moment (UTC) the job falls due on the office's local day, or None when it
    does not run that day (a holiday). `until(office, due)` is when a run not done yet is dropped: a tick
    that comes late (the process was down) still runs it until then, and never after. `period(today)` is the
    local date one run stands for: the day itself, or for a monthly job the first day of its month.
    """

    name: str
    due: Callable[[Office, date], datetime | None]
    until: Callable[[Office, datetime], datetime]
    period: Callable[[date], date] = _same_day


@dataclass(frozen=True)
class Due:
    """An office whose run of a job this call has claimed: its local date, and when it fell due and expires."""

    office: Office
    day: date
    at: datetime
    until: datetime


def due_offices(session: Session, job: DailyJob, offices: Iterable[Office], now: datetime) -> list[Due]:
    """Claim and return the offices whose job is due now and not yet run for their local day (or month).

    The claim is a row written in the caller's transaction (storage.daily_runs): it is the job's "done" mark
    too, so a job that fails rolls it back, a restart finds it, and two processes never both run the job.
    """
    claimed: list[Due] = []
    for office in offices:
        today = local_date(now, office.tz)
        at = job.due(office, today)
        if at is None or now < at:
            continue
        until = job.until(office, at)
        if now >= until:
            continue
        day = job.period(today)
        if daily_runs.claim_daily_run(session, job.name, office.id, day, now):
            claimed.append(Due(office, day, at, until))
    return claimed
