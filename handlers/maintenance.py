"""Housekeeping ticks: forget handled inbound ids and sent outbox messages after the retention period."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from handlers.feature import Feature
from handlers.types import Effect, Tick
from storage import retention, web
from storage.db import Session

log = logging.getLogger(__name__)

DEFAULT_RETENTION = timedelta(days=90)
_retention = DEFAULT_RETENTION


def configure(keep: timedelta) -> None:
    """Set how long rows are kept (`SIAGA_RETENTION_DAYS`, applied by the app at start)."""
    global _retention
    _retention = keep


def prune(session: Session, now: datetime) -> list[Effect]:
    """Delete inbound message ids and sent outbox messages older than the retention period."""
    before = now - _retention
    inbound = retention.delete_inbound_messages_before(session, before)
    sent = retention.delete_sent_messages_before(session, before)
    # Web sign-in links and sessions are dead once expired: nothing to keep them for.
    logins = web.prune(session, now)
    log.info("pruned inbound_messages=%d outbox_sent=%d older than %d days, web logins/sessions=%d", inbound, sent,
             _retention.days, logins)
    return []


PRUNE = Tick("prune", timedelta(hours=6), prune)

FEATURE = Feature("maintenance", ticks=(PRUNE,))
