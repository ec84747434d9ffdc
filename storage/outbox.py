"""Outgoing messages: add once per idempotency key, claim the due ones, record what the provider said."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased

from storage._sql import insert_ignore
from storage.models import OutboxMessage, OutboxStatus

_OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def add_message(
    session: Session, key: str, channel: str, address: str, payload: dict[str, Any], now: datetime,
) -> int | None:
    """Queue a message unless its idempotency key is already queued; return the new id, or None."""
    return insert_ignore(session, OutboxMessage, returning="id", idempotency_key=key, channel=channel,
                         address=address, payload=payload, status=OutboxStatus.PENDING, attempts=0,
                         created_at=now, next_attempt_at=now)


def get_message(session: Session, message_id: int, *, for_update: bool = False) -> OutboxMessage | None:
    """Return one outbox message."""
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id)
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def get_message_by_key(session: Session, key: str) -> OutboxMessage | None:
    """Return the outbox message with this idempotency key."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def get_message_by_provider_id(session: Session, provider_message_id: str, *,
                               for_update: bool = False) -> OutboxMessage | None:
    """Return the outbox message the provider knows under this id."""
    stmt = select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_message_id)
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def list_messages(session: Session, status: OutboxStatus | None = None, limit: int | None = 50) -> list[OutboxMessage]:
    """Return outbox messages, newest first, optionally of one status."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(session.scalars(stmt))


def claim_due(
    session: Session, channels: Collection[str], now: datetime, lease_until: datetime, limit: int,
) -> list[OutboxMessage]:
    """Mark due messages as being sent and return them; at most one per address, the oldest first.

    A message waits while an older one to the same address is still open, so a chat's messages
    keep their order. The conditional update makes two workers claiming the same row safe.
    """
    older = aliased(OutboxMessage)
    blocked = exists().where(
        older.channel == OutboxMessage.channel, older.address == OutboxMessage.address,
        older.id < OutboxMessage.id, older.status.in_(_OPEN),
    )
    candidates = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now,
               OutboxMessage.channel.in_(list(channels)), ~blocked)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    claimed = []
    for message_id in candidates:
        won = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)))


def fail_abandoned(session: Session, channels: Collection[str], now: datetime, error: str) -> int:
    """Give up on claims whose lease ran out (the sender died mid-send); they may have gone out, so never resend."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.next_attempt_at < now,
               OutboxMessage.channel.in_(list(channels)))
        .values(status=OutboxStatus.FAILED, error=error)
        .execution_options(synchronize_session=False)
    ).rowcount


def _set(session: Session, message_id: int, **values: Any) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
                    .execution_options(synchronize_session=False))


def mark_sent(session: Session, message_id: int, now: datetime, provider_message_id: str | None) -> None:
    """Record that the provider accepted a message (a delivery report that came first is kept)."""
    _set(session, message_id, sent_at=now, provider_message_id=provider_message_id)
    session.execute(update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
                    .values(status=OutboxStatus.SENT, error=None).execution_options(synchronize_session=False))


def mark_retry(session: Session, message_id: int, next_attempt_at: datetime, error: str) -> None:
    """Put a message back in the queue after a temporary failure."""
    _set(session, message_id, status=OutboxStatus.PENDING, next_attempt_at=next_attempt_at, error=error)


def mark_failed(session: Session, message_id: int, error: str,
                status: OutboxStatus = OutboxStatus.FAILED) -> None:
    """Record that a message will not be sent (failed, or undeliverable)."""
    _set(session, message_id, status=status, error=error)


def count_messages(session: Session, status: OutboxStatus) -> int:
    """Count outbox messages of one status."""
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)) or 0
