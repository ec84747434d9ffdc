"""The turn's read and write on the driver's cursor: SQLAlchemy's errors, events and results, no personal data."""

from __future__ import annotations

import logging
import traceback

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.exc import IntegrityError

from bot.runner import Runner
from handlers.types import Inbound
from storage import turns
from storage.db import make_sessions
from storage.models import UTCDateTime
from tests.conftest import FROZEN_NOW, add_officer, prepare

PHONE = "whatsapp:+6281234567890"


def _formatted(error: BaseException) -> str:
    """Everything a log line with `exc_info` would show: the message, the chained driver error, the traceback."""
    return "".join(traceback.format_exception(error))


def test_a_failing_write_raises_sqlalchemys_error_without_the_values(sessions):
    # The outbox row has no idempotency key: the driver refuses it, and PostgreSQL's DETAIL would repeat the row,
    # the chat's address with it.
    with pytest.raises(IntegrityError) as caught, sessions.begin() as s:
        turns.write_turn(s, "whatsapp", PHONE, FROZEN_NOW, message_id="wamid.1", state=None,
                         replies=[(None, {"text": "Halo Budi", "to": PHONE})], claimed_by=None,
                         lease_until=FROZEN_NOW)
    shown = _formatted(caught.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in shown
    assert "6281234567890" not in shown
    assert "Budi" not in shown


def test_a_driver_statement_error_is_wrapped_like_any_statements(sessions):
    # A claim without its ON CONFLICT clause: the second one breaks the unique key (channel, message_id).
    statement = text("INSERT INTO inbound_messages (channel, message_id, received_at) VALUES (:channel, :id, :now) "
                     "RETURNING 1").bindparams(bindparam("now", type_=UTCDateTime()))
    with sessions.begin() as s:
        driver = turns._driver(statement, s.connection().dialect)
        assert driver.run(s.connection(), {"channel": "whatsapp", "id": PHONE, "now": FROZEN_NOW}) == [(1,)]
    with pytest.raises(IntegrityError) as caught, sessions.begin() as s:
        driver.run(s.connection(), {"channel": "whatsapp", "id": PHONE, "now": FROZEN_NOW})
    shown = _formatted(caught.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in shown
    assert "6281234567890" not in shown


def test_the_turns_statements_reach_the_connections_events(sessions):
    seen: list[str] = []
    bind = sessions.kw["bind"]
    engine = getattr(bind, "engine", bind)

    def note(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's own transaction
            seen.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", note)
    try:
        with sessions.begin() as s:
            add_officer(s, PHONE, channel="whatsapp")
        seen.clear()
        with sessions.begin() as s:
            chat = turns.read_chat(s, "whatsapp", PHONE)
            written = turns.write_turn(
                s, "whatsapp", PHONE, FROZEN_NOW, message_id="wamid.2",
                state=turns.StateWrite(None, None, "incident", "category", {"answers": {}}, clear_reask=False),
                replies=[("reply:wamid.2:0", {"text": "Kategori?"})], claimed_by="boot", lease_until=FROZEN_NOW)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert chat.identity_id is not None and chat.officer_id is not None and chat.conversation_id is None
    assert written.claimed and written.saved and set(written.outbox_ids) == {"reply:wamid.2:0"}
    # Every statement went through the connection's events (one CTE statement on PostgreSQL).
    assert seen[0] == "SELECT" and len(seen) in (2, 4)


def test_a_turn_whose_connection_died_runs_again_on_a_new_one(database_factory, settings, clock, caplog):
    url = database_factory()
    if not url.startswith("postgresql"):
        pytest.skip("a server ending the connection: PostgreSQL")
    engine = prepare(url)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        add_officer(s, "a1")
    runner = Runner(sessions, settings, clock=clock)
    try:
        assert runner.run_turn(Inbound("console", "a1", text="/lapor", message_id="m1"))
        # The turn thread keeps its connection; the server ends it between two turns (a restart, a failover).
        pid = runner._turn_connections[0].connection.driver_connection.info.backend_pid
        with engine.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # The read finds it dead: SQLAlchemy's error says so (connection_invalidated), the turn runs again.
        with caplog.at_level(logging.INFO, logger="bot.runner"):
            replies = runner.run_turn(Inbound("console", "a1", text="1", message_id="m2"))
        assert "retrying console attempt=1" in caplog.text
        assert replies and "kecamatan" in replies[0].text.lower()
    finally:
        runner.close()
        engine.dispose()
