"""A map is drawn after its turn's transaction commits, off the database threads, and before its reply is sent;
a tick's chart is drawn outside any transaction, before its messages are queued."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.config import Settings
from bot.effects import Delivery
from bot.runner import Runner
from handlers import chart, rawan_map
from handlers.digest import DIGEST_TICK
from handlers.types import Inbound
from storage import audit, outbox
from storage.db import make_sessions
from storage.models import Role
from tests.conftest import FROZEN_NOW, Clock, add_officer, prepare


@pytest.fixture
def setup(database_factory, tmp_path, monkeypatch):
    # Its own database: "committed" means seen from another connection, which the savepoint fixture hides.
    sessions = make_sessions(prepare(database_factory()))
    with sessions.begin() as session:
        add_officer(session, "head-1", role=Role.HEAD, name="Kepala", channel="memory")
    settings = Settings(database_url="sqlite://", language="id", attachments_dir=tmp_path / "attachments")
    runner = Runner(sessions, settings, clock=Clock(),
                    delivery=Delivery(outbox_channels=frozenset({"memory"}), boot_id="me"))
    drawn: list[tuple[list[str], str]] = []

    def draw_map(data, lang: str, path: Path, cache_dir: Path | None = None) -> None:
        # Another connection reads the turn's reply in the outbox: only a committed turn shows it.
        with sessions.begin() as other:
            texts = [m.payload["reply"]["text"] for m in outbox.list_messages(other)]
        drawn.append((texts, threading.current_thread().name))
        path.write_bytes(b"\x89PNG")

    monkeypatch.setattr(rawan_map, "draw_map", draw_map)
    yield runner, drawn
    runner.close()


def test_a_console_turn_draws_the_map_after_its_commit(setup):
    runner, drawn = setup
    [reply] = runner.run_turn(Inbound("memory", "head-1", text="/rawan", message_id="m1"))
    [(texts, _)] = drawn
    assert texts == [reply.text]
    assert Path(reply.media[0].stored_path).read_bytes() == b"\x89PNG"


def test_a_channel_turn_draws_the_map_off_the_database_threads_before_sending_it(setup):
    runner, drawn = setup
    sent: list[bool] = []
    runner.send_now = lambda claimed: sent.extend(Path(o.reply.media[0].stored_path).exists() for o in claimed)
    [reply] = asyncio.run(runner.run_turn_async(Inbound("memory", "head-1", text="/rawan", message_id="m2")))
    [(texts, thread)] = drawn
    assert texts == [reply.text] and not thread.startswith("siaga-db")
    assert sent == [True]  # the claimed reply went to the sender with its map drawn


def test_a_tick_draws_its_chart_outside_any_transaction_and_queues_it_drawn(database_factory, tmp_path, monkeypatch):
    sessions = make_sessions(prepare(database_factory()))
    with sessions.begin() as session:
        add_officer(session, "head-1", role=Role.HEAD, name="Kepala", channel="memory")
    settings = Settings(database_url="sqlite://", language="id", attachments_dir=tmp_path / "attachments")
    runner = Runner(sessions, settings, clock=Clock(FROZEN_NOW),  # 10:00 WITA: the office's 07:00 digest is due
                    delivery=Delivery(outbox_channels=frozenset({"memory"}), reach=("memory",)))
    save_chart = chart.save_chart
    queued_while_drawing: list[int] = []

    def drawing(png: bytes, target: Path) -> Path:
        # Another writer gets the database at once (SQLite has one write lock): the tick holds no transaction.
        with sessions.begin() as other:
            audit.add_audit(other, FROZEN_NOW, "test.write")
            queued_while_drawing.append(len(outbox.list_messages(other)))
        return save_chart(png, target)

    monkeypatch.setattr(chart, "save_chart", drawing)
    try:
        assert runner.run_tick(DIGEST_TICK) > 0
    finally:
        runner.close()
    assert queued_while_drawing == [0]  # drawn once, before its messages were queued, and found by the real run
    with sessions.begin() as session:
        files = [m[3] for row in outbox.list_messages(session) for m in row.payload["reply"].get("media", [])]
    assert len(files) == 1 and Path(files[0]).exists() and Path(files[0]).parent == tmp_path / "attachments" / "charts"
