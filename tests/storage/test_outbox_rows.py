"""Outbox queries: one row per key, claims at most one open message per chat, listing by status."""

from __future__ import annotations

from datetime import timedelta

from storage import outbox
from storage.models import OutboxStatus
from tests.conftest import FROZEN_NOW

LATER = FROZEN_NOW + timedelta(minutes=5)


def add(session, key, address="a", channel="whatsapp", now=FROZEN_NOW):
    return outbox.add_message(session, key, channel, address, {"reply": {"text": key}}, now)


def test_a_key_is_added_once(session):
    assert isinstance(add(session, "k1"), int)
    assert add(session, "k1", address="b") is None
    assert [m.address for m in outbox.list_messages(session)] == ["a"]


def test_claims_take_the_oldest_due_message_of_each_chat_once(session):
    first, second, other = add(session, "a1"), add(session, "a2"), add(session, "b1", address="b")
    add(session, "c1", address="c", now=FROZEN_NOW + timedelta(seconds=30))  # not due yet
    add(session, "t1", channel="telegram")
    claimed = outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10)
    assert [m.id for m in claimed] == [first, other]
    assert all(m.status == OutboxStatus.SENDING and m.attempts == 1 and m.next_attempt_at == LATER for m in claimed)
    assert outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10) == []  # a2 waits for a1
    outbox.mark_sent(session, first, FROZEN_NOW, "SM1")
    assert [m.id for m in outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10)] == [second]


def test_a_chats_due_messages_are_claimed_together_in_order_up_to_per_chat(session):
    a = [add(session, f"a{n}") for n in range(4)]
    held = outbox.add_message(session, "a-later", "whatsapp", "a", {"reply": {"text": "x"}}, FROZEN_NOW,
                              not_before=FROZEN_NOW + timedelta(hours=1))
    a.append(add(session, "a4"))
    b = [add(session, "b0", address="b"), add(session, "b1", address="b")]
    claimed = outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10, per_chat=3)
    # Three of a's (the held one is passed over, not claimed), both of b's; a's fourth waits for them.
    assert [m.id for m in claimed] == sorted([*a[:3], *b])
    assert held not in [m.id for m in claimed]
    assert outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10, per_chat=3) == []


def test_a_chats_run_of_messages_ends_at_one_that_cannot_go_now(session):
    first, retry = add(session, "a0"), add(session, "a1")
    assert len(outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10, per_chat=2)) == 2
    outbox.release(session, [first])  # not tried: back in the queue, due
    outbox.mark_retry(session, retry, FROZEN_NOW + timedelta(seconds=30), "twilio 503")  # tried once, waits
    after = add(session, "a2")
    expired = outbox.add_message(session, "b0", "whatsapp", "b", {"reply": {"text": "b0"}}, FROZEN_NOW,
                                 expires_at=FROZEN_NOW - timedelta(seconds=1))
    add(session, "b1", address="b")
    claimed = outbox.claim_due(session, ["whatsapp"], FROZEN_NOW, LATER, 10, per_chat=5)
    # a: the retry waiting for its backoff stops the run (its successor waits for it); b: the expired head
    # holds up the chat until it is marked expired.
    assert [m.id for m in claimed] == [first]
    assert after not in [m.id for m in claimed] and expired not in [m.id for m in claimed]


def test_failed_messages_are_listed_by_status(session):
    ids = [add(session, f"k{n}") for n in range(3)]
    outbox.mark_failed(session, ids[0], "twilio 400 error 21211")
    outbox.mark_failed(session, ids[1], "outside the window", OutboxStatus.UNDELIVERABLE)
    assert [m.error for m in outbox.list_messages(session, OutboxStatus.FAILED)] == ["twilio 400 error 21211"]
    assert outbox.count_messages(session, OutboxStatus.UNDELIVERABLE) == 1
    assert [m.id for m in outbox.list_messages(session)] == ids[::-1]
