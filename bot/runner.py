"""One chat turn in one transaction: dedupe → who → conversation → `handlers.dispatch` → save → replies."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

import handlers
from bot.config import Settings
from handlers.types import IDLE, Ctx, Inbound, Reply, State
from storage import conversations, people
from storage.db import Session

log = logging.getLogger(__name__)

OnReplies = Callable[[Session, Inbound, list[Reply]], None]

# Two updates of one chat racing on two workers: the loser's transaction rolls back and runs again.
MAX_ATTEMPTS = 5


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def turn(session: Session, inbound: Inbound, now: datetime, settings: Settings) -> list[Reply]:
    """Run one chat turn: identify the sender, step their conversation, save it."""
    if inbound.message_id and not conversations.claim_message(session, inbound.channel, inbound.message_id, now):
        log.info("duplicate message ignored channel=%s", inbound.channel)
        return []
    identity = people.get_identity(session, inbound.channel, inbound.address)
    officer = identity.officer if identity is not None and identity.officer.active else None
    conversation = conversations.get_conversation(session, inbound.channel, inbound.address)
    state = (
        State.load(conversation.flow, conversation.step, conversation.data, conversation.updated_at)
        if conversation is not None else IDLE
    )
    lang = (officer.language if officer else None) or settings.language
    ctx = Ctx(session=session, now=now, lang=lang, channel=inbound.channel, address=inbound.address,
              officer=officer, draft_ttl=settings.draft_ttl)
    new_state, replies = handlers.dispatch(state, inbound, ctx)
    # The sender's last message opens WhatsApp's 24-hour window; joining may have created the identity.
    identity = identity or people.get_identity(session, inbound.channel, inbound.address)
    if identity is not None:
        identity.last_inbound_at = now
    # An unknown sender gets no row: strangers cannot fill the table by writing to the bot.
    if conversation is not None or new_state.flow is not None:
        conversations.save_conversation(session, conversation, inbound.channel, inbound.address,
                                        new_state.flow, new_state.step, new_state.data(), now)
    # The language may have changed during the turn (/bahasa).
    lang = (officer.language if officer else None) or settings.language
    log.info("turn channel=%s officer=%s flow=%s step=%s", inbound.channel,
             officer.id if officer else None, new_state.flow, new_state.step)
    return [replace(r, lang=lang) for r in replies]


class Runner:
    """Runs turns against a session factory with a clock; the one code path for every channel."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock

    def run_turn(self, inbound: Inbound, on_replies: OnReplies | None = None) -> list[Reply]:
        """Run a turn in its own transaction, retrying when a concurrent turn of the same chat won.

        `on_replies(session, inbound, replies)` runs inside that transaction, e.g. to write the
        replies to the outbox so they commit together with the new state.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.sessions.begin() as session:
                    replies = turn(session, inbound, self.clock(), self.settings)
                    if on_replies is not None:
                        on_replies(session, inbound, replies)
                    return replies
            except (StaleDataError, IntegrityError):
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info("turn conflict, retrying channel=%s attempt=%d", inbound.channel, attempt)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")
