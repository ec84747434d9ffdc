"""Hostile or malformed input at the webhooks (issue 13): strangers' media, odd bodies, long ids, floods."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode

import httpx
import pytest

from bot.web import build_web
from handlers.limits import MAX_REPLY_PARTS
from handlers.types import Inbound
from storage import conversations, outbox
from tests.bot.channels.test_telegram import channel_for, update
from tests.bot.channels.test_whatsapp import (  # noqa: F401  (fixtures)
    INBOUND,
    OFFICER,
    at_photo_step,
    fake,
    post,
    scenario,
    wa_settings,
    whatsapp_officer,
)
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import PUBLIC_BASE_URL, free_port, inbound_params, signed

STRANGER = "whatsapp:+6289999999999"


def spy_turns(runner) -> list[Inbound]:
    seen: list[Inbound] = []
    original = runner.run_turn

    def spy(inbound, on_replies=None, queued=None):
        seen.append(inbound)
        return original(inbound, on_replies, queued)

    runner.run_turn = spy
    return seen


def stored_files(settings) -> list:
    return list(settings.attachments_dir.rglob("*")) if settings.attachments_dir.exists() else []


# -- 6. media from strangers -------------------------------------------------------------------------

def test_a_stranger_with_a_thousand_media_gets_nothing_fetched_or_stored(runner, wa_settings, fake):
    url = fake.add_media(b"\xff\xd8 big" * 100, "image/jpeg")
    params = inbound_params(STRANGER, "", NumMedia="1000",
                            **{f"MediaUrl{n}": url for n in range(10)},
                            **{f"MediaContentType{n}": "image/jpeg" for n in range(10)})

    async def steps(channel, client):
        return await post(client, INBOUND, params)

    assert scenario(runner, wa_settings, steps).status_code == 200
    assert fake.media_requests == [] and stored_files(wa_settings) == []


def test_an_officer_not_at_a_photo_question_gets_nothing_fetched(runner, wa_settings, whatsapp_officer, fake):
    url = fake.add_media(b"\xff\xd8 photo", "image/jpeg")
    params = inbound_params(OFFICER, "", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")

    async def steps(channel, client):
        return await post(client, INBOUND, params)

    assert scenario(runner, wa_settings, steps).status_code == 200
    assert fake.media_requests == [] and stored_files(wa_settings) == []


@pytest.mark.parametrize("where", ["another port", "another host", "plain http"])
def test_media_is_fetched_only_from_twilio_hosts(runner, wa_settings, whatsapp_officer, fake, where):
    good = fake.add_media(b"\xff\xd8 photo", "image/jpeg")
    base = httpx.URL(fake.url)
    bad = {"another port": str(httpx.URL(good).copy_with(port=free_port())),
           "another host": "https://media.example.org/evil.jpg",
           "plain http": "http://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"}[where]
    seen = spy_turns(runner)
    at_photo_step(runner)
    params = inbound_params(OFFICER, "", NumMedia="2", MediaUrl0=bad, MediaContentType0="image/jpeg",
                            MediaUrl1=good, MediaContentType1="image/jpeg")

    async def steps(channel, client):
        return await post(client, INBOUND, params)

    assert scenario(runner, wa_settings, steps).status_code == 200
    (media,) = seen[0].media  # only Twilio's (here: the configured fake's scheme, host and port)
    assert media.ref == good and media.stored_path and base.host in good


def test_a_telegram_strangers_photo_is_not_downloaded(settings, runner):
    with FakeTelegram() as tg:
        channel = channel_for(tg, settings, runner)
        file_id = tg.add_file(b"\xff\xd8 stranger", "photos/file_9.jpg")

        async def work():
            async with channel.app:
                await channel.app.process_update(update(channel.app.bot, photo=[
                    {"file_id": file_id, "file_unique_id": "u9", "width": 9, "height": 9}]))

        asyncio.run(work())
        assert tg.calls_of("getFile") == [] and stored_files(settings) == []


# -- 9. webhook edges --------------------------------------------------------------------------------

def test_an_unsigned_multipart_post_is_refused_in_one_line(runner, wa_settings, caplog):
    async def steps(channel, client):
        unsigned = await client.post("/whatsapp/inbound", files={"Body": ("x.txt", b"halo")})
        signed_multipart = await client.post("/whatsapp/inbound", files={"Body": ("x.txt", b"halo")},
                                             headers={"X-Twilio-Signature": "abc"})
        garbage = await client.post("/whatsapp/inbound", content=b"--x\r\n\r\n",
                                    headers={"X-Twilio-Signature": "abc",
                                             "Content-Type": "multipart/form-data; boundary=x"})
        return unsigned.status_code, signed_multipart.status_code, garbage.status_code

    with caplog.at_level(logging.INFO):
        assert scenario(runner, wa_settings, steps) == (403, 400, 400)
    assert not any(r.exc_info for r in caplog.records) and "Traceback" not in caplog.text
    assert all(r.levelno < logging.ERROR for r in caplog.records)


def test_a_message_sid_over_a_hundred_characters_is_refused(runner, wa_settings, whatsapp_officer):
    params = inbound_params(OFFICER, "/bantuan", sid="SM" + "a" * 200)

    async def steps(channel, client):
        return await post(client, INBOUND, params)

    assert scenario(runner, wa_settings, steps).status_code == 400
    with runner.sessions.begin() as s:
        assert outbox.list_messages(s) == []


@pytest.mark.parametrize("body", [b"null", b"[]", b"1", b'"x"', b"{}", b"not json"])
def test_telegram_bodies_that_are_no_update_get_400(settings, runner, body):
    with FakeTelegram() as tg:
        tg_settings = settings.model_copy(update={"public_base_url": PUBLIC_BASE_URL})
        channel = channel_for(tg, tg_settings, runner)

        async def work():
            await channel.start()
            try:
                transport = httpx.ASGITransport(app=build_web(channel.routes()))
                async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5") as client:
                    return (await client.post("/telegram", content=body,
                                              headers={"X-Telegram-Bot-Api-Secret-Token": channel._secret,
                                                       "Content-Type": "application/json"})).status_code
            finally:
                await channel.stop()

        assert asyncio.run(work()) == 400


# -- 2. one huge inbound, end to end ------------------------------------------------------------------

def test_a_million_character_message_gets_at_most_a_few_short_whatsapp_messages(
        runner, wa_settings, whatsapp_officer, fake):
    with runner.sessions.begin() as s:
        conversations.save_conversation(s, None, "whatsapp", OFFICER, "incident", "kecamatan",
                                        {"answers": {"category": "1"}}, runner.clock())
    params = inbound_params(OFFICER, "Banjarmasin " * 83_334)

    async def steps(channel, client):
        response = await client.post("/whatsapp/inbound", content=urlencode(params),
                                     headers=signed(INBOUND, params))
        await channel.outbox.drain()
        return response.status_code

    assert scenario(runner, wa_settings, steps) == 200
    bodies = fake.bodies(OFFICER)
    assert 1 <= len(bodies) <= MAX_REPLY_PARTS and sum(map(len, bodies)) < 1000
    assert "4096" in bodies[0]

