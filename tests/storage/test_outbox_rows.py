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


def test_failed_messages_are_listed_by_status(session):
    ids = [add(session, f"k{n}") for n in range(3)]
    outbox.mark_failed(session, ids[0], "twilio 400 error 21211")
    outbox.mark_failed(session, ids[1], "outside the window", OutboxStatus.UNDELIVERABLE)
    assert [m.error for m in outbox.list_messages(session, OutboxStatus.FAILED)] == ["twilio 400 error 21211"]
    assert outbox.count_messages(session, OutboxStatus.UNDELIVERABLE) == 1
    assert [m.id for m in outbox.list_messages(session)] == ids[::-1]
