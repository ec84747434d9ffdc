"""The outbox with in-memory channels: once per key, order per chat, backoff, Retry-After, pacing, resends."""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.sending import Capabilities, Rate, SendError
from bot.outbox import LEASE, Outbound, Outbox, Outgoing, enqueue
from bot.effects import Delivery
from bot.runner import DuplicateMessage, Queued, turn
from handlers.types import Inbound, Reply
from storage import outbox
from storage.db import make_sessions
from storage.models import OutboxStatus
from tests.conftest import Clock, prepare


PLAIN = Capabilities()  # no window, no templates, no limits


class MemoryChannel:
    """Records what it was asked to deliver; raises the queued failures first."""

    name = "memory"

    def __init__(self, failures: list[BaseException] | None = None, delay: float = 0.0,
                 capabilities: Capabilities = PLAIN) -> None:
        self.capabilities = capabilities
        self.sent: list[tuple[str, str]] = []
        self.failures = list(failures or [])
        self.delay = delay
        self._lock = threading.Lock()

    async def send(self, message: Outgoing) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            raise self.failures.pop(0)
        with self._lock:
            self.sent.append((message.address, message.reply.text))
            return f"P{len(self.sent)}"


def queue(sessions, clock, *items: tuple[str, str], channel: str = "memory") -> list[int]:
    with sessions.begin() as s:
        return [enqueue(s, Outbound(channel, address, Reply(text), key=f"k:{address}:{text}"), now=clock())
                for address, text in items]


def rows(sessions) -> dict[str, object]:
    with sessions.begin() as s:
        return {m.idempotency_key: m for m in outbox.list_messages(s, limit=None)}


def test_the_same_idempotency_key_is_queued_once(sessions, clock):
    with sessions.begin() as s:
        first = enqueue(s, Outbound("memory", "a", Reply("hai"), key="digest:1:2026-11-23"), now=clock())
        again = enqueue(s, Outbound("memory", "a", Reply("hai lagi"), key="digest:1:2026-11-23"), now=clock())
    assert isinstance(first, int) and again is None
    assert len(rows(sessions)) == 1


def test_replies_to_a_redelivered_message_are_queued_once(sessions, clock, settings):
    inbound = Inbound("memory", "a", text="halo", message_id="SM1")
    delivery = Delivery(outbox_channels=frozenset({"memory"}))
    with sessions.begin() as s:
        assert turn(s, inbound, clock(), settings, delivery)
    with sessions.begin() as s:  # the redelivery rolls back whatever its turn wrote
        with pytest.raises(DuplicateMessage):
            turn(s, inbound, clock(), settings, delivery)
        s.rollback()
    assert sorted(rows(sessions)) == ["reply:memory:SM1:0"]


def test_a_chat_gets_its_messages_in_order_and_chats_do_not_wait_for_each_other(sessions, clock):
    channel = MemoryChannel(delay=0.01)
    queue(sessions, clock, ("a", "a1"), ("b", "b1"), ("a", "a2"), ("a", "a3"), ("b", "b2"))
    sent = asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert sent == 5
    assert [t for a, t in channel.sent if a == "a"] == ["a1", "a2", "a3"]
    assert [t for a, t in channel.sent if a == "b"] == ["b1", "b2"]
    assert set(channel.sent[:2]) == {("a", "a1"), ("b", "b1")}  # the two chats are sent to side by side
    assert {m.status for m in rows(sessions).values()} == {OutboxStatus.SENT}
    assert rows(sessions)["k:a:a1"].provider_message_id == "P1"


def test_temporary_failures_back_off_then_fail_after_the_last_attempt(sessions, clock):
    channel = MemoryChannel([SendError("provider 503", retryable=True)] * 3)
    box = Outbox(sessions, {"memory": channel}, clock=clock, backoff=(2, 10), max_attempts=3)
    queue(sessions, clock, ("a", "halo"))
    waits = []
    for _ in range(3):
        asyncio.run(box.drain())
        row = rows(sessions)["k:a:halo"]
        waits.append((row.status, row.attempts, (row.next_attempt_at - clock()).total_seconds()))
        asyncio.run(box.drain())  # not due yet: nothing happens
        clock.advance(seconds=60)
    assert waits[:2] == [(OutboxStatus.PENDING, 1, 2.0), (OutboxStatus.PENDING, 2, 10.0)]
    assert waits[2][:2] == (OutboxStatus.FAILED, 3)
    assert rows(sessions)["k:a:halo"].error == "provider 503"
    assert channel.sent == []


def test_a_later_message_to_the_same_chat_waits_for_the_retry(sessions, clock):
    channel = MemoryChannel([SendError("provider 500", retryable=True)])
    box = Outbox(sessions, {"memory": channel}, clock=clock)
    queue(sessions, clock, ("a", "first"), ("a", "second"))
    asyncio.run(box.drain())
    assert channel.sent == []
    clock.advance(seconds=2)
    asyncio.run(box.drain())
    assert channel.sent == [("a", "first"), ("a", "second")]


