"""Deleting what has served its purpose: handled inbound message ids and sent outbox messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import InboundMessage, OutboxMessage, OutboxStatus


def delete_inbound_messages_before(session: Session, before: datetime) -> int:
    """Forget handled inbound message ids received before a moment (providers redeliver for minutes, not months)."""
    return session.execute(delete(InboundMessage).where(InboundMessage.received_at < before)).rowcount


def delete_sent_messages_before(session: Session, before: datetime) -> int:
    """Delete outbox messages that were sent before a moment; unsent ones stay for the operator to see."""
    return session.execute(
        delete(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < before)
    ).rowcount
