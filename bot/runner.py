"""One chat turn in one transaction: dedupe → who → conversation → `handlers.dispatch` → save → replies."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

import handlers
from bot.config import Settings
from bot.deps import dependencies
from bot.effects import Delivery, draft_ttl, live, open_start, open_waiting, queue_effects, release_held, start_flow
from bot.outbox import LEASE, enqueue, outbox_payload, reply_key
from bot.sending import Outbound, Outgoing
from handlers import engine
from handlers.deps import TEMPORARY, Deps
from handlers.limits import clean_inbound
from handlers.texts import t
from handlers.types import IDLE, Ctx, Inbound, Reply, StartFlow, State, Tick
from storage import conversations, flow_starts, people, turns
from storage.db import Session, is_conflict

log = logging.getLogger(__name__)
T = TypeVar("T")

OnReplies = Callable[[Session, Inbound, list[Reply]], None]

# Two updates of one chat racing on two workers: the loser's transaction rolls back and runs again.
MAX_ATTEMPTS = 5
# last_inbound_at serves a 24-hour window: refreshing it once a minute is exact enough and spares
# most turns an UPDATE.
INBOUND_TOUCH_INTERVAL = timedelta(minutes=1)


def utcnow() -> datetime:
    """Return the real current time, timezone-aware in UTC (a configuration's own clock is in its `Deps`)."""
    return datetime.now(UTC)


@dataclass
class Queued:
    """What a transaction queued: replies it claimed for sending right after commit, and messages left waiting."""

    claimed: list[Outgoing] = field(default_factory=list)
    pending: int = 0
    # Files the replies carry that are drawn after commit (`Media.draw`), before the claimed replies are sent.
    drawings: list[Callable[[], None]] = field(default_factory=list)
    # Set by a caller that draws them itself (`run_turn_async`, off the database threads); else `run_turn` does.
    caller_draws: bool = False

    def clear(self) -> None:
        self.claimed.clear()
        self.pending = 0
        self.drawings.clear()

    def draw(self) -> None:
        """Draw the files the committed turn's replies carry (outside any transaction)."""
        for draw in self.drawings:
            draw()
        self.drawings.clear()


class DuplicateMessage(Exception):
    """The turn's provider message id was handled before: its transaction is rolled back, nothing is answered."""


def turn(session: Session, inbound: Inbound, now: datetime, settings: Settings,
         delivery: Delivery = Delivery(), queued: Queued | None = None, *, deps: Deps = TEMPORARY) -> list[Reply]:
    """Run one chat turn: identify the sender, step their conversation, save it, queue what it decided.

    Two round trips in the ordinary case: one read (who, where, open messages) and one write (dedupe,
    state, replies). The message id is claimed in the write, after the handlers ran: a redelivery raises
    `DuplicateMessage` and the caller rolls back whatever the turn did.
    """
    # Once, before anything reads it: no NUL (PostgreSQL refuses it), no control or escape codes, NFC.
    inbound = clean_inbound(inbound)
    chat = turns.read_chat(session, inbound.channel, inbound.address)
    officer = (people.officer_for_turn(session, chat.officer_id, chat.who_version)
               if chat.officer_id is not None else None)
    officer = officer if officer is not None and officer.active else None
    state = (
        State.load(chat.flow, chat.step, chat.data or {}, chat.updated_at)
        if chat.conversation_id is not None else IDLE
    )
    lang = (officer.language if officer else None) or settings.language
    ctx = Ctx(session=session, now=now, lang=lang, channel=inbound.channel, address=inbound.address,
              officer=officer, draft_ttl=draft_ttl(state.flow, settings), deps=deps)
    # A question that never reached the officer is asked once more (the flag is cleared with this turn),
    # rather than this message taken as its answer.
    if officer is not None and chat.reask_at is not None and state.flow is not None and live(state, ctx):
        flow = handlers.FLOWS[state.flow or ""]
        new_state, replies = state, [engine.reprompt(flow, state, ctx, lead=t("delivery.reasked", lang))]
    else:
        new_state, replies = handlers.dispatch(state, inbound, ctx)
    if officer is not None and state.flow is not None and new_state.flow is None:
        # The flow ended (sent, cancelled, expired): a conversation the system started may be waiting.
        new_state, opened = open_waiting(session, officer, inbound.channel, inbound.address, now, settings, deps)
        replies = replies + opened
    # The sender's last message opens WhatsApp's 24-hour window (an identity made by joining sets its own).
    released, touch = 0, None
    if chat.identity_id is not None and (
        chat.last_inbound_at is None or now - chat.last_inbound_at >= INBOUND_TOUCH_INTERVAL
    ):
        if officer is not None:
            released = release_held(session, inbound.channel, inbound.address, now)
        touch = chat.identity_id
    # The language may have changed during the turn (/bahasa).
    lang = (officer.language if officer else None) or settings.language
    replies = [r if r.lang == lang else replace(r, lang=lang) for r in replies]
    queued = queued if queued is not None else Queued()
    outbound: list[Outbound] = []
    # The usual case: nothing of this chat is still open, so the replies are claimed here and sent right
    # after commit, sparing a claim round; otherwise they queue behind what is open.
    claiming = delivery.boot_id is not None and not chat.has_open and not released
    drawings = [m.draw for r in replies for m in r.media if m.draw is not None]
    if drawings and inbound.channel in delivery.outbox_channels and not claiming:
        # The replies wait in the queue, where a drain may take them at once: the files must exist at commit.
        for draw in drawings:
            draw()
        drawings = []
    queued.drawings += drawings
    if inbound.channel in delivery.outbox_channels and replies:
        base = inbound.message_id or uuid.uuid4().hex
        outbound = [Outbound(inbound.channel, inbound.address, r, key=reply_key(inbound.channel, base, n))
                    for n, r in enumerate(replies)]
    # An unknown sender gets no row: strangers cannot fill the table by writing to the bot.
    save = chat.conversation_id is not None or new_state.flow is not None
    written = turns.write_turn(
        session, inbound.channel, inbound.address, now, message_id=inbound.message_id,
        state=turns.StateWrite(chat.conversation_id, chat.version, new_state.flow, new_state.step, new_state.data(),
                               clear_reask=chat.reask_at is not None) if save else None,
        # The replies go into the outbox with the turn's one write: the same `Outbound` values as every
        # other message, stored by the outbox's `outbox_payload`.
        replies=[(o.key, outbox_payload(o)) for o in outbound], claimed_by=delivery.boot_id if claiming else None,
        lease_until=now + LEASE, touch_identity=touch)
    if not written.claimed:
        raise DuplicateMessage(inbound.channel)
    if not written.saved:
        raise StaleDataError("a concurrent turn of this chat saved first")
    log.info("turn channel=%s officer=%s flow=%s step=%s", inbound.channel,
             officer.id if officer else None, new_state.flow, new_state.step)
    if claiming:
        queued.claimed += [Outgoing(written.outbox_ids[o.key], o.channel, o.address, o.reply)
                           for o in outbound if o.key in written.outbox_ids]
    else:
        queued.pending += len(written.outbox_ids)
    queued.pending += released
    if ctx.effects:
        queued.pending += queue_effects(session, ctx.effects, now, settings, delivery, deps=deps)
    return replies


@dataclass
class _Waiting:
    """A turn waiting for a database thread, and where its result goes."""

    inbound: Inbound
    on_replies: OnReplies | None
    queued: Queued
    future: Future[list[Reply]]


class Runner:
    """Runs turns, started flows and ticks against a session factory with a clock; one code path for every channel."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings,
                 clock: Callable[[], datetime] | None = None, delivery: Delivery = Delivery(),
                 deps: Deps | None = None) -> None:
        self.sessions = sessions
        self.settings = settings
        # The configuration's clock and folders (bot/app.py builds them, else from these settings).
        self.deps = dependencies(settings, clock) if deps is None else replace(deps, clock=clock or deps.clock)
        self.clock = self.deps.clock
        self.delivery = delivery
        # Called on the event loop after a commit that queued messages (the app's outbox wakes up), and
        # with the replies a turn claimed, to send them at once.
        self.wake: Callable[[], None] = lambda: None
        self.send_now: Callable[[Sequence[Outgoing]], None] | None = None
        # SQLite has one write lock and every turn writes: threads queueing on its busy-timeout sleep
        # starve one another (p99 over a second in bench/engine.py), so one thread does all database
        # work there. PostgreSQL takes a few, not more than the cores can keep busy.
        bind = sessions.kw.get("bind")
        single_writer = bind is not None and bind.dialect.name == "sqlite"
        self.db_threads = 1 if single_writer else settings.turn_workers
        self._executor = ThreadPoolExecutor(self.db_threads, thread_name_prefix="siaga-db")
        # At most this many waiting turns commit together (1: every turn its own transaction).
        self.group_commit = settings.group_commit
        self._waiting: deque[_Waiting] = deque()
        self._turn_sessions = threading.local()
        self._turn_connections: list[Connection] = []

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work off the event loop, on the runner's database threads."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def run_turn_async(self, inbound: Inbound, on_replies: OnReplies | None = None) -> list[Reply]:
        """`run_turn` for the async edges (PTB callbacks, Starlette routes); hands the outbox what it queued."""
        queued = Queued(caller_draws=True)
        replies = await asyncio.wrap_future(self.submit_turn(inbound, on_replies, queued))
        if queued.drawings:  # committed: drawn off the database threads, so other turns go on meanwhile
            await asyncio.to_thread(queued.draw)
        if queued.claimed:
            if self.send_now is not None:
                self.send_now(queued.claimed)
            else:  # nobody here sends straight away: the drain sends them after their lease
                log.warning("runner: %d claimed reply(ies) without a sender", len(queued.claimed))
        if queued.pending:
            self.wake()
        return replies

    def queue(self, message: Outbound) -> bool:
        """Queue one message outside a turn, in its own transaction; False when its key was queued before."""
        with self.sessions.begin() as session:
            return enqueue(session, message, now=self.clock()) is not None

    async def queue_async(self, message: Outbound) -> bool:
        """`queue` for the async edges; wakes the outbox."""
        queued = await self.call(self.queue, message)
        if queued:
            self.wake()
        return queued

    def apologise(self, channel: str, address: str, lang: str | None = None) -> None:
        """Queue the generic apology to a chat whose turn failed (its transaction was rolled back)."""
        lang = lang or self.settings.language
        self.queue(Outbound(channel, address, Reply(t("engine.error", lang), lang=lang),
                            key=f"error:{channel}:{uuid.uuid4().hex}"))

    async def apologise_async(self, channel: str, address: str, lang: str | None = None) -> None:
        """`apologise` for the async edges; wakes the outbox."""
        await self.call(self.apologise, channel, address, lang)
        self.wake()

    def close(self) -> None:
        """Wait for running database work, then release the threads and their connections."""
        self._executor.shutdown(wait=True)
        for connection in self._turn_connections:
            connection.close()
        self._turn_connections.clear()

    def pending(self, channel: str, address: str) -> list[Reply]:
        """Return the question an officer's chat waits on (to show it again after a restart), else nothing."""
        with self.sessions.begin() as session:
            identity = people.get_identity(session, channel, address)
            if identity is None or not identity.officer.active:
                return []
            officer = identity.officer
            conversation = conversations.get_conversation(session, channel, address)
            if conversation is None:
                return []
            state = State.load(conversation.flow, conversation.step, conversation.data, conversation.updated_at)
            lang = officer.language or self.settings.language
            ctx = Ctx(session=session, now=self.clock(), lang=lang, channel=channel, address=address,
                      officer=officer, draft_ttl=self.settings.draft_ttl, deps=self.deps)
            return [replace(r, lang=lang) for r in handlers.pending(state, ctx)]

    def role_of(self, channel: str, address: str) -> tuple[str, str] | None:
        """Return the (role, language) of the active officer behind a chat, or None for a stranger."""
        with self.sessions.begin() as session:
            identity = people.get_identity(session, channel, address)
            if identity is None or not identity.officer.active:
                return None
            officer = identity.officer
            return officer.role.value, officer.language or self.settings.language

    def accepts_media(self, inbound: Inbound) -> bool:
        """Tell whether the sender is an active officer at a question that takes a photo or document.

        Channels ask before downloading anything, so a stranger's files are never fetched or stored.
        """
        with self.sessions.begin() as session:
            identity = people.get_identity(session, inbound.channel, inbound.address)
            if identity is None or not identity.officer.active:
                return False
            conversation = conversations.get_conversation(session, inbound.channel, inbound.address)
            return conversation is not None and handlers.accepts_media(conversation.flow, conversation.step)

    def run_turn(self, inbound: Inbound, on_replies: OnReplies | None = None,
                 queued: Queued | None = None) -> list[Reply]:
        """Run a turn in its own transaction, retrying when a concurrent turn of the same chat won.

        The replies (on the outbox's channels) and the turn's effects are queued in that transaction
        (what was queued is told in `queued`); `on_replies(session, inbound, replies)` runs inside it too.
        """
        queued = queued if queued is not None else Queued()

        def work(session: Session) -> list[Reply]:
            queued.clear()  # a retried attempt starts afresh
            return self._turn(session, inbound, on_replies, queued)

        try:
            replies = self._turn_transaction(work, inbound.channel)
        except DuplicateMessage:
            queued.clear()
            log.info("duplicate message ignored channel=%s", inbound.channel)
            return []
        if not queued.caller_draws:  # after the commit: the turn's transaction does not wait on a map
            queued.draw()
        return replies

    def _turn(self, session: Session, inbound: Inbound, on_replies: OnReplies | None, queued: Queued) -> list[Reply]:
        replies = turn(session, inbound, self.clock(), self.settings, self.delivery, queued, deps=self.deps)
        if on_replies is not None:
            on_replies(session, inbound, replies)
        return replies

    # -- group commit: the turns waiting for a database thread share one transaction ----------------

    def submit_turn(self, inbound: Inbound, on_replies: OnReplies | None = None,
                    queued: Queued | None = None) -> Future[list[Reply]]:
        """Run a turn on the database threads; with group commit, in one transaction with the turns waiting then."""
        queued = queued if queued is not None else Queued()
        if self.group_commit <= 1:
            return self._executor.submit(self.run_turn, inbound, on_replies, queued)
        future: Future[list[Reply]] = Future()
        self._waiting.append(_Waiting(inbound, on_replies, queued, future))
        # One job per turn: a job that finds the queue emptied by an earlier group has nothing to do.
        self._executor.submit(self._run_group)
        return future

    def _run_group(self) -> None:
        group: list[_Waiting] = []
        while len(group) < self.group_commit:
            try:
                group.append(self._waiting.popleft())
            except IndexError:
                break
        if not group:
            return
        alone = group if len(group) == 1 else self._commit_group(group)
        for waiting in alone:  # a lone turn, or one that failed in its group: its own transaction, retried
            try:
                waiting.future.set_result(self.run_turn(waiting.inbound, waiting.on_replies, waiting.queued))
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the turn, as if it ran there
                waiting.future.set_exception(error)

    def _commit_group(self, group: list[_Waiting]) -> list[_Waiting]:
        """Run the turns in one transaction, each in a savepoint; return those to run again on their own.

        A turn that fails rolls back to its savepoint only. Nothing is answered or sent before the
        commit, so a crash before it loses nothing that was acknowledged.
        """
        done: list[tuple[_Waiting, list[Reply]]] = []
        failed: list[_Waiting] = []
        session = self._turn_session()
        try:
            with session.begin():
                stopped: set[tuple[str, str]] = set()
                for waiting in group:
                    waiting.queued.clear()
                    chat = (waiting.inbound.channel, waiting.inbound.address)
                    if chat in stopped:  # an earlier turn of this chat failed: this one must not overtake it
                        failed.append(waiting)
                        continue
                    try:
                        with session.begin_nested():
                            replies = self._turn(session, waiting.inbound, waiting.on_replies, waiting.queued)
                    except DuplicateMessage:
                        waiting.queued.clear()
                        log.info("duplicate message ignored channel=%s", waiting.inbound.channel)
                        done.append((waiting, []))
                    except Exception:
                        log.info("turn failed in a group of %d, retrying it alone", len(group), exc_info=True)
                        failed.append(waiting)
                        stopped.add(chat)
                    else:
                        done.append((waiting, replies))
        except Exception:
            people.forget_who(session)
            log.warning("group commit of %d turns failed, retrying them one by one", len(group), exc_info=True)
            return group
        people.keep_only_who(session)
        for waiting, replies in done:
            if not waiting.queued.caller_draws:  # committed: as `run_turn` does
                waiting.queued.draw()
            waiting.future.set_result(replies)
        return failed

    def start(self, officer_id: int, flow: str, params: dict[str, Any] | None = None, *, key: str,
              kind: str = "notice", not_before: datetime | None = None, expires_at: datetime | None = None) -> int:
        """Open `flow` for an officer with `params` as its first answers, once per `key`; return the messages queued.

        One transaction: load their state, start the flow, save, queue its first message. If the officer is in
        another flow, the start waits (they are told in one line) and opens when that one ends.
        """
        effect = StartFlow(key, officer_id, flow, dict(params or {}), kind, not_before, expires_at)
        return self._transaction(
            lambda s: start_flow(s, effect, self.clock(), self.settings, self.delivery, deps=self.deps), "start")

    def run_tick(self, tick: Tick) -> int:
        """Run a scheduled tick in a transaction and queue its effects like a turn's; return the messages queued."""
        now = self.clock()
        # A tick that draws runs dry first (rolled back) and its files are drawn outside any transaction, so no turn
        # waits on matplotlib behind its write lock; the real run finds them (named by what they show) and queues them.
        if tick.draws:
            dry = replace(self.deps, drawings=[])
            with self.sessions() as session:
                session.begin()
                try:
                    queue_effects(session, tick.due(session, now, dry), now, self.settings, self.delivery, deps=dry)
                finally:
                    session.rollback()
            for draw in dry.drawings or ():
                draw()

        def work(session: Session) -> int:
            return queue_effects(session, tick.due(session, now, self.deps), now, self.settings, self.delivery,
                                 deps=self.deps)

        return self._transaction(work, f"tick {tick.name}")

    def open_due_starts(self) -> int:
        """Open started flows whose time came or whose officer became free without writing; drop expired ones."""
        def work(session: Session) -> int:
            now = self.clock()
            flow_starts.expire_starts(session, now)
            return sum(open_start(session, start, now, self.settings, self.delivery, deps=self.deps)
                       for start in flow_starts.list_due_starts(session, now))

        return self._transaction(work, "flow starts")

    def _turn_session(self) -> Session:
        """This database thread's session for turns: it lives across their transactions, so the officers one
        turn loaded serve the next (`people.officer_for_turn`, checked against the who-is-who version)."""
        session: Session | None = getattr(self._turn_sessions, "session", None)
        if session is None:
            # No autobegin: touching it between transactions fails loudly instead of holding a transaction
            # (and, on SQLite, the write lock) until the next turn.
            bind = self.sessions.kw.get("bind")
            if isinstance(bind, Engine):
                # The thread keeps its connection too: no pool checkout and return per turn, and on
                # PostgreSQL no pre-ping round trip (a connection found dead runs the turn again, below).
                connection = bind.connect()
                self._turn_connections.append(connection)
                session = self.sessions(bind=connection, autobegin=False)
            else:  # already bound to one connection (the test suite's)
                session = self.sessions(autobegin=False)
            self._turn_sessions.session = session
            people.keep_who(session)
        return session

    def _turn_transaction(self, work: Callable[[Session], T], what: str) -> T:
        """`_transaction` on this thread's turn session; a failed attempt empties it (its objects are stale)."""
        session = self._turn_session()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with session.begin():
                    result = work(session)
            except BaseException as error:
                people.forget_who(session)
                # A concurrent turn of the chat saved first, or (PostgreSQL) a deadlock on the who-is-who version,
                # or the thread's connection was found dead (rolled back: the next attempt reconnects).
                if attempt == MAX_ATTEMPTS or not (
                        isinstance(error, (StaleDataError, IntegrityError)) or is_conflict(error)
                        or (isinstance(error, DBAPIError) and error.connection_invalidated)):
                    raise
                log.info("conflict, retrying %s attempt=%d", what, attempt)
                time.sleep(0.01 * attempt)
                continue
            people.keep_only_who(session)
            return result
        raise AssertionError("unreachable")

    def _transaction(self, work: Callable[[Session], T], what: str) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.sessions.begin() as session:
                    return work(session)
            except (StaleDataError, IntegrityError):
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info("conflict, retrying %s attempt=%d", what, attempt)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")
