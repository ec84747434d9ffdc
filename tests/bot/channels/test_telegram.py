"""The Telegram adapter: Update → Inbound case tables, Reply → keyboards, and the send path against the fake."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram import (
    CAPABILITIES,
    TelegramChannel,
    addressed_command,
    attachment_of,
    callback_inbound,
    keyboard,
    markup,
    message_inbound,
    send_error,
    split_text,
    webhook_secret,
)
from bot.config import Settings
from bot.sending import Capabilities, Outbound, Outgoing, Rate, SendError
from handlers.types import Choice, Inbound, Location, Reply
from storage.models import Role
from tests.support.fake_telegram import FakeTelegram

USER = {"id": 7001, "is_bot": False, "first_name": "Budi", "last_name": "Santoso", "language_code": "id"}
CHAT = {"id": 7001, "type": "private", "first_name": "Budi"}


def update(bot: Any = None, **content: Any) -> Update:
    raw = {"update_id": 1, "message": {"message_id": 42, "date": 0, "from": USER, "chat": CHAT, **content}}
    return Update.de_json(raw, bot)


def message(**content: Any) -> Message:
    msg = update(**content).message
    assert msg is not None
    return msg


def press(data: str, message_id: int = 77, bot: Any = None) -> Update:
    bot_message = {"message_id": message_id, "date": 0, "chat": CHAT, "text": "Seberapa serius?"}
    return Update.de_json({"update_id": 2, "callback_query": {
        "id": "q1", "from": USER, "chat_instance": "ci", "message": bot_message, "data": data}}, bot)


@pytest.mark.parametrize(("content", "expected"), [
    ({"text": "/start ABCD1234"}, dict(text="/start ABCD1234")),
    ({"text": "Kel. Sungai Jingah"}, dict(text="Kel. Sungai Jingah")),
    ({"location": {"latitude": -3.3, "longitude": 114.59}}, dict(location=Location(-3.3, 114.59))),
    ({"venue": {"location": {"latitude": -3.31, "longitude": 114.6}, "title": "Kantor Camat",
                "address": "Jl. Sungai Jingah"}}, dict(location=Location(-3.31, 114.6))),
    ({"photo": [{"file_id": "P1", "file_unique_id": "u", "width": 1, "height": 1}], "caption": "batal"},
     dict(text="batal")),
    ({"sticker": {"file_id": "S", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                  "is_video": False, "type": "regular"}}, dict()),
])
def test_a_private_message_becomes_an_inbound_with_a_per_chat_message_id(content, expected):
    assert message_inbound(message(**content)) == Inbound(
        "telegram", "7001", message_id="7001:42", display_name="Budi Santoso", **expected)


def test_a_button_press_is_a_choice_and_answers_its_keyboard_once():
    inbound = callback_inbound(press("tinggi"))
    assert (inbound.choice, inbound.text, inbound.address) == ("tinggi", None, "7001")
    # Both taps on one keyboard carry the same message id, so the runner takes only the first.
    assert inbound.message_id == callback_inbound(press("rendah")).message_id == "7001:77:tap"
    assert callback_inbound(press("tinggi", message_id=78)).message_id == "7001:78:tap"


def test_a_choice_id_too_long_for_callback_data_goes_out_and_comes_back_as_its_position():
    long_id = "x" * 65
    keyboard = markup(Reply("Pilih", choices=(Choice("a", "A"), Choice(long_id, "B"))))
    assert [b.callback_data for row in keyboard.inline_keyboard for b in row] == ["a", "#2"]
    assert callback_inbound(press("#2")).text == "2"


@pytest.mark.parametrize(("text", "addressed"), [
    ("/lapor@SiagaTestBot", True), ("/lapor@siagatestbot sekarang", True), ("/lapor", False),
    ("/lapor@OtherBot", False), ("halo @SiagaTestBot", False), ("", False),
])
def test_only_commands_naming_the_bot_are_addressed_to_it(text, addressed):
    assert addressed_command(message(text=text), "SiagaTestBot") is addressed


def test_choices_become_an_inline_keyboard_short_labels_sharing_a_row():
    short = markup(Reply("?", choices=(Choice("rendah", "Rendah"), Choice("sedang", "Sedang"),
                                       Choice("tinggi", "Tinggi"))))
    assert [[b.text for b in row] for row in short.inline_keyboard] == [["Rendah", "Sedang", "Tinggi"]]
    long = markup(Reply("?", choices=(Choice("1", "Unjuk rasa / demonstrasi"), Choice("2", "Politik uang"))))
    assert [[b.callback_data for b in row] for row in long.inline_keyboard] == [["1"], ["2"]]


@pytest.mark.parametrize(("lang", "label"), [("id", "Kirim lokasi saya"), ("en", "Send my location")])
def test_ask_location_becomes_a_request_location_button_in_the_readers_language(lang, label):
    keyboard = markup(Reply("Bagikan lokasi", ask_location=True, lang=lang)).to_dict()
    assert keyboard["keyboard"] == [[{"text": label, "request_location": True}]]
    assert keyboard["one_time_keyboard"] and keyboard["resize_keyboard"]


def test_a_plain_reply_takes_the_location_keyboard_away():
    assert markup(Reply("Kirim foto kejadian, bila ada.")).to_dict() == {"remove_keyboard": True}


@pytest.mark.parametrize("reply", [
    Reply("?", choices=(Choice("rendah", "Rendah"), Choice("x" * 70, "Panjang sekali labelnya"))),
    Reply("Bagikan lokasi", ask_location=True, lang="en"),
    Reply("Tersimpan."),
])
def test_the_posted_keyboard_is_what_ptb_would_have_sent(reply):
    assert keyboard(reply) == markup(reply).to_dict()


def test_a_long_text_is_split_at_line_breaks_under_the_limit():
    text = "\n".join(f"baris {n:04d} " + "x" * 40 for n in range(200))
    parts = split_text(text, limit=1000, max_parts=20)
    assert all(len(p) <= 1000 for p in parts) and "\n".join(parts) == text
    assert split_text("pendek") == ["pendek"]


@pytest.mark.parametrize(("content", "expected"), [
    ({"photo": [{"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90},
                {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 600}]},
     ("photo", "big", "image/jpeg", ".jpg")),
    ({"document": {"file_id": "D1", "file_unique_id": "d", "file_name": "Notulen.PDF",
                   "mime_type": "application/pdf"}}, ("document", "D1", "application/pdf", ".pdf")),
    ({"document": {"file_id": "D2", "file_unique_id": "e", "file_name": "bukti.png"}},
     ("photo", "D2", "image/png", ".png")),
    ({"text": "halo"}, None),
])
def test_photos_and_documents_are_attachments_by_file_id(content, expected):
    assert attachment_of(message(**content)) == expected


@pytest.mark.parametrize(("exc", "retryable", "retry_after"), [
    (RetryAfter(timedelta(seconds=7)), True, 7.0),
    (NetworkError("Bad Gateway"), True, None),
    (TimedOut(), True, None),
    (Forbidden("Forbidden: bot was blocked by the user"), False, None),
    (BadRequest("Bad Request: chat not found"), False, None),
])
def test_send_failures_are_classified_for_the_outbox(exc, retryable, retry_after):
    error = send_error(exc)
    assert (error.retryable, error.retry_after) == (retryable, retry_after)


def test_the_webhook_secret_is_derived_from_the_token_unless_configured():
    settings = Settings(telegram_bot_token=SecretStr("123:ABC"))
    derived = webhook_secret(settings)
    assert derived == webhook_secret(Settings(telegram_bot_token=SecretStr("123:ABC")))
    assert "ABC" not in derived and derived != webhook_secret(Settings(telegram_bot_token=SecretStr("123:XYZ")))
    configured = Settings(telegram_bot_token=SecretStr("123:ABC"), telegram_webhook_secret=SecretStr("s3cret"))
    assert webhook_secret(configured) == "s3cret"


# ---------------------------------------------------------------- against the fake Bot API


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


def channel_for(fake: FakeTelegram, settings: Settings, runner: Any = None) -> TelegramChannel:
    tg = settings.model_copy(update={"telegram_bot_token": SecretStr(fake.token),
                                     "telegram_api_base_url": fake.url})
    return TelegramChannel(tg, runner, retries=2, backoff=0.01)


def run(channel: TelegramChannel, work) -> Any:  # type: ignore[no-untyped-def]
    async def main() -> Any:
        async with channel.app:  # initialize (getMe) ... shutdown
            return await work()
    return asyncio.run(main())


def test_a_send_is_retried_after_a_502_and_a_429_goes_to_the_outbox_with_its_retry_after(fake, settings):
    channel = channel_for(fake, settings)
    fake.fail_next("sendMessage", 502)
    started = time.monotonic()
    provider_id = run(channel, lambda: channel.send(Outgoing(1, "telegram", "7001", Reply("Laporan tersimpan."))))
    sends = fake.calls_of("sendMessage")
    assert [c.result is not None for c in sends] == [False, True] and provider_id == f"7001:{sends[1].result['message_id']}"
    assert sends[1].params == {"chat_id": "7001", "text": "Laporan tersimpan.", "reply_markup": {"remove_keyboard": True}}
    assert time.monotonic() - started < 5
    # A 429 holds the whole channel: the outbox's pacer takes it, and retries no earlier than it asked.
    fake.fail_next("sendMessage", 429, retry_after=7)
    channel = channel_for(fake, settings)  # a client belongs to one event loop
    with pytest.raises(SendError) as limited:
        run(channel, lambda: channel.send(Outgoing(2, "telegram", "7001", Reply("halo"))))
    assert (limited.value.retryable, limited.value.retry_after) == (True, 7.0)
    assert len(fake.calls_of("sendMessage")) == 3


def test_a_send_that_keeps_failing_raises_a_classified_send_error(fake, settings):
    channel = channel_for(fake, settings)
    fake.fail_next("sendMessage", 502, times=3)
    with pytest.raises(SendError) as failed:
        run(channel, lambda: channel.send(Outgoing(1, "telegram", "7001", Reply("halo"))))
    assert failed.value.retryable and len(fake.calls_of("sendMessage")) == 3

    fake.fail_next("sendMessage", 403)
    channel = channel_for(fake, settings)  # a rate limiter belongs to one event loop
    with pytest.raises(SendError) as refused:
        run(channel, lambda: channel.send(Outgoing(1, "telegram", "7001", Reply("halo"))))
    assert not refused.value.retryable


def test_photos_and_documents_are_downloaded_to_the_attachment_store(fake, settings):
    channel = channel_for(fake, settings)
    file_id = fake.add_file(b"%PDF-1.4 notulen", "documents/file_1.pdf")
    doc = message(document={"file_id": file_id, "file_unique_id": "u", "file_name": "notulen.pdf",
                            "mime_type": "application/pdf"})
    gone = message(photo=[{"file_id": "MISSING", "file_unique_id": "m", "width": 1, "height": 1}])
    [stored], [missing] = run(channel, lambda: asyncio.gather(channel._download(doc), channel._download(gone)))
    assert (stored.kind, stored.ref, stored.content_type) == ("document", file_id, "application/pdf")
    assert stored.stored_path.startswith(str(settings.attachments_dir)) and stored.stored_path.endswith(".pdf")
    assert Path(stored.stored_path).read_bytes() == b"%PDF-1.4 notulen"
    # A file the Bot API will not hand over still leaves its file_id on the report.
    assert (missing.ref, missing.stored_path) == ("MISSING", None)


class BrokenRunner:
    """Fails every turn; the apology it is asked for is recorded."""

    def __init__(self) -> None:
        self.apologies: list[tuple[str, str, str | None]] = []

    async def run_turn_async(self, inbound: Inbound) -> list[Reply]:
        raise RuntimeError("database went away")

    async def apologise_async(self, channel: str, address: str, lang: str | None = None) -> None:
        self.apologies.append((channel, address, lang))


def test_a_failing_turn_is_logged_and_the_user_gets_the_generic_apology(fake, settings, caplog):
    broken = BrokenRunner()
    channel = channel_for(fake, settings, broken)
    run(channel, lambda: channel.app.process_update(update(channel.app.bot, text="Rahasia: nama saksi Pak Ahmad")))
    assert broken.apologies == [("telegram", "7001", "id")]  # queued in the outbox like every message
    [record] = [r for r in caplog.records if r.name == "bot.channels.telegram"]
    assert record.exc_info and "update_id=1" in record.getMessage()
    assert "Ahmad" not in caplog.text


def test_a_command_addressed_to_the_bot_in_a_group_is_answered_once_through_the_outbox(
        fake, settings, runner, sessions):
    from bot.outbox import Outbox

    channel = channel_for(fake, settings, runner)
    box = Outbox(sessions, {"telegram": channel}, clock=runner.clock)
    group = {"id": -100200, "type": "supergroup", "title": "Kesbangpol"}

    async def chat() -> None:
        for text in ("/lapor@SiagaTestBot", "/lapor@SiagaTestBot", "/lapor"):  # redelivered; not addressed
            command = [{"type": "bot_command", "offset": 0, "length": len(text)}]
            await channel.app.process_update(update(channel.app.bot, text=text, chat=group, entities=command))
        assert fake.calls_of("sendMessage") == []  # queued, not sent by the handler
        await box.drain()

    run(channel, chat)
    [sent] = fake.calls_of("sendMessage")
    params = dict(sent.params)
    # It quotes the command it answers (as PTB's reply_text did), and goes even if that was deleted meanwhile.
    assert json.loads(params.pop("reply_parameters")) == {"message_id": 42, "allow_sending_without_reply": True}
    assert params == {"chat_id": "-100200",
                      "text": "Laporan dikirim lewat obrolan pribadi dengan @SiagaTestBot, bukan di grup."}


def delivering_runner(runner):
    from bot.effects import Delivery

    runner.delivery = Delivery(outbox_channels=frozenset({"telegram"}))
    return runner


def test_a_turn_through_the_adapter_reaches_the_runner_and_its_replies_leave_through_the_outbox(
        fake, settings, runner, sessions):
    from bot.outbox import Outbox
    from tests.conftest import add_officer

    with sessions.begin() as s:
        add_officer(s, "7001", channel="telegram")
    channel = channel_for(fake, settings, delivering_runner(runner))
    box = Outbox(sessions, {"telegram": channel}, clock=runner.clock)

    async def chat() -> None:
        await channel.app.process_update(update(channel.app.bot, text="/lapor"))
        assert fake.calls_of("sendMessage") == []  # written to the outbox with the turn, not sent by the handler
        await box.drain()
        await channel.app.process_update(press("1", message_id=500, bot=channel.app.bot))
        await box.drain()

    run(channel, chat)
    sent = fake.calls_of("sendMessage")
    assert [c.params["text"] for c in sent] == [
        "Jenis kejadian apa?", "Di kecamatan mana? Ketik nama kecamatan (sebagian juga boleh), atau bagikan lokasi kejadian."]
    assert "inline_keyboard" in sent[0].params["reply_markup"]
    assert sent[1].params["reply_markup"] == {"remove_keyboard": True}
    [edit] = fake.calls_of("editMessageReplyMarkup")
    assert int(edit.params["message_id"]) == 500
    assert fake.calls_of("answerCallbackQuery")[0].params["callback_query_id"] == "q1"


def test_replies_telegram_will_not_take_now_are_retried_by_the_outbox(fake, settings, runner, sessions, clock):
    from bot.outbox import Outbox
    from storage import outbox as outbox_rows
    from storage.models import OutboxStatus
    from tests.conftest import add_officer

    with sessions.begin() as s:
        add_officer(s, "7001", channel="telegram")
    channel = channel_for(fake, settings, delivering_runner(runner))
    box = Outbox(sessions, {"telegram": channel}, clock=clock)
    fake.fail_next("sendMessage", 502, times=3)  # more than the quick retries (2)

    async def chat() -> None:
        await channel.app.process_update(update(channel.app.bot, text="/lapor"))
        await box.drain()
        with sessions.begin() as s:
            [kept] = outbox_rows.list_messages(s)
            assert (kept.channel, kept.address, kept.status) == ("telegram", "7001", OutboxStatus.PENDING)
        clock.advance(seconds=2)
        await box.drain()  # Telegram is back

    run(channel, chat)
    sent = [c.params["text"] for c in fake.calls_of("sendMessage") if c.result is not None]
    assert sent == ["Jenis kejadian apa?"]
    with sessions.begin() as s:
        assert [m.status for m in outbox_rows.list_messages(s)] == [OutboxStatus.SENT]


def test_a_long_text_and_files_go_out_as_parts_photo_and_document_with_the_keyboard_last(fake, settings, tmp_path):
    from handlers.types import Media

    photo, pdf = tmp_path / "peta.png", tmp_path / "notulen.pdf"
    photo.write_bytes(b"\x89PNG fake")
    pdf.write_bytes(b"%PDF-1.4 fake")
    channel = channel_for(fake, settings)
    choices = (Choice("ok", "OK"),)
    media = (Media("photo", "peta.png", "image/png", str(photo)), Media("document", "notulen.pdf",
                                                                        "application/pdf", str(pdf)))
    short = Reply("Peta kejadian", choices=choices, media=media)
    long = Reply("\n".join("baris " + "x" * 60 for _ in range(80)), media=media[:1])
    ids = run(channel, lambda: asyncio.gather(channel.send(Outgoing(1, "telegram", "7001", short)),
                                              channel.send(Outgoing(2, "telegram", "7002", long))))
    assert all(i and i.startswith("700") for i in ids)
    photos, documents = fake.calls_of("sendPhoto"), fake.calls_of("sendDocument")
    mine = [c for c in photos + documents if int(c.params["chat_id"]) == 7001]
    assert [c.method for c in mine] == ["sendPhoto", "sendDocument"]
    assert mine[0].params["caption"] == "Peta kejadian" and "caption" not in mine[1].params
    assert "inline_keyboard" in mine[1].params["reply_markup"]  # the choices ride on the last message
    # Over the 1,024-character caption limit: the text goes first as messages, the photo after without caption.
    texts = [c for c in fake.calls_of("sendMessage") if int(c.params["chat_id"]) == 7002]
    assert len(texts) == 2 and all(len(c.params["text"]) <= 4096 for c in texts)
    [late_photo] = [c for c in photos if int(c.params["chat_id"]) == 7002]
    assert "caption" not in late_photo.params


def test_one_chat_gets_a_short_burst_then_about_one_message_a_second_and_other_chats_do_not_wait():
    from bot.outbox import ChatPacer

    # Telegram's limits, scaled up twentyfold so the test takes a fraction of a second.
    assert CAPABILITIES.chat == Rate(1.0, burst=3) and CAPABILITIES.group == Rate(20 / 60, burst=20)
    pacer = ChatPacer(Capabilities(chat=Rate(20.0, burst=3), group=Rate(20 * 20 / 60, burst=20)))

    async def main() -> tuple[float, float, float]:
        started = time.monotonic()
        for _ in range(3):
            await pacer.wait("1")
        burst = time.monotonic() - started
        await pacer.wait("2")  # another chat: its own bucket
        for _ in range(4):
            await pacer.wait("1")
        total = time.monotonic() - started
        started = time.monotonic()
        for _ in range(20):  # a group: a burst of 20
            await pacer.wait("-100200")
        return burst, total, time.monotonic() - started

    burst, total, group = asyncio.run(main())
    assert burst < 0.09  # without the burst, three sends at 20/s would take at least 0.1 s
    assert 0.18 <= total < 0.5  # four more to chat 1 at 20/s
    assert group < 0.09


def test_a_429_with_retry_after_is_retried_by_the_outbox_after_that_delay_and_nothing_is_lost(
        fake, settings, sessions, clock):
    from bot.outbox import Outbox, enqueue
    from storage import outbox as outbox_rows
    from storage.models import OutboxStatus

    tg = settings.model_copy(update={"telegram_bot_token": SecretStr(fake.token), "telegram_api_base_url": fake.url})
    channel = TelegramChannel(tg, None, retries=0)
    box = Outbox(sessions, {"telegram": channel}, clock=clock)
    with sessions.begin() as s:
        for chat in ("7001", "7002"):
            enqueue(s, Outbound("telegram", chat, Reply(f"Pengingat rakor {chat}"), key=f"rakor:{chat}",
                                kind="reminder"), now=clock())
    fake.fail_next("sendMessage", 429, retry_after=30)

    def accepted() -> list[str]:
        return [c.params["chat_id"] for c in fake.calls_of("sendMessage") if c.result is not None]

    async def fan_out() -> None:
        await box.drain()
        assert len(accepted()) == 1  # the other chat went out; the refused one waits its 30 s
        clock.advance(seconds=29)
        await box.drain()
        assert len(accepted()) == 1
        clock.advance(seconds=1)
        await box.drain()

    run(channel, fan_out)
    assert sorted(accepted()) == ["7001", "7002"] and len(fake.calls_of("sendMessage")) == 3
    with sessions.begin() as s:
        assert [m.status for m in outbox_rows.list_messages(s)] == [OutboxStatus.SENT] * 2


def test_a_fan_out_to_one_chat_keeps_to_one_message_a_second_against_the_enforcing_fake(
        fake, settings, sessions, clock):
    from bot.outbox import Outbox, enqueue

    fake.enforce_limits(per_second=30, per_chat=1.0)
    channel = channel_for(fake, settings)
    box = Outbox(sessions, {"telegram": channel}, clock=clock)
    with sessions.begin() as s:
        for n, chat in enumerate(("7001", "7001", "7002", "7003")):
            enqueue(s, Outbound("telegram", chat, Reply(f"Pengingat {n}"), key=f"r:{n}", kind="reminder"), now=clock())
    run(channel, box.drain)
    sent = [c for c in fake.calls_of("sendMessage") if c.result is not None]
    assert len(sent) == 4 and fake.refused == []
    first, second = [c.at for c in sent if c.params["chat_id"] == "7001"]
    assert second - first >= 1.0


def test_each_chat_gets_the_command_menu_of_its_officer_s_role(fake, settings, runner, sessions):
    """Issue 22 #8: a head's menu lists the heads' commands, a guest's only what a guest may do."""
    from tests.conftest import add_officer

    with sessions.begin() as s:
        add_officer(s, "7001", channel="telegram", role=Role.HEAD, name="Kepala")
        add_officer(s, "7002", channel="telegram", role=Role.GUEST, name="Tamu KPU")
        add_officer(s, "7003", channel="telegram", name="Petugas")
    channel = channel_for(fake, settings, delivering_runner(runner))

    async def chat() -> None:
        for chat_id in (7001, 7002, 7003, 7001):
            await channel.app.process_update(update(channel.app.bot, text="/bantuan", chat={"id": chat_id,
                                                                                         "type": "private"}))

    run(channel, chat)
    menus = {c.params["scope"]["chat_id"]: [m["command"] for m in c.params["commands"]]
             for c in fake.calls_of("setMyCommands")}
    assert len(fake.calls_of("setMyCommands")) == 3  # once per chat
    assert menus[7001][:4] == ["laporan", "ringkasan", "status", "rawan"]
    assert menus[7002] == ["rakor", "kesepakatan", "bahasa", "bantuan"]
    assert {"lapor", "nihil", "jeda"} <= set(menus[7003]) and "laporan" not in menus[7003]
