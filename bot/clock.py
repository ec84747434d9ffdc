"""`Clock`: a process's clock, the real UTC time or set to start at a given moment (SIAGA_CLOCK_START)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Read the time: `start` at the moment it was set, then on with real time (None: the real time).

    A value, not a module setting: the CLI builds one from its settings, `bot/app.py` hands it to the runner,
    the outbox and the scheduler; tests move their own with `start_at`.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        self.start_at(start)

    def start_at(self, start: datetime | None) -> None:
        """Make the clock read `start` now and run on from there; None: the real time."""
        if start is not None and start.tzinfo is None:
            raise ValueError("the clock's start needs a UTC offset, e.g. 2026-12-31T23:59:00+08:00")
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def __call__(self) -> datetime:
        """Return the current time, timezone-aware in UTC."""
        return datetime.now(UTC) + self._offset
