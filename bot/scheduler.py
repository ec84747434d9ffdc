"""APScheduler jobs rebuilt at start: every tick the features declare (`handlers.SCHEDULED`), the started-flow opener.

Due work is derived from the tables by each tick and written to the outbox under idempotency keys,
so jobs keep no state of their own (MemoryJobStore) and a restart neither loses nor repeats a message.
With several `siaga run` processes on one PostgreSQL database, only the holder of an advisory lock runs
the scheduler; the others try again every second and take over within seconds when the holder dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bot.runner import Runner
from handlers.types import Tick
from storage import locks

log = logging.getLogger(__name__)

# The advisory lock key of "the process that runs the scheduler" (any bigint; process locks use 60-bit keys
# derived from their boot ids, so they cannot meet this one by more than chance).
SCHEDULER_LOCK = 0x7_51A6A_5C4ED
LOCK_RETRY = 1.0
# How often waiting started flows are looked at (their not_before came, or their officer became free).
STARTS_EVERY = timedelta(seconds=30)


def _process_key(boot_id: str) -> int:
    return int(boot_id[:15], 16)


class Presence:
    """This process's advisory locks on one dedicated PostgreSQL connection, held for the process lifetime.

    Holding the lock named by our boot id says "alive" to the other processes: a process whose lock can
    be taken has died, and its claimed sends are sent again. The same connection holds the scheduler lock.
    """

    def __init__(self, engine: Engine, boot_id: str) -> None:
        self.engine = engine
        self.boot_id = boot_id
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self.leader = False

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            locks.lock(self._conn, _process_key(self.boot_id))
            self.leader = False
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()
                self._conn.close()
        self._conn = None
        self.leader = False

    def open(self) -> None:
        """Take our own lock (say we are alive)."""
        with self._lock:
            self._connection()

    def is_dead(self, boot_id: str) -> bool:
        """Tell whether the process with this boot id has stopped (nobody holds its lock)."""
        if not all(c in "0123456789abcdef" for c in boot_id[:15]) or len(boot_id) < 15:
            return True  # not a process of ours (written by hand or by an older version)
        key = _process_key(boot_id)
        with self._lock:
            conn = self._connection()
            if not locks.try_lock(conn, key):
                return False
            locks.unlock(conn, key)
            return True

    def try_lead(self) -> bool:
        """Try to hold the scheduler lock; tell whether we hold it (checking that our connection still lives)."""
        with self._lock:
            try:
                conn = self._connection()
                if self.leader:
                    locks.ping(conn)
                else:
                    self.leader = locks.try_lock(conn, SCHEDULER_LOCK)
            except DBAPIError:
                log.warning("scheduler: lost the database connection that holds our locks", exc_info=True)
                self._drop()
            return self.leader

    def close(self) -> None:
        """Release every lock: the connection is closed for real, not returned to the pool with its locks."""
        with self._lock:
            self._drop()


class Scheduler:
    """Runs each tick every `tick.every` in a transaction (effects queued like a turn's) while this process leads."""

    def __init__(self, runner: Runner, ticks: Sequence[Tick], presence: Presence | None = None) -> None:
        self.runner = runner
        self.ticks = tuple(ticks)
        # None (SQLite): the one process always runs the scheduler.
        self.presence = presence
        self._aps: AsyncIOScheduler | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Tell whether this process runs the jobs now."""
        return self._aps is not None

    async def start(self) -> None:
        """Run the jobs now (SQLite) or as soon as this process holds the scheduler lock (PostgreSQL)."""
        if self.presence is None:
            log.info("scheduler: this process runs the scheduled jobs (SQLite: the only process)")
            self._start_jobs()
        else:
            self._task = asyncio.create_task(self._lead(), name="scheduler-lock")

    async def stop(self) -> None:
        """Stop the jobs and give up the lock."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._stop_jobs()

    async def _lead(self) -> None:
        assert self.presence is not None
        while True:
            leading = await asyncio.to_thread(self.presence.try_lead)
            if leading and self._aps is None:
                log.info("scheduler: this process holds the lock and runs the scheduled jobs")
                self._start_jobs()
            elif not leading and self._aps is not None:
                log.warning("scheduler: lock lost; jobs stopped here")
                self._stop_jobs()
            await asyncio.sleep(LOCK_RETRY)

    def _start_jobs(self) -> None:
        aps = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=UTC,
                               job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        now = datetime.now(UTC)  # APScheduler keeps real time; ticks get the runner's clock
        for tick in self.ticks:
            # First run at once: what came due while no scheduler ran is sent now if still useful.
            aps.add_job(self._run_tick, "interval", seconds=tick.every.total_seconds(), args=[tick],
                        id=f"tick:{tick.name}", name=tick.name, next_run_time=now, replace_existing=True)
        aps.add_job(self._open_starts, "interval", seconds=STARTS_EVERY.total_seconds(), id="flow-starts",
                    next_run_time=now, replace_existing=True)
        aps.start()
        self._aps = aps

    def _stop_jobs(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    async def _run_tick(self, tick: Tick) -> None:
        try:
            queued = await self.runner.call(self.runner.run_tick, tick)
        except Exception:  # the scheduler's one catch-all: a failing tick must not stop the others
            log.error("scheduler: tick %s failed", tick.name, exc_info=True)
            return
        log.info("scheduler: tick %s queued %d message(s)", tick.name, queued)
        if queued:
            self.runner.wake()

    async def _open_starts(self) -> None:
        try:
            queued = await self.runner.call(self.runner.open_due_starts)
        except Exception:  # the scheduler's one catch-all
            log.error("scheduler: opening started flows failed", exc_info=True)
            return
        if queued:
            self.runner.wake()
