"""Housekeeping ticks: forget handled inbound ids and sent outbox messages after the retention period."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from handlers.deps import TEMPORARY, Deps
from handlers.feature import Feature
from handlers.types import Effect, Tick
from storage import retention, web
from storage.db import Session

log = logging.getLogger(__name__)


def prune(session: Session, now: datetime, deps: Deps = TEMPORARY) -> list[Effect]:
    """Delete inbound message ids and sent outbox messages older than the retention period (`deps.retention`)."""
    before = now - deps.retention
    inbound = retention.delete_inbound_messages_before(session, before)
    sent = retention.delete_sent_messages_before(session, before)
    # Web sign-in links and sessions are dead once expired: nothing to keep them for.
    logins = web.prune(session, now)
    log.info("pruned inbound_messages=%d outbox_sent=%d older than %d days, web logins/sessions=%d", inbound, sent,
             deps.retention.days, logins)
    return []


PRUNE = Tick("prune", timedelta(hours=6), prune, takes_deps=True)

FEATURE = Feature("maintenance", ticks=(PRUNE,))