def test_retry_after_wins_over_a_shorter_backoff_and_holds_the_pacer(sessions, clock):
    channel = MemoryChannel([SendError("provider 429", retryable=True, retry_after=0.2)],
                            capabilities=Capabilities(rate=1000))
    box = Outbox(sessions, {"memory": channel}, clock=clock)
    queue(sessions, clock, ("a", "one"), ("b", "two"))
    started = time.monotonic()
    asyncio.run(box.drain())
    assert time.monotonic() - started >= 0.15  # b waited while the provider asked us to
    row = rows(sessions)["k:a:one"]
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at == clock() + timedelta(seconds=2)
    channel.failures = [SendError("provider 429", retryable=True, retry_after=30)]
    clock.advance(seconds=2)
    box.pacers.clear()
    asyncio.run(box.drain())
    assert rows(sessions)["k:a:one"].next_attempt_at == clock() + timedelta(seconds=30)


@pytest.mark.parametrize(("error", "expected"), [
    (SendError("provider 400 error 21211", retryable=False), "provider 400 error 21211"),
    (RuntimeError("adapter bug with +6281234567890 in it"), "unexpected RuntimeError"),
])
def test_permanent_failures_and_adapter_bugs_fail_without_a_retry(sessions, clock, error, expected):
    channel = MemoryChannel([error])
    queue(sessions, clock, ("a", "halo"))
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    row = rows(sessions)["k:a:halo"]
    assert (row.status, row.attempts, row.error) == (OutboxStatus.FAILED, 1, expected)


def test_a_claim_whose_lease_ran_out_is_sent_again_and_counted_as_a_possible_duplicate(sessions, clock):
    queue(sessions, clock, ("a", "halo"))
    with sessions.begin() as s:
        assert len(outbox.claim_due(s, ["memory"], clock(), clock() + LEASE, 10, "gone")) == 1
    channel = MemoryChannel()
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert rows(sessions)["k:a:halo"].status == OutboxStatus.SENDING  # still within its lease
    clock.advance(minutes=6)
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    row = rows(sessions)["k:a:halo"]
    assert (row.status, row.attempts, row.possible_duplicates) == (OutboxStatus.SENT, 2, 1)
    assert channel.sent == [("a", "halo")]


def test_claims_of_a_dead_process_are_sent_again_at_once_and_a_live_ones_are_left_alone(sessions, clock):
    queue(sessions, clock, ("a", "halo"), ("b", "halo"))
    with sessions.begin() as s:
        assert [m.address for m in outbox.claim_due(s, ["memory"], clock(), clock() + LEASE, 1,
                                                     "dead0000000000000")] == ["a"]
        outbox.claim_due(s, ["memory"], clock(), clock() + LEASE, 1, "alive000000000000")
    channel = MemoryChannel()
    box = Outbox(sessions, {"memory": channel}, clock=clock, boot_id="me",
                 is_dead=lambda boot_id: boot_id.startswith("dead"))
    asyncio.run(box.drain())
    assert channel.sent == [("a", "halo")]
    by_address = {m.address: m for m in rows(sessions).values()}
    assert (by_address["a"].status, by_address["a"].possible_duplicates, by_address["a"].claimed_by) == (
        OutboxStatus.SENT, 1, "me")
    assert (by_address["b"].status, by_address["b"].claimed_by) == (OutboxStatus.SENDING, "alive000000000000")


def test_a_message_not_sent_by_its_expiry_is_expired_never_sent_late(sessions, clock):
    with sessions.begin() as s:
        enqueue(s, Outbound("memory", "a", Reply("rapat jam 10"), key="reminder",
                            expires_at=clock() + timedelta(hours=1)), now=clock())
        enqueue(s, Outbound("memory", "b", Reply("besok"), key="later", not_before=clock() + timedelta(minutes=30),
                            expires_at=clock() + timedelta(hours=2)), now=clock())
    channel = MemoryChannel()
    clock.advance(hours=1)  # the process was down for an hour
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert rows(sessions)["reminder"].status == OutboxStatus.EXPIRED
    assert channel.sent == [("b", "besok")]  # missed while down, still useful: sent once


def test_a_message_held_by_its_not_before_does_not_hold_up_the_chat(sessions, clock):
    with sessions.begin() as s:
        enqueue(s, Outbound("memory", "a", Reply("pengingat"), key="reminder",
                            not_before=clock() + timedelta(hours=1)), now=clock())
        enqueue(s, Outbound("memory", "a", Reply("balasan"), key="reply"), now=clock())
    channel = MemoryChannel()
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert channel.sent == [("a", "balasan")]
    clock.advance(hours=1)
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert channel.sent == [("a", "balasan"), ("a", "pengingat")]


