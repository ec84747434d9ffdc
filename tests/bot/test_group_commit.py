"""Group commit: turns waiting for the database share a transaction; each chat keeps its order, a failure stays its own."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

import handlers
from bot.effects import Delivery
from bot.runner import Runner
from handlers.types import Inbound
from storage import conversations, outbox, turns
from storage.models import InboundMessage, OutboxMessage
from tests.conftest import add_officer


class CountingSessions:
    """The runner's session factory, counting the transactions it opens (turns keep a session per thread
    across their transactions, so those are counted as the session begins them)."""

    def __init__(self, sessions) -> None:
        self.inner, self.kw, self.transactions = sessions, sessions.kw, 0

    def __call__(self, **kw):
        session = self.inner(**kw)
        event.listen(session, "after_transaction_create", self._created)
        return session

    def _created(self, _session, transaction) -> None:
        if transaction.parent is None:  # a savepoint (a turn of the group) is not a transaction of its own
            self.transactions += 1

    def begin(self):
        self.transactions += 1
        return self.inner.begin()


@pytest.fixture
def grouped(sessions, settings, clock):
    with sessions.begin() as s:
        for address in ("a", "b", "c"):
            add_officer(s, address)
    # One database thread: the test's sessions share one connection (and one thread makes the group certain).
    runner = Runner(sessions, settings.model_copy(update={"group_commit": 8, "turn_workers": 1}), clock=clock,
                    delivery=Delivery(outbox_channels=frozenset({"console"}), boot_id="me"))
    runner.sessions = CountingSessions(sessions)
    yield runner
    runner.close()


def queue_then_run(runner: Runner, inbounds: list[Inbound]) -> list:
    """Queue the turns while the database thread is busy, so they wait together; then let it go."""
    busy = threading.Event()
    runner._executor.submit(busy.wait)
    futures = [runner.submit_turn(inbound) for inbound in inbounds]
    busy.set()
    return futures


def message(address: str, text: str, n: int) -> Inbound:
    return Inbound("console", address, text=text, message_id=f"{address}-{n}")


def step(runner: Runner, address: str) -> str | None:
    with runner.sessions.inner.begin() as s:
        return conversations.get_conversation(s, "console", address).step


def reply_rows(runner: Runner) -> list[str]:
    with runner.sessions.inner.begin() as s:
        return sorted(m.idempotency_key for m in outbox.list_messages(s, limit=None))


def claimed_ids(runner: Runner) -> list[str]:
    with runner.sessions.inner.begin() as s:
        return sorted(m.message_id for m in s.query(InboundMessage))


def test_waiting_turns_of_several_chats_commit_together_and_each_chat_keeps_its_order(grouped):
    inbounds = [message("a", "/lapor", 0), message("b", "/lapor", 0), message("a", "1", 1),
                message("c", "/lapor", 0), message("b", "1", 1)]
    futures = queue_then_run(grouped, inbounds)
    replies = [f.result(timeout=30) for f in futures]
    assert grouped.sessions.transactions == 1  # five turns, one transaction
    assert all(r and r[0].text.startswith("Jenis kejadian apa?") for r in (replies[0], replies[1], replies[3]))
    # The second message of a and b was taken as the answer to the first: their order held.
    assert all("kecamatan" in r[0].text.lower() for r in (replies[2], replies[4]))
    assert [step(grouped, x) for x in "abc"] == ["kecamatan", "kecamatan", "category"]
    assert len(reply_rows(grouped)) == sum(len(r) for r in replies)


def test_a_turn_that_fails_in_a_group_rolls_back_alone_and_runs_again_alone(grouped, monkeypatch):
    write, failures = turns.write_turn, []

    def flaky(session, channel, address, now, *, message_id, **kw):
        written = write(session, channel, address, now, message_id=message_id, **kw)
        if message_id == "b-0" and not failures:
            failures.append(message_id)
            # After the turn claimed its id and wrote state and replies: only its savepoint may undo that,
            # else its retry would find the id claimed and answer nothing.
            raise RuntimeError("database hiccup")
        return written

    monkeypatch.setattr(turns, "write_turn", flaky)
    inbounds = [message("a", "/lapor", 0), message("b", "/lapor", 0), message("c", "/lapor", 0),
                message("b", "1", 1), message("a", "1", 1)]
    futures = queue_then_run(grouped, inbounds)
    replies = [f.result(timeout=30) for f in futures]
    assert failures == ["b-0"]
    # a and c committed in the group; b's first turn ran again alone, and its second after it, in order.
    assert grouped.sessions.transactions == 3
    assert replies[1][0].text.startswith("Jenis kejadian apa?") and "kecamatan" in replies[3][0].text.lower()
    assert [step(grouped, x) for x in "abc"] == ["kecamatan", "kecamatan", "category"]
    # Nothing lost, nothing twice: one claim per message, one outbox row per reply.
    assert claimed_ids(grouped) == sorted(i.message_id for i in inbounds)
    keys = reply_rows(grouped)
    assert len(keys) == len(set(keys)) == sum(len(r) for r in replies)


def test_a_turn_that_keeps_failing_fails_alone_and_a_redelivery_in_the_group_adds_nothing(grouped, monkeypatch):
    dispatch = handlers.dispatch

    def broken(state, inbound, ctx):
        if inbound.address == "b":
            raise RuntimeError("handler bug")
        return dispatch(state, inbound, ctx)

    monkeypatch.setattr(handlers, "dispatch", broken)
    inbounds = [message("a", "/lapor", 0), message("b", "/lapor", 0), message("a", "/lapor", 0),
                message("c", "/lapor", 0)]
    futures = queue_then_run(grouped, inbounds)
    assert futures[0].result(timeout=30)[0].text.startswith("Jenis kejadian apa?")
    with pytest.raises(RuntimeError, match="handler bug"):
        futures[1].result(timeout=30)
    assert futures[2].result(timeout=30) == []  # the same message id again: ignored
    assert futures[3].result(timeout=30)[0].text.startswith("Jenis kejadian apa?")
    assert claimed_ids(grouped) == ["a-0", "c-0"]
    with grouped.sessions.inner.begin() as s:
        assert s.query(OutboxMessage).filter_by(address="b").count() == 0
    assert step(grouped, "a") == "category"
