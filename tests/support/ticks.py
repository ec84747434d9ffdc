"""`siaga` with a test tick registered: `python -m tests.support.ticks run` (tests only).

Production registers its ticks in `handlers.SCHEDULED`; a subprocess test cannot monkeypatch that from
outside, so this entry adds the test tick and then runs the real command line.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import handlers
from handlers.types import Notify, Reply, Tick, ToRole
from storage import people
from storage.db import Session
from storage.models import Role


def notice(session: Session, now):  # type: ignore[no-untyped-def]
    """Once a day, a notice to the heads of Kota Banjarmasin's office and the offices above it."""
    office = people.get_office_by_region(session, "63.71")
    if office is None:
        return []
    return [Notify(f"test-notice:{now:%Y-%m-%d}", "notice", ToRole(office.id, Role.HEAD.value),
                   lambda officer, lang: [Reply(f"Pemberitahuan harian untuk kepala {officer.id}")],
                   variables=lambda officer, lang: {"1": str(officer.id)})]


NOTICE = Tick("test-notice", timedelta(seconds=1), notice)


if __name__ == "__main__":
    handlers.SCHEDULED = (*handlers.SCHEDULED, NOTICE)
    from bot.cli import main

    sys.exit(main())