def test_sends_are_paced_under_the_channel_rate(sessions, clock):
    channel = MemoryChannel(capabilities=Capabilities(rate=50))
    queue(sessions, clock, *[(f"chat{n}", "halo") for n in range(6)])
    started = time.monotonic()
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert len(channel.sent) == 6 and time.monotonic() - started >= 5 / 50 * 0.9


def test_other_channels_rows_are_left_alone(sessions, clock):
    channel = MemoryChannel()
    queue(sessions, clock, ("a", "halo"))
    queue(sessions, clock, ("b", "halo"), channel="elsewhere")
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    assert channel.sent == [("a", "halo")]
    assert rows(sessions)["k:b:halo"].status == OutboxStatus.PENDING


def test_the_background_loop_sends_when_woken_and_drains_once_more_on_stop(database_factory):
    # Its own database: the loop and the test write from different threads at once.
    engine = prepare(database_factory())
    sessions = make_sessions(engine)
    clock = Clock()
    channel = MemoryChannel()

    async def main() -> None:
        box = Outbox(sessions, {"memory": channel}, clock=clock, poll_interval=30)
        await box.start()
        await asyncio.sleep(0.05)
        await asyncio.to_thread(queue, sessions, clock, ("a", "halo"))
        box.wake()
        for _ in range(200):
            if channel.sent:
                break
            await asyncio.sleep(0.01)
        await asyncio.to_thread(queue, sessions, clock, ("a", "sampai jumpa"))  # committed, nobody woke the loop
        await box.stop()

    asyncio.run(main())
    engine.dispose()
    assert channel.sent == [("a", "halo"), ("a", "sampai jumpa")]


@pytest.mark.parametrize(("callbacks", "expected"), [
    (["queued", "sent", "delivered", "read"], ("read", OutboxStatus.SENT)),
    (["delivered", "sent", "queued"], ("delivered", OutboxStatus.SENT)),  # out of order: never backwards
    (["sent", "undelivered", "delivered"], ("undelivered", OutboxStatus.FAILED)),
    (["failed"], ("failed", OutboxStatus.FAILED)),
])
def test_delivery_reports_only_move_forward(sessions, clock, callbacks, expected):
    (message_id,) = queue(sessions, clock, ("a", "halo"))
    box = Outbox(sessions, {"memory": MemoryChannel()}, clock=clock)
    asyncio.run(box.drain())
    for status in callbacks:
        assert box.record_delivery(None, "P1", status)
    row = rows(sessions)["k:a:halo"]
    assert (row.delivery_status, row.status) == expected
    assert box.record_delivery(message_id + 1000, "unknown", "delivered") is False


def test_two_workers_draining_at_once_send_each_message_once(database_factory):
    # Meaningful on PostgreSQL only: SQLite's BEGIN IMMEDIATE serialises the claims, so there this passes even
    # with claims that do not lock. CI's PostgreSQL run is therefore required (SIAGA_TEST_REQUIRE_POSTGRES, .ci/run).
    engine = prepare(database_factory())
    if os.environ.get("SIAGA_TEST_REQUIRE_POSTGRES"):
        assert engine.dialect.name == "postgresql"
    sessions = make_sessions(engine)
    clock = Clock()
    queue(sessions, clock, *[(f"chat{n % 7}", f"pesan {n}") for n in range(40)])
    channel = MemoryChannel(delay=0.002)

    def worker() -> None:
        asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock, batch=5).drain())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(t for _, t in channel.sent) == sorted(f"pesan {n}" for n in range(40))
    for n in range(7):
        mine = [t for a, t in channel.sent if a == f"chat{n}"]
        assert mine == sorted(mine, key=lambda t: int(t.split()[1]))
    engine.dispose()


def test_replies_claimed_in_their_turn_are_sent_at_once_and_queue_behind_an_open_message(sessions, clock, settings):
    delivery = Delivery(outbox_channels=frozenset({"memory"}), boot_id="me")
    channel = MemoryChannel([SendError("provider 502", retryable=True)])
    box = Outbox(sessions, {"memory": channel}, clock=clock, boot_id="me")
    first = Queued()
    with sessions.begin() as s:  # a stranger is answered with how to join
        turn(s, Inbound("memory", "a", text="halo", message_id="m1"), clock(), settings, delivery, first)
    assert len(first.claimed) == 1 and first.pending == 0

    async def main() -> None:
        box.send_now(first.claimed)  # it fails: the chat now has an open message
        await box.stop()

    asyncio.run(main())
    assert (rows(sessions)["reply:memory:m1:0"].status, rows(sessions)["reply:memory:m1:0"].attempts) == (
        OutboxStatus.PENDING, 1)
    second = Queued()
    with sessions.begin() as s:  # so the next turn's reply is not claimed: it must not overtake the first
        turn(s, Inbound("memory", "a", text="halo lagi", message_id="m2"), clock(), settings, delivery, second)
    assert second.claimed == [] and second.pending == 1
    two = rows(sessions)["reply:memory:m2:0"]
    assert (two.status, two.attempts, two.claimed_by) == (OutboxStatus.PENDING, 0, None)
    clock.advance(seconds=2)
    asyncio.run(box.drain())
    assert len(channel.sent) == 2
    assert {m.status for m in rows(sessions).values()} == {OutboxStatus.SENT}


