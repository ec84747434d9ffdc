"""Conversation state per chat address, and the ids of inbound messages already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage._sql import insert_ignore
from storage.models import Conversation, InboundMessage


# Built once. Turns write conversations with Core (storage.turns): a row this session loaded before may
# have moved on since (group commit runs several turns in one session), so it is read afresh.
_CONVERSATION_BY_ADDRESS = select(Conversation).where(
    Conversation.channel == bindparam("channel"), Conversation.address == bindparam("address")
).execution_options(populate_existing=True)


def get_conversation(session: Session, channel: str, address: str) -> Conversation | None:
    """Return the stored conversation of a chat address."""
    return session.scalar(_CONVERSATION_BY_ADDRESS, {"channel": channel, "address": address})


def save_conversation(
    session: Session, conversation: Conversation | None, channel: str, address: str,
    flow: str | None, step: str | None, data: dict[str, Any], now: datetime,
) -> Conversation:
    """Write a chat's state; the version column rejects a concurrent writer of the same row."""
    if conversation is None:
        conversation = Conversation(channel=channel, address=address)
        session.add(conversation)
    conversation.flow, conversation.step, conversation.data = flow, step, data
    conversation.updated_at = now
    session.flush()
    return conversation


def claim_message(session: Session, channel: str, message_id: str, now: datetime) -> bool:
    """Mark a provider message id as handled; False if it was already."""
    return insert_ignore(session, InboundMessage, channel=channel, message_id=message_id, received_at=now) is not None
