"""Enqueue, drain, retry with backoff, pace under platform limits, send at least once per idempotency key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import sessionmaker

from bot.sending import Capabilities, Channel, Outbound, Outgoing, SendError
from handlers.texts import t
from handlers.types import Choice, Media, Reply
from storage import outbox, people
from storage.db import Session
from storage.models import OutboxMessage, OutboxStatus, Role

__all__ = ["Outbound", "Outbox", "Outgoing", "enqueue", "new_boot_id"]

log = logging.getLogger(__name__)

# Seconds to wait before the 2nd, 3rd, … attempt after a temporary failure (the last one repeats).
BACKOFF = (2.0, 10.0, 60.0, 300.0, 900.0)
MAX_ATTEMPTS = 6
# A claim not recorded within this time is sent again (counted as a possible duplicate). Longer than any
# send can take (the channels' HTTP timeouts are well under it), so a slow but accepted send is not repeated.
LEASE = timedelta(minutes=5)
BATCH = 50
# A chat's messages claimed together and sent one after another: without this, a busy chat's next message
# waited for its previous send to be recorded and claimed anew (the WhatsApp bench's 0.5-0.7 x TWILIO_MPS).
PER_CHAT = 10
POLL_INTERVAL = 1.0
# Sends are recorded together, at most this long after they happened: one transaction for many sends.
RECORD_DELAY = 0.05
# How often a running process looks for sends claimed by processes that have died since.
RECLAIM_INTERVAL = 5.0
# Warn when the unique recipients of messages we started in the last 24 hours reach this share of a
# channel's daily cap (WhatsApp: Meta's business-initiated tier), at most once per WARN_EVERY.
CAP_WARNING_SHARE = 0.8
CAP_WARN_EVERY = 900.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_boot_id() -> str:
    """Return a fresh id for this process: recorded on the messages it claims."""
    return uuid.uuid4().hex[:16]


def reply_payload(reply: Reply) -> dict[str, Any]:
    """Return a reply as JSON for the outbox row."""
    payload: dict[str, Any] = {"text": reply.text, "choices": [[c.id, c.label] for c in reply.choices],
                               "ask_location": reply.ask_location, "lang": reply.lang}
    if reply.media:
        payload["media"] = [[m.kind, m.ref, m.content_type, m.stored_path] for m in reply.media]
    return payload


def reply_from_payload(data: dict[str, Any]) -> Reply:
    """Rebuild a reply stored by `reply_payload`."""
    return Reply(data["text"], tuple(Choice(i, label) for i, label in data.get("choices", ())),
                 bool(data.get("ask_location")), data.get("lang", "id"),
                 tuple(Media(*m) for m in data.get("media", ())))


def outbox_payload(message: Outbound) -> dict[str, Any]:
    """Return what the outbox row of a message stores: the reply, and how a business-initiated one may go."""
    payload: dict[str, Any] = {"reply": reply_payload(message.reply)}
    if message.business_initiated:
        payload.update(business_initiated=True, template=message.template,
                       variables={str(k): str(v) for k, v in (message.variables or {}).items()})
    if message.hold:
        payload["hold"] = True
    if message.reply_to is not None:
        payload["reply_to"] = message.reply_to
    return payload


def enqueue(session: Session, message: Outbound, *, now: datetime) -> int | None:
    """Queue a message in the caller's transaction; None when its key was queued before (nothing is added).

    The one way into the outbox. (A turn's own replies are the same `Outbound` values, written by the
    turn's single statement with `outbox_payload`: see `bot.runner.turn`.)
    """
    return outbox.add_message(session, message.key, message.channel, message.address, outbox_payload(message), now,
                              kind=message.kind, not_before=message.not_before, expires_at=message.expires_at)


def reply_key(channel: str, base: str, n: int) -> str:
    """Return the idempotency key of the n-th reply to an inbound message (`base`: its provider id)."""
    return f"reply:{channel}:{base}:{n}"


def _by_chat(messages: Sequence[Outgoing]) -> list[list[Outgoing]]:
    """Claimed messages grouped by chat, each chat's in their order (the claim returns them oldest first)."""
    chats: dict[tuple[str, str], list[Outgoing]] = {}
    for message in messages:
        chats.setdefault((message.channel, message.address), []).append(message)
    return list(chats.values())


class Pacer:
    """Spaces a channel's requests evenly under its rate, and holds them all after a 429 for the time it asked.

    Sends that fell behind their slots (a busy event loop, a slow claim) may catch up by up to `catch_up`
    seconds' worth at once; otherwise every stall would lower the rate for good. The first send sets the
    schedule, so a fresh pacer does not start with a burst.
    """

    def __init__(self, per_second: float, catch_up: float = 0.25) -> None:
        self.interval = 1.0 / per_second
        self.catch_up = catch_up
        self._next: float | None = None

    async def wait(self) -> None:
        now = time.monotonic()
        slot = now if self._next is None else max(self._next, now - self.catch_up)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def hold(self, seconds: float) -> None:
        self._next = max(self._next or 0.0, time.monotonic() + seconds)


class ChatPacer:
    """Keeps each chat of a channel under its limit (`Capabilities.chat_rate`): a token bucket per chat.

    A turn's replies may use the chat's burst (Telegram tolerates a short one). A message taken from the
    queue (`rested`) also waits until a whole interval has passed since the chat's last request ended:
    without that, a fan-out's second message to a chat, claimed as soon as the first was recorded, would
    go out within the burst, which the platform answers with a 429.
    """

    def __init__(self, capabilities: Capabilities) -> None:
        self.capabilities = capabilities
        # chat -> (tokens, when counted, when its last request ended); tokens below 0 are slots reserved.
        self._chats: dict[str, tuple[float, float, float]] = {}

    async def wait(self, address: str, *, rested: bool = False) -> None:
        """Take a slot for one request to a chat, sleeping until it is free."""
        rate = self.capabilities.chat_rate(address)
        if rate is None:
            return
        now = time.monotonic()
        tokens, then, last = self._chats.get(address, (float(rate.burst), now, float("-inf")))
        at = max(now, last + 1.0 / rate.per_second) if rested else now
        tokens = min(float(rate.burst), tokens + (at - then) * rate.per_second) - 1
        self._chats[address] = (tokens, at, last)
        if len(self._chats) > 10_000:  # forget chats whose bucket is full again
            full = rate.burst / rate.per_second
            self._chats = {c: v for c, v in self._chats.items() if now - v[1] < full or now - v[2] < full}
        delay = at - now + max(0.0, -tokens / rate.per_second)
        if delay > 0:
            await asyncio.sleep(delay)

    def ended(self, address: str) -> None:
        """Note that a request to a chat ended (from when the platform had it, a queued message's rest counts)."""
        state = self._chats.get(address)
        if state is not None:
            self._chats[address] = (state[0], state[1], time.monotonic())


class Outbox:
    """Drains the outbox of the given channels: paced, retried, each message sent at least once.

    Every claim records this process's `boot_id`. `is_dead(boot_id)` tells whether another process that
    holds claims has died (the app answers it with PostgreSQL advisory locks, or "yes" on SQLite where one
    process runs); its claims are sent again at once, counted as possible duplicates. Without it, only
    claims whose lease ran out are sent again.
    """

    def __init__(
        self, sessions: sessionmaker[Session], channels: Mapping[str, Channel], *,
        clock: Callable[[], datetime] = _utcnow,
        backoff: Sequence[float] = BACKOFF, max_attempts: int = MAX_ATTEMPTS,
        poll_interval: float = POLL_INTERVAL, batch: int = BATCH,
        offload: Callable[..., Awaitable[Any]] | None = None,
        boot_id: str | None = None, is_dead: Callable[[str], bool] | None = None,
        daily_caps: Mapping[str, int] | None = None,
    ) -> None:
        self.sessions = sessions
        self.daily_caps = dict(daily_caps or {})
        self._cap_warned: dict[str, float] = {}
        self.boot_id = boot_id or new_boot_id()
        self.is_dead = is_dead
        self._last_reclaim = float("-inf")
        # Where blocking database work runs: the runner's database threads in `siaga run`.
        # Without them, one thread of its own: a channel's claims and another's records may overlap, and
        # must not share one connection at once (tests bind every session to one).
        self.offload = offload or self._on_own_thread
        self._own_thread: ThreadPoolExecutor | None = None
        self.channels = dict(channels)
        self.clock = clock
        # Pacing lives here alone, from what each channel declares: its overall rate, and each chat's.
        self.pacers = {name: Pacer(c.capabilities.rate) for name, c in self.channels.items()
                       if c.capabilities.rate is not None}
        self.chat_pacers = {name: ChatPacer(c.capabilities) for name, c in self.channels.items()
                            if c.capabilities.chat is not None or c.capabilities.group is not None}
        self.backoff = tuple(backoff)
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self.batch = batch
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # Replies claimed in their turn's transaction, being sent now; and results waiting to be recorded.
        self._sending: set[asyncio.Task[None]] = set()
        self._results: list[tuple[Outgoing, str | None, BaseException | None]] = []
        self._released: list[int] = []
        self._recording: asyncio.Task[None] | None = None

    async def _on_own_thread(self, work: Callable[..., Any], *args: Any) -> Any:
        if self._own_thread is None:
            self._own_thread = ThreadPoolExecutor(1, thread_name_prefix="outbox-db")
        return await asyncio.get_running_loop().run_in_executor(self._own_thread, work, *args)

    # -- the background loop --------------------------------------------------------------------

    def wake(self) -> None:
        """Drain now rather than at the next poll (call after committing new messages)."""
        self._wakeup.set()

    async def start(self) -> None:
        """Start draining in the background."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the sends and the round in progress, then stop."""
        try:
            await asyncio.wait_for(self._settle(), timeout)
        except TimeoutError:
            log.warning("outbox: stop timed out; what was being sent is sent again by the next process")
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(self._task, timeout)
        except TimeoutError:
            log.warning("outbox: stop timed out; what was being sent is sent again by the next process")
        self._task = None

    async def _settle(self) -> None:
        while self._sending or self._recording is not None:
            await asyncio.gather(*self._sending, *([self._recording] if self._recording else []))

    # -- replies sent straight after their turn's commit --------------------------------------------

    def send_now(self, messages: Sequence[Outgoing]) -> None:
        """Send messages of one chat that their transaction already claimed, in order (call after commit)."""
        task = asyncio.create_task(self._send_chat(list(messages)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send_chat(self, messages: list[Outgoing], *, rested: bool = False) -> None:
        """Send one chat's claimed messages one after another; each result is recorded as it comes."""
        for n, message in enumerate(messages):
            result = await self._send(message, rested=rested)
            self._results.append(result)  # after the send: the recorder swaps the list out meanwhile
            if result[2] is not None:
                # The rest must not overtake the failed one: back to the queue, behind its retry.
                self._released += [m.id for m in messages[n + 1:]]
            if self._recording is None:
                self._recording = asyncio.create_task(self._record_pending())
            if result[2] is not None:
                break

    async def _record_pending(self) -> None:
        try:
            await asyncio.sleep(RECORD_DELAY)
            while self._results or self._released:
                results, released = self._results, self._released
                self._results, self._released = [], []
                try:
                    await self.offload(self._record, results, released)
                except Exception:  # the job's one catch-all: the claims stay, and are sent again after the lease
                    log.error("outbox: recording %d send(s) failed", len(results), exc_info=True)
                # A chat's next message may have queued behind the ones just recorded, in this process or in
                # another worker (which is not woken by our commit): drain now rather than at the next poll.
                self.wake()
        finally:
            self._recording = None

    async def _run(self) -> None:
        while True:
            # Read before draining: a round that began before `stop()` may have claimed too early to see
            # what the last webhooks committed, so one more round always follows the request to stop.
            last_round = self._stopping
            self._wakeup.clear()
            try:
                await self.drain()
            except Exception:  # the job's one catch-all: a bad round must not end the loop
                log.error("outbox: drain failed", exc_info=True)
            if last_round:
                break
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self.poll_interval)

    # -- draining ---------------------------------------------------------------------------------

    async def drain(self) -> int:
        """Send everything due now; return how many sends were tried.

        Each channel drains on its own, so a slower channel (Telegram's 30/s beside a Twilio sender's
        MPS) never holds up another. Within a channel, up to `batch` chats are being sent to at once, and
        more are claimed as they finish rather than round by round, so one slow chat or send holds up
        nobody. A chat's due messages are claimed together (up to PER_CHAT) and sent one after another; a
        later one is claimed only once the earlier ones are recorded: its order is kept.
        """
        tried = sum(await asyncio.gather(*(self._drain_channel(name) for name in self.channels)))
        await self._settle()
        return tried

    async def _drain_channel(self, name: str) -> int:
        tried = 0
        in_flight: set[asyncio.Task[None]] = set()
        first = True  # a drain after stop() was asked still claims once: see _run
        while True:
            room = self.batch - len(in_flight)
            # Claim again once half the window is free (or it is empty): one claim per many sends. After a
            # recording, too: it may have freed a chat's next message.
            if (first or not self._stopping) and (room >= self.batch // 2 or not in_flight):
                first = False
                claimed = await self.offload(self._claim, (name,), room)
                for chat in _by_chat(claimed):
                    in_flight.add(asyncio.create_task(self._send_chat(chat, rested=True)))
                tried += len(claimed)
            waiting = in_flight | ({self._recording} if self._recording is not None else set())
            if not waiting:
                return tried
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            in_flight -= done

    def _claim(self, channels: Sequence[str], limit: int) -> list[Outgoing]:
        now = self.clock()
        ready: list[Outgoing] = []
        with self.sessions.begin() as session:
            if time.monotonic() - self._last_reclaim >= RECLAIM_INTERVAL:
                self._last_reclaim = time.monotonic()
                self._reclaim(session, now)
            for row in outbox.claim_due(session, channels, now, now + LEASE, limit, self.boot_id,
                                       per_chat=PER_CHAT):
                message = self._prepare(session, row, now)
                if message is not None:
                    ready.append(message)
        return ready

    def _reclaim(self, session: Session, now: datetime) -> None:
        """Send again what dead processes (or lapsed leases) left claimed; mark what waited too long expired."""
        expired = outbox.expire_due(session, self.channels, now)
        if expired:
            log.info("outbox: %d message(s) expired before they could be sent", expired)
        if self.is_dead is not None:
            for other in outbox.list_claimers(session, self.channels, exclude=self.boot_id):
                if self.is_dead(other):
                    count = outbox.reclaim(session, self.channels, now, claimed_by=other)
                    log.warning("outbox: %d message(s) claimed by stopped process %s will be sent again",
                                count, other)
        lapsed = outbox.reclaim(session, self.channels, now, lease_ended=True)
        if lapsed:
            log.warning("outbox: %d claim(s) outlived their lease and will be sent again", lapsed)

    def _prepare(self, session: Session, row: OutboxMessage, now: datetime) -> Outgoing | None:
        """Turn a claimed row into what to send, choosing free text or a template by the contact's window."""
        payload = row.payload
        message = Outgoing(row.id, row.channel, row.address, reply_from_payload(payload["reply"]), row.attempts,
                           kind=row.kind, reply_to=payload.get("reply_to"))
        capabilities = self.channels[row.channel].capabilities
        window = capabilities.session_window
        if not payload.get("business_initiated") or window is None:
            return message
        identity = people.get_identity(session, row.channel, row.address)
        last = identity.last_inbound_at if identity is not None else None
        if last is not None and now - last < window:
            return message
        template = payload.get("template")
        # Either way the recipient does not read the text now: it is held for when they write again.
        if payload.get("hold"):
            outbox.hold(session, row.id, now)
        if not template or template not in capabilities.templates:
            hours = int(window.total_seconds() // 3600)
            error = f"outside the {hours}-hour window and no template {template or '(none)'!r} is configured"
            outbox.mark_failed(session, row.id, error, OutboxStatus.UNDELIVERABLE)
            log.warning("outbox: message %d undeliverable: %s", row.id, error)
            self._escalate(session, row, now)
            return None
        return Outgoing(row.id, row.channel, row.address, message.reply, row.attempts,
                        template=template, variables=dict(payload.get("variables") or {}), kind=row.kind)

    def _escalate(self, session: Session, row: OutboxMessage, now: datetime) -> None:
        """Tell the other heads of the recipient's office, and the admins above it, of an alert that did not go.

        An alert that reached nobody must not go unnoticed: they can call the head or read it to them.
        Its key is `alert:{number}:{recipient id}:{part}`.
        """
        if row.kind != "alert":
            return
        identity = people.get_identity(session, row.channel, row.address)
        if identity is None:
            return
        head = identity.officer
        number = row.idempotency_key.split(":")[1] if row.idempotency_key.startswith("alert:") else "-"
        others = [o for role, upward in ((Role.HEAD, False), (Role.ADMIN, True))
                  for o in people.list_role_holders(session, head.office_id, role, upward=upward) if o.id != head.id]
        for other in dict.fromkeys(others):
            reach = people.get_preferred_identity(session, other.id, tuple(self.channels))
            if reach is None:
                continue
            lang = other.language or "id"
            text = t("alert.undelivered", lang, number=number, name=head.name or f"#{head.id}",
                     channel=row.channel)
            enqueue(session, Outbound(reach.channel, reach.address, Reply(text, lang=lang),
                                      key=f"undelivered:{row.id}:{other.id}", kind="notice", business_initiated=True,
                                      expires_at=row.expires_at), now=now)

    async def _send(self, message: Outgoing, *, rested: bool = False,
                    ) -> tuple[Outgoing, str | None, BaseException | None]:
        """Send one message when its chat and its channel have room; a 429 holds every send of the channel."""
        channel = self.channels[message.channel]
        pacer = self.pacers.get(message.channel)
        chats = self.chat_pacers.get(message.channel)

        async def pace(rested: bool = False) -> None:
            if chats is not None:  # the chat first: a send waiting for its chat holds no slot of the channel
                await chats.wait(message.address, rested=rested)
            if pacer is not None:
                await pacer.wait()

        await pace(rested)
        try:
            provider_id = await channel.send(replace(message, pace=pace))
        except SendError as exc:
            if exc.retry_after and pacer is not None:
                pacer.hold(exc.retry_after)
            return message, None, exc
        except Exception as exc:  # an adapter bug: record it on the message, never resend blindly
            log.error("outbox: send of message %d crashed", message.id, exc_info=exc)
            return message, None, exc
        finally:
            if chats is not None:
                chats.ended(message.address)
        return message, provider_id, None

    def _record(self, results: Sequence[tuple[Outgoing, str | None, BaseException | None]],
                released: Sequence[int] = ()) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            if released:
                outbox.release(session, released)
            outbox.mark_all_sent(session, [(m.id, p) for m, p, error in results if error is None], now)
            for message, provider_id, error in results:
                if error is None:
                    log.info("outbox: message %d sent channel=%s", message.id, message.channel)
                elif isinstance(error, SendError) and error.retryable and message.attempts < self.max_attempts:
                    delay = max(error.retry_after or 0.0,
                                self.backoff[min(message.attempts, len(self.backoff)) - 1])
                    outbox.mark_retry(session, message.id, now + timedelta(seconds=delay), str(error)[:500])
                    log.info("outbox: message %d retry in %.1fs: %s", message.id, delay, error)
                else:
                    text = str(error) if isinstance(error, SendError) else f"unexpected {type(error).__name__}"
                    outbox.mark_failed(session, message.id, text[:500], reask_at=now)
                    log.warning("outbox: message %d failed: %s", message.id, text)
                    if message.template is not None:  # the template was the last way to reach them
                        row = session.get(OutboxMessage, message.id)
                        if row is not None:
                            self._escalate(session, row, now)
            for channel in {m.channel for m, _, error in results if error is None and m.kind != "reply"}:
                self._check_cap(session, channel, now)

    def _check_cap(self, session: Session, channel: str, now: datetime) -> None:
        cap = self.daily_caps.get(channel)
        if cap is None or time.monotonic() - self._cap_warned.get(channel, float("-inf")) < CAP_WARN_EVERY:
            return
        count = outbox.count_business_recipients(session, channel, now - timedelta(hours=24))
        if count >= CAP_WARNING_SHARE * cap:
            self._cap_warned[channel] = time.monotonic()
            log.warning("outbox: %s: %d unique recipients of messages we started in the last 24 h, "
                        "daily cap %d (raise the tier with the provider, or messages will be refused)",
                        channel, count, cap)

    # -- delivery reports -----------------------------------------------------------------------

    def record_delivery(self, message_id: int | None, provider_message_id: str | None, status: str,
                        error: str | None = None) -> bool:
        """Move a sent message's delivery status forward (a failed delivery fails it); False when unknown."""
        return self.record_deliveries([(message_id, provider_message_id, status, error)])[0]

    def record_deliveries(self, reports: Sequence[tuple[int | None, str | None, str, str | None]]) -> list[bool]:
        """`record_delivery` for reports that arrived together, in one transaction: a statement each, one commit.

        Rows are updated in id order (a message's own reports in the order they came), as the sends are
        recorded, so two such transactions never wait on each other in a circle; a batch that fails anyway
        is recorded report by report.
        """
        order = sorted(range(len(reports)), key=lambda n: (reports[n][0] is None, reports[n][0] or 0))
        try:
            with self.sessions.begin() as session:
                found = {n: self._record_one(session, *reports[n]) for n in order}
        except Exception:  # the batch's one catch-all: each report alone, so one bad row fails only its own callback
            if len(reports) == 1:
                raise
            log.warning("outbox: recording %d delivery reports together failed; one by one", len(reports),
                        exc_info=True)
            return [self.record_delivery(*report) for report in reports]
        return [found[n] for n in range(len(reports))]

    def _record_one(self, session: Session, message_id: int | None, provider_message_id: str | None, status: str,
                    error: str | None) -> bool:
        after = outbox.record_delivery(session, message_id, provider_message_id, status, error)
        if after == OutboxStatus.FAILED:
            log.warning("outbox: message %s delivery %s", message_id or "?", status)
        return after is not None
