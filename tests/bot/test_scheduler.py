"""The scheduler: ticks run on an interval with the runner's clock, effects queued once; the PostgreSQL leader lock."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.outbox import new_boot_id
from bot.effects import Delivery
from bot.runner import Runner
from bot.scheduler import Presence, Scheduler
from handlers.types import Notify, Reply, Tick, ToRole
from storage import outbox
from storage.db import make_sessions
from storage.models import Role
from tests.conftest import TEST_DATABASE_URL, Clock, add_officer, prepare
from tests.support.fake_twilio import wait_until


def heads_tick(runs: list[object]) -> Tick:
    """Every 50 ms: the day's notice to the heads of 63.71 and above (one key per local day)."""
    def run(session, now):
        runs.append(now)
        from storage import people

        office = people.get_office_by_region(session, "63.71")
        return [Notify(f"test-notice:{now:%Y-%m-%d}", "notice", ToRole(office.id, Role.HEAD.value),
                       lambda officer, lang: [Reply("Pemberitahuan harian")])]
    return Tick("test-notice", timedelta(milliseconds=50), run)


def test_a_tick_runs_on_its_interval_with_the_runners_clock_and_queues_once(database_factory, settings):
    engine = prepare(database_factory())
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        add_officer(s, "111", role=Role.HEAD, channel="telegram")
        add_officer(s, "222", region="63", role=Role.HEAD, channel="telegram")
    clock = Clock()
    runner = Runner(sessions, settings, clock=clock, delivery=Delivery(frozenset({"telegram"})))
    woken: list[bool] = []
    runner.wake = lambda: woken.append(True)
    runs: list[object] = []

    async def main() -> None:
        scheduler = Scheduler(runner, [heads_tick(runs)])
        await scheduler.start()
        assert scheduler.running  # SQLite: the one process runs it without a lock
        deadline = time.monotonic() + 10
        while len(runs) < 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await scheduler.stop()

    asyncio.run(main())
    runner.close()
    assert len(runs) >= 4 and set(runs) == {clock()}  # the injected clock, not the wall clock
    with sessions.begin() as s:
        rows = outbox.list_messages(s, limit=None)
    assert sorted(m.address for m in rows) == ["111", "222"]  # every run after the first added nothing
    assert woken == [True]
    engine.dispose()


def test_a_failing_tick_is_logged_and_does_not_stop_the_scheduler(sessions, settings, clock, caplog):
    runner = Runner(sessions, settings, clock=clock)
    calls: list[int] = []

    def broken(session, now):
        calls.append(1)
        raise RuntimeError("bug in a tick")

    async def main() -> None:
        scheduler = Scheduler(runner, [Tick("broken", timedelta(milliseconds=30), broken)])
        await scheduler.start()
        deadline = time.monotonic() + 10
        while len(calls) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await scheduler.stop()

    asyncio.run(main())
    runner.close()
    assert len(calls) >= 2
    assert any("tick broken failed" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="advisory locks are PostgreSQL's")
def test_one_process_holds_the_scheduler_lock_and_another_takes_over_when_it_dies(database_factory):
    engine = prepare(database_factory())
    first, second = Presence(engine, new_boot_id()), Presence(engine, new_boot_id())
    try:
        first.open()
        second.open()
        assert first.try_lead() is True
        assert second.try_lead() is False
        assert first.try_lead() is True  # still ours, its connection checked
        assert second.is_dead(first.boot_id) is False and first.is_dead(second.boot_id) is False
        first.close()  # its connection gone, like a killed process's
        # The server drops the locks when its backend for that connection exits, a moment later (longer on a
        # loaded machine): wait for it rather than bet on a delay.
        wait_until(second.try_lead, timeout=30)
        assert second.is_dead(first.boot_id) is True
    finally:
        first.close()
        second.close()
        engine.dispose()