def test_a_warning_is_logged_as_the_daily_cap_of_recipients_we_started_with_nears(sessions, clock, caplog):
    channel = MemoryChannel()
    with sessions.begin() as s:
        for n in range(4):
            enqueue(s, Outbound("memory", f"chat{n}", Reply("Peringatan"), key=f"alert:{n}", business_initiated=True,
                                kind="alert"), now=clock())
        enqueue(s, Outbound("memory", "chat9", Reply("balasan"), key="reply:1"), now=clock())  # replies do not count
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock, daily_caps={"memory": 5}).drain())
    [warning] = [r.getMessage() for r in caplog.records if "daily cap" in r.getMessage()]
    assert "memory: 4 unique recipients" in warning and "daily cap 5" in warning
    caplog.clear()
    with sessions.begin() as s:
        enqueue(s, Outbound("memory", "chat4", Reply("Peringatan"), key="alert:4", business_initiated=True,
                            kind="alert"), now=clock())
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock, daily_caps={"memory": 10}).drain())
    assert len(channel.sent) == 6  # 5 of 10 is not near the cap yet
    assert not [r for r in caplog.records if "daily cap" in r.getMessage()]


class TimedChannel(MemoryChannel):
    """Sends to `slow` chats take `slow_delay`; records when each send ended."""

    def __init__(self, slow: set[str] = frozenset(), slow_delay: float = 0.0,
                 capabilities: Capabilities = PLAIN):
        super().__init__(capabilities=capabilities)
        self.slow, self.slow_delay = slow, slow_delay
        self.ended: dict[tuple[str, str], float] = {}
        self.hold_until: Callable[[], Awaitable[None]] | None = None
        self.hold_ran_out = False

    async def send(self, message: Outgoing) -> str:
        if message.address in self.slow:
            await asyncio.sleep(self.slow_delay)
        if self.hold_until is not None and message.address in self.slow:
            # Held until every other send has ended: an outbox that waited for this send before the others
            # would never get there, and the hold runs out instead (an event, not a race against the clock).
            try:
                await asyncio.wait_for(self.hold_until(), timeout=30)
            except TimeoutError:
                self.hold_ran_out = True
        provider_id = await super().send(message)
        self.ended[message.address, message.reply.text] = time.monotonic()
        return provider_id


def test_a_slow_send_holds_up_no_other_chat_and_every_send_is_recorded(sessions, clock):
    channel = TimedChannel(slow={"slow"})

    async def others_ended() -> None:
        while sum(1 for address, _ in channel.ended if address != "slow") < 30:
            await asyncio.sleep(0.01)

    channel.hold_until = others_ended
    queue(sessions, clock, ("slow", "lambat"), *[(f"chat{n}", "halo") for n in range(30)])
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock, batch=4).drain())
    fast = [at for (address, _), at in channel.ended.items() if address != "slow"]
    assert not channel.hold_ran_out  # no round waited for the slow one
    assert len(fast) == 30 and max(fast) < channel.ended["slow", "lambat"]
    assert {m.status for m in rows(sessions).values()} == {OutboxStatus.SENT}


def test_a_chats_queued_messages_are_spaced_by_its_declared_chat_rate_and_others_do_not_wait(sessions, clock):
    channel = TimedChannel(capabilities=Capabilities(chat=Rate(10.0)))  # one every 0.1 s per chat
    queue(sessions, clock, ("a", "1"), ("a", "2"), ("a", "3"), ("b", "1"), ("c", "1"))
    asyncio.run(Outbox(sessions, {"memory": channel}, clock=clock).drain())
    chat_a = [channel.ended["a", text] for text in "123"]
    assert [round(b - a, 2) >= 0.1 for a, b in itertools.pairwise(chat_a)] == [True, True]
    # b and c are not spaced behind a: they end before a's second message may go (an order, not a stopwatch).
    assert max(channel.ended["b", "1"], channel.ended["c", "1"]) < channel.ended["a", "2"]
    assert [text for address, text in channel.sent if address == "a"] == ["1", "2", "3"]
