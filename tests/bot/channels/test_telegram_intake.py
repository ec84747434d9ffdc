"""The Telegram intake: a batch's private messages in one hop to the database threads, one chat's updates in order."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update

from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.runner import Queued
from handlers.types import Inbound
from tests.support.fake_telegram import FakeTelegram

USER = {"id": 7001, "is_bot": False, "first_name": "Budi", "language_code": "id"}
PHOTO = [{"file_id": "P1", "file_unique_id": "u", "width": 1, "height": 1}]


def update(update_id: int, chat: int, **content: Any) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "from": {**USER, "id": chat},
        "chat": {"id": chat, "type": "private"}, **content}}, None)


class SpyRunner:
    """Records the turns in the order they run, and each hop to the database threads with what it carried."""

    def __init__(self, db_threads: int = 1) -> None:
        self.db_threads = db_threads
        self._executor = ThreadPoolExecutor(db_threads)
        self.turns: list[tuple[str, str | None]] = []
        self.hops: list[str] = []
        self.apologies: list[tuple[str, str, str | None]] = []
        self.sent: list[tuple[str, float]] = []  # (the turn's text, when its replies were handed to the outbox)
        self.ended: dict[str, float] = {}
        self.woken = 0
        self._lock = threading.Lock()

    async def call(self, fn: Any, *args: Any) -> Any:
        self.hops.append(fn.__name__)
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def run_turn(self, inbound: Inbound, on_replies: Any = None, queued: Queued | None = None) -> list[Any]:
        time.sleep(0.002)  # long enough for the event loop to take the next updates meanwhile
        with self._lock:
            self.turns.append((inbound.address, inbound.text))
        if inbound.text == "boom":
            raise RuntimeError("database went away")
        if inbound.text == "lambat":
            time.sleep(0.3)
        self.ended[inbound.text or ""] = time.monotonic()
        if queued is not None:
            queued.claimed.append(inbound.text)  # type: ignore[arg-type] - what `send_now` is handed
        return []

    async def run_turn_async(self, inbound: Inbound) -> list[Any]:
        return await self.call(self.run_turn, inbound)

    def accepts_media(self, inbound: Inbound) -> bool:
        return False

    def role_of(self, channel: str, address: str) -> tuple[str, str] | None:
        return None

    def apologise(self, channel: str, address: str, lang: str | None = None) -> None:
        self.apologies.append((channel, address, lang))

    def wake(self) -> None:
        self.woken += 1

    def send_now(self, claimed: list[Any]) -> None:
        self.sent += [(text, time.monotonic()) for text in claimed]


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


def channel_for(fake: FakeTelegram, settings: Settings, runner: Any) -> TelegramChannel:
    tg = settings.model_copy(update={"telegram_bot_token": SecretStr(fake.token), "telegram_api_base_url": fake.url})
    return TelegramChannel(tg, runner, retries=2, backoff=0.01)


def take(channel: TelegramChannel, *batches: list[Update]) -> None:
    """Hand the channel batches of updates as the poller would, each as soon as the previous one is taken."""
    async def main() -> None:
        async with channel.app:
            done = [finished for batch in batches for finished in channel._take(batch)]
            await asyncio.wait(done)
            while channel._tails:  # and what follows the turns (menus), as `stop` waits for it
                await asyncio.wait(set(channel._tails.values()))
    asyncio.run(main())


def test_a_batch_s_private_messages_go_to_the_database_thread_in_one_hop(fake, settings):
    runner = SpyRunner()
    channel = channel_for(fake, settings, runner)
    take(channel, [update(n, 7000 + n % 5, text=f"pesan {n}") for n in range(1, 21)])
    assert runner.hops == ["run_here"]  # not one per update
    assert sorted(runner.turns) == sorted((str(7000 + n % 5), f"pesan {n}") for n in range(1, 21))
    assert len(runner.sent) == 20  # every turn's claimed replies handed to the outbox


def test_a_slow_turn_in_a_batch_does_not_hold_back_the_replies_of_the_turns_before_it(fake, settings):
    runner = SpyRunner()
    channel = channel_for(fake, settings, runner)
    take(channel, [update(1, 7001, text="cepat"), update(2, 7002, text="lambat")])
    sent = dict(runner.sent)
    assert sent["cepat"] < runner.ended["lambat"]  # sent as soon as its own turn committed


def test_one_chat_s_updates_keep_their_order_across_the_lean_way_and_ptb_s_handlers(fake, settings):
    runner = SpyRunner()
    channel = channel_for(fake, settings, runner)
    first = [update(1, 7001, text="a1"), update(2, 7002, text="b1"), update(3, 7001, photo=PHOTO, caption="a2"),
             update(4, 7001, text="a3"), update(5, 7002, text="b2")]
    # The next batch comes while the first is still running: 7001's message waits for that chat's last one.
    second = [update(6, 7001, text="a4"), update(7, 7003, text="c1")]
    take(channel, first, second)
    by_chat: dict[str, list[str | None]] = {}
    for chat, text in runner.turns:
        by_chat.setdefault(chat, []).append(text)
    assert by_chat == {"7001": ["a1", "a2", "a3", "a4"], "7002": ["b1", "b2"], "7003": ["c1"]}


def test_with_several_database_threads_a_chat_s_turns_stay_on_one_and_in_order(fake, settings):
    runner = SpyRunner(db_threads=3)
    channel = channel_for(fake, settings, runner)
    take(channel, [update(n, 7000 + n % 7, text=str(n)) for n in range(1, 43)])
    assert len(runner.hops) == 3
    for chat in range(7000, 7007):
        texts = [int(text or 0) for address, text in runner.turns if address == str(chat)]
        assert texts == sorted(texts) and len(texts) == 6


def test_a_failing_turn_is_logged_and_apologised_and_the_rest_of_the_batch_goes_on(fake, settings, caplog):
    runner = SpyRunner()
    channel = channel_for(fake, settings, runner)
    take(channel, [update(1, 7001, text="boom"), update(2, 7001, text="Rahasia: nama saksi Pak Ahmad"),
                   update(3, 7002, text="halo")])
    assert [text for _, text in runner.turns] == ["boom", "Rahasia: nama saksi Pak Ahmad", "halo"]
    assert runner.apologies == [("telegram", "7001", "id")]  # queued in the outbox like every message
    [record] = [r for r in caplog.records if r.name == "bot.channels.telegram" and r.levelno == logging.ERROR]
    assert record.exc_info and "update_id=1" in record.getMessage()
    assert "Ahmad" not in caplog.text


def test_stopping_takes_every_update_already_fetched(fake, settings):
    runner = SpyRunner()
    channel = channel_for(fake, settings, runner)

    async def main() -> None:
        async with channel.app:
            channel._consumer = asyncio.create_task(channel._consume())
            for n in range(1, 6):
                channel._updates.put_nowait(update(n, 7001, text=str(n)))
            await channel.stop()  # fetched means confirmed to Telegram: none of them may be dropped
            assert channel._updates.empty() and not channel._tails

    asyncio.run(main())
    assert [text for _, text in runner.turns] == ["1", "2", "3", "4", "5"]


def test_a_repeated_update_in_one_batch_is_answered_once(fake, settings, runner, sessions):
    from bot.effects import Delivery
    from bot.outbox import Outbox
    from tests.conftest import add_officer

    with sessions.begin() as s:
        add_officer(s, "7001", channel="telegram")
    runner.delivery = Delivery(outbox_channels=frozenset({"telegram"}))
    channel = channel_for(fake, settings, runner)
    box = Outbox(sessions, {"telegram": channel}, clock=runner.clock)

    async def main() -> None:
        async with channel.app:
            await asyncio.wait(channel._take([update(1, 7001, text="/lapor"), update(1, 7001, text="/lapor")]))
            await box.drain()

    asyncio.run(main())
    assert [c.params["text"] for c in fake.calls_of("sendMessage")] == ["Jenis kejadian apa?"]



def test_an_update_is_over_when_its_own_turn_committed_not_after_a_slow_one_behind_it_in_its_batch(fake, settings):
    runner = SpyRunner()
    channel = channel_for(fake, settings, runner)

    async def main() -> None:
        async with channel.app:
            quick, _ = channel._take([update(1, 7001, text="cepat"), update(2, 7002, text="lambat")])
            await asyncio.wait_for(quick, 5)
            assert "lambat" not in runner.ended  # still running when the first update was over
            while channel._tails:
                await asyncio.wait(set(channel._tails.values()))

    asyncio.run(main())
    assert runner.hops == ["run_here"]
