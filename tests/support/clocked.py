"""`siaga` on a moved clock: `SIAGA_TEST_CLOCK=2026-11-23T23:00:05+00:00 python -m tests.support.clocked run`.

Tests only. The clock starts at the given moment and runs at real speed, so a subprocess test can be
"at 07:00 WITA" without waiting for it; everything the runner, outbox and ticks see comes from it.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timedelta

import bot.app
from bot.runner import Runner


def shifted_clock(start: datetime):  # type: ignore[no-untyped-def]
    """A clock that reads `start` now and then runs on with real time."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


class ClockedRunner(Runner):
    def __init__(self, sessions, settings, clock=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        start = datetime.fromisoformat(os.environ["SIAGA_TEST_CLOCK"])
        super().__init__(sessions, settings, clock=shifted_clock(start), **kwargs)


if __name__ == "__main__":
    bot.app.Runner = ClockedRunner  # type: ignore[misc]
    from bot.cli import main

    sys.exit(main())
