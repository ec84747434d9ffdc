"""One chat turn in one transaction: dedupe → who → conversation → `handlers.dispatch` → save → replies."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

import handlers
from bot.config import Settings
from handlers import rawan
from handlers.types import IDLE, Ctx, Inbound, Reply, State
from storage import conversations, people
from storage.db import Session

log = logging.getLogger(__name__)
T = TypeVar("T")

OnReplies = Callable[[Session, Inbound, list[Reply]], None]

# Two updates of one chat racing on two workers: the loser's transaction rolls back and runs again.
MAX_ATTEMPTS = 5
# last_inbound_at serves a 24-hour window: refreshing it once a minute is exact enough and spares
# most turns an UPDATE.
INBOUND_TOUCH_INTERVAL = timedelta(minutes=1)


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
    # The sender's last message opens WhatsApp's 24-hour window (an identity made by joining sets its own).
    if identity is not None and (
        identity.last_inbound_at is None or now - identity.last_inbound_at >= INBOUND_TOUCH_INTERVAL
    ):
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
        # Maps and PDFs a turn or a tick renders are kept beside the attachments until the outbox sends them.
        rawan.OUTPUT_DIR = settings.attachments_dir / "generated"
        # SQLite has one write lock and every turn writes: threads queueing on its busy-timeout sleep
        # starve one another (p99 over a second in bench/engine.py), so one thread does all database
        # work there. PostgreSQL takes a few, not more than the cores can keep busy.
        bind = sessions.kw.get("bind")
        single_writer = bind is not None and bind.dialect.name == "sqlite"
        self.db_threads = 1 if single_writer else settings.turn_workers
        self._executor = ThreadPoolExecutor(self.db_threads, thread_name_prefix="siaga-db")

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work off the event loop, on the runner's database threads."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def run_turn_async(self, inbound: Inbound, on_replies: OnReplies | None = None) -> list[Reply]:
        """`run_turn` for the async edges (PTB callbacks, Starlette routes)."""
        return await self.call(self.run_turn, inbound, on_replies)

    def close(self) -> None:
        """Wait for running database work, then release the threads."""
        self._executor.shutdown(wait=True)

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
