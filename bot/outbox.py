"""Enqueue, drain, retry with backoff, pace under platform limits, send once per idempotency key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import sessionmaker

from bot.channels.base import Channel, SendError
from bot.runner import utcnow
from handlers.types import Choice, Inbound, Reply
from storage import outbox, people
from storage.db import Session
from storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Seconds to wait before the 2nd, 3rd, … attempt after a temporary failure (the last one repeats).
BACKOFF = (2.0, 10.0, 60.0, 300.0, 900.0)
MAX_ATTEMPTS = 6
# A claimed message not recorded within this time belongs to a sender that died mid-send.
LEASE = timedelta(minutes=5)
BATCH = 50
POLL_INTERVAL = 1.0

# Provider delivery statuses in the order they happen; a late callback never moves a message back.
DELIVERY_ORDER = {
    "accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5,
    "failed": 6, "undelivered": 6, "canceled": 6,
}
DELIVERY_FAILED = {"failed", "undelivered", "canceled"}


@dataclass(frozen=True)
class Outgoing:
    """A claimed message as a channel sends it: free text, or `template` with its `variables`."""

    id: int
    channel: str
    address: str
    reply: Reply
    attempts: int = 1
    template: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


class Deliverer(Protocol):
    """What the outbox may use beyond `Channel.send`; every member is optional."""

    # Business-initiated messages later than this after the contact's last message need a template.
    session_window: timedelta | None
    templates: Mapping[str, str]

    async def deliver(self, message: Outgoing) -> str | None:
        """Send a claimed message; return the provider's message id, or raise `SendError`."""


def reply_payload(reply: Reply) -> dict[str, Any]:
    """Return a reply as JSON for the outbox row."""
    return {"text": reply.text, "choices": [[c.id, c.label] for c in reply.choices],
            "ask_location": reply.ask_location, "lang": reply.lang}


def reply_from_payload(data: dict[str, Any]) -> Reply:
    """Rebuild a reply stored by `reply_payload`."""
    return Reply(data["text"], tuple(Choice(i, label) for i, label in data.get("choices", ())),
                 bool(data.get("ask_location")), data.get("lang", "id"))


def enqueue(
    session: Session, channel: str, address: str, reply: Reply, *, key: str, now: datetime,
    business_initiated: bool = False, template: str | None = None, variables: Mapping[str, str] | None = None,
) -> int | None:
    """Queue a message in the caller's transaction; None when `key` was queued before (nothing is added).

    A business-initiated message (alert, reminder, digest) names the approved `template` and its
    `variables` to fall back on when the contact's window is closed (WhatsApp: 24 hours).
    """
    payload = {"reply": reply_payload(reply), "business_initiated": business_initiated,
               "template": template, "variables": {str(k): str(v) for k, v in (variables or {}).items()}}
    return outbox.add_message(session, key, channel, address, payload, now)


def enqueue_replies(session: Session, inbound: Inbound, replies: Sequence[Reply], now: datetime) -> list[int]:
    """Queue the replies to an inbound message, keyed by its provider id so a redelivery adds nothing."""
    base = inbound.message_id or uuid.uuid4().hex
    ids = [outbox.add_message(session, f"reply:{inbound.channel}:{base}:{n}", inbound.channel, inbound.address,
                              {"reply": reply_payload(r)}, now) for n, r in enumerate(replies)]
    return [i for i in ids if i is not None]


