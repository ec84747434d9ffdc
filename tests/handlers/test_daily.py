"""Once per office per local day: the window, the claim, a restart, a failed run, a month, and two processes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from handlers.daily import DailyJob, due_offices
from handlers.digest import DIGEST_TICK
from handlers.localtime import at_local
from storage import daily_runs, people
from storage.models import OfficeDailyRun, Role
from tests.conftest import add_office, add_officer, prepare

# 09:00 WITA (Banjarmasin) on Tuesday 24/11/2026 is 01:00 UTC; Palangka Raya (WIB) is an hour behind.
NINE_WITA = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
NINE = DailyJob("nine", lambda office, day: at_local(day, time(9, 0), office.tz),
                lambda office, due: due + timedelta(hours=2))


def offices(sessions, *regions: str) -> list[int]:
    with sessions.begin() as s:
        return [add_office(s, r, tz="Asia/Pontianak" if r.startswith("62") else "Asia/Makassar").id for r in regions]


def run(sessions, job: DailyJob, now: datetime) -> list[tuple[int, date, datetime, datetime]]:
    with sessions.begin() as s:
        return [(d.office.id, d.day, d.at, d.until) for d in due_offices(s, job, people.list_offices(s), now)]


def test_a_job_is_due_from_its_local_time_once_per_office_and_day(sessions):
    kota, kalteng = offices(sessions, "63.71", "62")
    assert [r for r in run(sessions, NINE, NINE_WITA - timedelta(seconds=1)) if r[0] in (kota, kalteng)] == []
    due = [r for r in run(sessions, NINE, NINE_WITA) if r[0] in (kota, kalteng)]
    assert due == [(kota, date(2026, 11, 24), NINE_WITA, NINE_WITA + timedelta(hours=2))]
    assert run(sessions, NINE, NINE_WITA + timedelta(minutes=1)) == []
    # An hour later it is 09:00 in WIB: Kalteng's turn, once.
    later = NINE_WITA + timedelta(hours=1)
    assert [r[:2] for r in run(sessions, NINE, later) if r[0] in (kota, kalteng)] == [(kalteng, date(2026, 11, 24))]
    assert run(sessions, NINE, later + timedelta(minutes=1)) == []
    # The next local day it is due again.
    assert (kota, date(2026, 11, 25)) in [r[:2] for r in run(sessions, NINE, NINE_WITA + timedelta(days=1))]


def test_a_tick_late_within_the_window_still_runs_and_one_after_it_never(sessions):
    [kota] = offices(sessions, "63.71")
    # The process was down at 09:00 and comes back at 10:59: the run is still due, with its own due moment.
    [(_, _, at, _)] = [r for r in run(sessions, NINE, NINE_WITA + timedelta(minutes=119)) if r[0] == kota]
    assert at == NINE_WITA
    # Down over the whole window the next day: nothing is claimed, and nothing is due later that day.
    next_day = NINE_WITA + timedelta(days=1)
    assert [r for r in run(sessions, NINE, next_day + timedelta(hours=2)) if r[0] == kota] == []
    assert [r for r in run(sessions, NINE, next_day + timedelta(hours=5)) if r[0] == kota] == []
    with sessions.begin() as s:
        days = s.scalars(select(OfficeDailyRun.local_date).where(OfficeDailyRun.job == "nine",
                                                                 OfficeDailyRun.office_id == kota)).all()
    assert days == [date(2026, 11, 24)]


def test_a_run_that_fails_leaves_the_job_due(sessions):
    [kota] = offices(sessions, "63.71")
    with pytest.raises(RuntimeError), sessions.begin() as s:
        assert [d for d in due_offices(s, NINE, people.list_offices(s), NINE_WITA) if d.office.id == kota]
        raise RuntimeError("the digest could not be gathered")
    assert kota in [r[0] for r in run(sessions, NINE, NINE_WITA + timedelta(minutes=1))]


def test_a_day_that_is_not_due_claims_nothing(sessions):
    offices(sessions, "63.71")
    never = DailyJob("never", lambda office, day: None, lambda office, due: due)
    assert run(sessions, never, NINE_WITA) == []
    with sessions.begin() as s:
        assert not s.scalars(select(OfficeDailyRun).where(OfficeDailyRun.job == "never")).all()


def test_a_monthly_job_runs_once_in_its_month_from_its_day_on(sessions):
    [kota] = offices(sessions, "63.71")
    monthly = DailyJob("monthly", lambda office, day: at_local(day.replace(day=2), time(7, 0), office.tz),
                       lambda office, due: at_local(date(due.year + due.month // 12, due.month % 12 + 1, 1), time(0),
                                                    office.tz),
                       period=lambda day: day.replace(day=1))

    def mine(now):
        return [r[:2] for r in run(sessions, monthly, now) if r[0] == kota]

    assert mine(datetime(2026, 12, 1, 22, 59, tzinfo=UTC)) == []  # 06:59 WITA on 2/12
    assert mine(datetime(2026, 12, 1, 23, 0, tzinfo=UTC)) == [(kota, date(2026, 12, 1))]
    assert mine(datetime(2026, 12, 20, 5, 0, tzinfo=UTC)) == []
    assert mine(datetime(2027, 1, 5, 5, 0, tzinfo=UTC)) == [(kota, date(2027, 1, 1))]


def test_a_digest_missed_at_0700_because_the_process_was_down_goes_at_restart_with_the_0700_figures(sessions):
    with sessions.begin() as s:
        head_id = add_officer(s, "h71", role=Role.HEAD).id
    nine = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 WITA: two hours late, before noon

    def kota(now: datetime) -> list:
        with sessions.begin() as s:
            return [n for n in DIGEST_TICK.run(s, now) if s.get(people.Office, n.to.office_id).region_code == "63.71"]

    [notice] = kota(nine)
    assert notice.key.endswith(":2026-11-24") and notice.expires_at == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    with sessions.begin() as s:
        replies = notice.render(people.get_officer(s, head_id), "id")
    assert "24/11/2026 07:00 WITA" in replies[0].text
    assert kota(nine + timedelta(minutes=1)) == []


@pytest.mark.parametrize("first_commits", [True, False])
def test_two_processes_claiming_the_same_run_at_once_run_it_exactly_once(database_factory, first_commits):
    engine = prepare(database_factory())
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as s:
        office_id = add_office(s).id
    day, now = date(2026, 11, 24), NINE_WITA
    first = sessions()
    first.begin()
    assert daily_runs.claim_daily_run(first, "digest", office_id, day, now) is True
    second: dict[str, bool] = {}

    def other_process() -> None:
        with sessions.begin() as s:
            second["claimed"] = daily_runs.claim_daily_run(s, "digest", office_id, day, now)

    thread = threading.Thread(target=other_process)
    thread.start()
    # The second insert waits for the first transaction (PostgreSQL: the conflicting key; SQLite: the write lock).
    thread.join(timeout=0.5)
    assert "claimed" not in second
    first.commit() if first_commits else first.rollback()
    first.close()
    thread.join(timeout=30)
    assert second == {"claimed": not first_commits}
    with sessions.begin() as s:
        assert len(s.scalars(select(OfficeDailyRun).where(OfficeDailyRun.office_id == office_id)).all()) == 1
    engine.dispose()