class Pacer:
    """Spaces sends evenly under a rate, and holds them all after a 429 for the time it asked."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def hold(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)


class Outbox:
    """Drains the outbox of the given channels: paced, retried, each message sent at most once."""

    def __init__(
        self, sessions: sessionmaker[Session], channels: Mapping[str, Channel], *,
        clock: Callable[[], datetime] = utcnow, rates: Mapping[str, float] | None = None,
        backoff: Sequence[float] = BACKOFF, max_attempts: int = MAX_ATTEMPTS,
        poll_interval: float = POLL_INTERVAL, batch: int = BATCH,
        offload: Callable[..., Awaitable[Any]] = asyncio.to_thread,
    ) -> None:
        self.sessions = sessions
        # Where blocking database work runs: the runner's database threads in `siaga run`.
        self.offload = offload
        self.channels = dict(channels)
        self.clock = clock
        self.pacers = {name: Pacer(rate) for name, rate in (rates or {}).items()}
        self.backoff = tuple(backoff)
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self.batch = batch
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- the background loop --------------------------------------------------------------------

    def wake(self) -> None:
        """Drain now rather than at the next poll (call after committing new messages)."""
        self._wakeup.set()

    async def start(self) -> None:
        """Start draining in the background."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the round in progress, then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(self._task, timeout)
        except TimeoutError:
            log.warning("outbox: stop timed out; claimed messages will be marked failed, not resent")
        self._task = None

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
        """Send everything due now, round after round (one message per chat per round); return how many were tried."""
        tried = 0
        while True:
            claimed = await self.offload(self._claim)
            if not claimed:
                return tried
            results = await asyncio.gather(*(self._send(m) for m in claimed))
            await self.offload(self._record, results)
            tried += len(claimed)
            if self._stopping:
                return tried

    def _claim(self) -> list[Outgoing]:
        now = self.clock()
        ready: list[Outgoing] = []
        with self.sessions.begin() as session:
            abandoned = outbox.fail_abandoned(session, self.channels, now,
                                              "interrupted while sending; not retried to avoid a duplicate")
            if abandoned:
                log.warning("outbox: %d abandoned message(s) marked failed", abandoned)
            for row in outbox.claim_due(session, self.channels, now, now + LEASE, self.batch):
                message = self._prepare(session, row, now)
                if message is not None:
                    ready.append(message)
        return ready

    def _prepare(self, session: Session, row: OutboxMessage, now: datetime) -> Outgoing | None:
        """Turn a claimed row into what to send, choosing free text or a template by the contact's window."""
        payload = row.payload
        message = Outgoing(row.id, row.channel, row.address, reply_from_payload(payload["reply"]), row.attempts)
        channel = self.channels[row.channel]
        window: timedelta | None = getattr(channel, "session_window", None)
        if not payload.get("business_initiated") or window is None:
            return message
        identity = people.get_identity(session, row.channel, row.address)
        last = identity.last_inbound_at if identity is not None else None
        if last is not None and now - last < window:
            return message
        template = payload.get("template")
        if not template or template not in getattr(channel, "templates", {}):
            hours = int(window.total_seconds() // 3600)
            error = f"outside the {hours}-hour window and no template {template or '(none)'!r} is configured"
            outbox.mark_failed(session, row.id, error, OutboxStatus.UNDELIVERABLE)
            log.warning("outbox: message %d undeliverable: %s", row.id, error)
            return None
        return Outgoing(row.id, row.channel, row.address, message.reply, row.attempts,
                        template=template, variables=dict(payload.get("variables") or {}))

    async def _send(self, message: Outgoing) -> tuple[Outgoing, str | None, BaseException | None]:
        channel = self.channels[message.channel]
        pacer = self.pacers.get(message.channel)
        if pacer is not None:
            await pacer.wait()
        try:
            deliver = getattr(channel, "deliver", None)
            if deliver is not None:
                provider_id = await deliver(message)
            else:
                await channel.send(message.address, message.reply)
                provider_id = None
        except SendError as exc:
            if exc.retry_after and pacer is not None:
                pacer.hold(exc.retry_after)
            return message, None, exc
        except Exception as exc:  # an adapter bug: record it on the message, never resend blindly
            log.error("outbox: send of message %d crashed", message.id, exc_info=exc)
            return message, None, exc
        return message, provider_id, None

    def _record(self, results: Sequence[tuple[Outgoing, str | None, BaseException | None]]) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            for message, provider_id, error in results:
                if error is None:
                    outbox.mark_sent(session, message.id, now, provider_id)
                    log.info("outbox: message %d sent channel=%s", message.id, message.channel)
                elif isinstance(error, SendError) and error.retryable and message.attempts < self.max_attempts:
                    delay = max(error.retry_after or 0.0,
                                self.backoff[min(message.attempts, len(self.backoff)) - 1])
                    outbox.mark_retry(session, message.id, now + timedelta(seconds=delay), str(error)[:500])
                    log.info("outbox: message %d retry in %.1fs: %s", message.id, delay, error)
                else:
                    text = str(error) if isinstance(error, SendError) else f"unexpected {type(error).__name__}"
                    outbox.mark_failed(session, message.id, text[:500])
                    log.warning("outbox: message %d failed: %s", message.id, text)

    # -- delivery reports -----------------------------------------------------------------------

    def record_delivery(self, message_id: int | None, provider_message_id: str | None, status: str,
                        error: str | None = None) -> bool:
        """Move a sent message's delivery status forward; a failed delivery fails the message.

        Returns False when no such message is known.
        """
        status = status.lower()
        with self.sessions.begin() as session:
            row = None
            if message_id is not None:
                row = outbox.get_message(session, message_id, for_update=True)
            if row is None and provider_message_id:
                row = outbox.get_message_by_provider_id(session, provider_message_id, for_update=True)
            if row is None:
                return False
            current = DELIVERY_ORDER.get(row.delivery_status or "", -1)
            if DELIVERY_ORDER.get(status, -1) <= current:
                return True
            row.delivery_status = status
            if status in DELIVERY_FAILED:
                row.status = OutboxStatus.FAILED
                row.error = (error or f"delivery {status}")[:500]
                log.warning("outbox: message %d delivery %s", row.id, status)
            return True
