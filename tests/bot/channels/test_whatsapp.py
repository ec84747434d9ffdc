"""The WhatsApp adapter against a fake Twilio: raw signed request → `Inbound` / status code, `Reply` → API call."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr

from bot import outbox as bot_outbox
from bot.outbox import Outbox
from bot.effects import Delivery
from bot.channels.whatsapp import BODY_LIMIT, WhatsAppChannel, render, split_body, to_inbound
from bot.web import build_web
from handlers.types import Choice, Inbound, Location, Media, Reply
from storage import conversations, outbox
from storage.models import OutboxStatus
from tests.conftest import add_officer
from tests.support.fake_twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SENDER,
    FakeTwilio,
    inbound_params,
    signed,
)

OFFICER = "whatsapp:+6281234567890"
INBOUND = f"{PUBLIC_BASE_URL}/whatsapp/inbound"
STATUS = f"{PUBLIC_BASE_URL}/whatsapp/status"


@pytest.fixture
def fake():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def wa_settings(settings, fake):
    return settings.model_copy(update={
        "twilio_account_sid": fake.account_sid, "twilio_auth_token": SecretStr(AUTH_TOKEN),
        "twilio_whatsapp_from": SENDER, "twilio_api_base_url": fake.url, "public_base_url": PUBLIC_BASE_URL,
        "twilio_templates": {"alert": "HX" + "a" * 32}, "twilio_media_max_bytes": 1000,
    })


@pytest.fixture
def whatsapp_officer(sessions):
    with sessions.begin() as s:
        return add_officer(s, OFFICER, channel="whatsapp")


Steps = Callable[["Served", httpx.AsyncClient], Awaitable[Any]]


@dataclass
class Served:
    """The channel as `siaga run` wires it: its routes in-process, and the app's outbox (drained by hand)."""

    channel: WhatsAppChannel
    outbox: Outbox


def scenario(runner, settings, steps: Steps) -> Any:
    """Run `steps` with the channel's routes served in-process (the outbox drained by hand)."""
    runner.delivery = Delivery(outbox_channels=frozenset({"whatsapp"}), reach=("whatsapp",))

    async def main() -> Any:
        box: Outbox | None = None

        async def on_status(reports: Any) -> list[bool]:
            assert box is not None
            return await asyncio.to_thread(box.record_deliveries, reports)

        channel = WhatsAppChannel(settings, runner, on_status=on_status)
        box = Outbox(runner.sessions, {"whatsapp": channel}, clock=runner.clock)
        transport = httpx.ASGITransport(app=build_web(channel.routes()))
        # The app is reached at an internal address; Twilio signed the public one (a proxy sits between).
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5:8080") as client:
            try:
                return await steps(Served(channel, box), client)
            finally:
                await channel.stop()
                await channel.close()
    return asyncio.run(main())


async def post(client: httpx.AsyncClient, public_url: str, params: dict[str, str], *,
               headers: dict[str, str] | None = None, sign_params: dict[str, str] | None = None) -> httpx.Response:
    """POST form `params`, signed for `public_url` (over `sign_params` when given: a tampered request)."""
    path = public_url.removeprefix(PUBLIC_BASE_URL)
    auth = signed(public_url, sign_params if sign_params is not None else params)
    return await client.post(path, content=urlencode(params), headers={**auth, **(headers or {})})


# -- raw fields → Inbound -------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "expected"), [
    ({"Body": "/lapor"}, Inbound("whatsapp", OFFICER, text="/lapor", message_id="SM1", display_name="Budi")),
    ({"Body": "Tinggi", "ButtonText": "Tinggi", "ButtonPayload": "tinggi"},
     Inbound("whatsapp", OFFICER, text="Tinggi", choice="tinggi", message_id="SM1", display_name="Budi")),
    ({"Body": "", "Latitude": "-3.3194", "Longitude": "114.5908", "Address": "Jl. A. Yani", "MessageType": "location"},
     Inbound("whatsapp", OFFICER, location=Location(-3.3194, 114.5908), message_id="SM1", display_name="Budi")),
    ({"Body": "", "NumMedia": "2", "MediaUrl0": "https://api.twilio.com/m/0", "MediaContentType0": "image/jpeg",
      "MediaUrl1": "https://api.twilio.com/m/1", "MediaContentType1": "application/pdf"},
     Inbound("whatsapp", OFFICER, media=(Media("photo", "https://api.twilio.com/m/0", "image/jpeg"),
                                          Media("document", "https://api.twilio.com/m/1", "application/pdf")),
             message_id="SM1", display_name="Budi")),
    ({"Body": "halo", "From": "+6281234567890"}, None),  # SMS to the same number: not this channel
    ({"Body": "halo", "MessageSid": "", "SmsMessageSid": ""}, None),
])
def test_twilio_fields_become_an_inbound(extra, expected):
    assert to_inbound(inbound_params(OFFICER, sid="SM1", **extra)) == expected


# -- signatures → status codes ---------------------------------------------------------------------

def _forged(params):
    return {"sign_params": {**params, "Body": "something else"}}


@pytest.mark.parametrize(("case", "make", "status"), [
    ("signed for the public URL", lambda p: {}, 200),
    ("body changed after signing", _forged, 403),
    ("no signature", lambda p: {"headers": {"X-Twilio-Signature": ""}}, 403),
    ("signed with another token", lambda p: {"headers": signed(INBOUND, p, token="wrong")}, 403),
    ("signed for the internal host", lambda p: {"headers": signed("http://10.0.0.5:8080/whatsapp/inbound", p)}, 403),
])
def test_inbound_signature_decides_the_status(runner, wa_settings, whatsapp_officer, case, make, status):
    params = inbound_params(OFFICER, "/bantuan")

    async def steps(channel, client):
        return await post(client, INBOUND, params, **make(params))

    response = scenario(runner, wa_settings, steps)
    assert response.status_code == status, case
    if status == 200:
        assert response.headers["content-type"].startswith("text/xml")
        assert "<Response/>" in response.text
    with runner.sessions.begin() as s:
        queued = outbox.list_messages(s)
    assert len(queued) == (1 if status == 200 else 0)


def test_signature_covers_the_query_string(runner, wa_settings, whatsapp_officer):
    params = inbound_params(OFFICER, "/bantuan")

    async def steps(channel, client):
        good = await client.post("/whatsapp/inbound?v=1", content=urlencode(params),
                                 headers=signed(INBOUND + "?v=1", params))
        bad = await client.post("/whatsapp/inbound?v=2", content=urlencode(params),
                                headers=signed(INBOUND + "?v=1", params))
        return good.status_code, bad.status_code

    assert scenario(runner, wa_settings, steps) == (200, 403)


def test_a_repeated_message_sid_is_handled_once(runner, wa_settings, whatsapp_officer, fake, caplog):
    caplog.set_level(logging.INFO, logger="bot.runner")
    params = inbound_params(OFFICER, "/lapor")

    async def steps(channel, client):
        codes = [(await post(client, INBOUND, params)).status_code for _ in range(3)]
        await channel.outbox.drain()
        return codes

    assert scenario(runner, wa_settings, steps) == [200, 200, 200]
    assert len(fake.bodies()) == 1 and fake.bodies()[0].startswith("Jenis kejadian apa?")
    with runner.sessions.begin() as s:
        assert conversations.get_conversation(s, "whatsapp", OFFICER).step == "category"
    # The reply's outbox key and the busy re-prompt would hide a second turn; count the turns themselves.
    turns = [r.getMessage() for r in caplog.records if r.name == "bot.runner"]
    assert sum(m.startswith("turn channel=whatsapp") for m in turns) == 1
    assert turns.count("duplicate message ignored channel=whatsapp") == 2


def test_an_unknown_sender_is_answered_and_nothing_else(runner, wa_settings, fake):
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params("whatsapp:+6289999999999", "/lapor"))
        await channel.outbox.drain()

    scenario(runner, wa_settings, steps)
    assert fake.bodies()[0].startswith("Nomor/akun ini belum terdaftar di Siaga.")


# -- media ------------------------------------------------------------------------------------------

def at_photo_step(runner, address=OFFICER):
    """Put a chat at the incident report's photo question (media is fetched only there)."""
    with runner.sessions.begin() as s:
        conversations.save_conversation(s, None, "whatsapp", address, "incident", "photo", {"answers": {}},
                                        runner.clock())


def test_a_photo_is_downloaded_with_the_account_credentials_and_stored(runner, wa_settings, whatsapp_officer, fake):
    small = fake.add_media(b"\xff\xd8\xff\xe0 photo", "image/jpeg")
    large = fake.add_media(b"x" * 5000, "image/jpeg")
    seen: list[Inbound] = []
    original = runner.run_turn

    def spy(inbound, *rest):  # noqa: ANN001
        seen.append(inbound)
        return original(inbound, *rest)

    runner.run_turn = spy
    at_photo_step(runner)
    params = inbound_params(OFFICER, "", NumMedia="2", MediaUrl0=small, MediaContentType0="image/jpeg",
                            MediaUrl1=large, MediaContentType1="image/jpeg")

    async def steps(channel, client):
        return await post(client, INBOUND, params)

    assert scenario(runner, wa_settings, steps).status_code == 200
    first, second = seen[0].media
    assert first.stored_path and first.stored_path.endswith(".jpg")
    assert open(first.stored_path, "rb").read().startswith(b"\xff\xd8")
    assert str(wa_settings.attachments_dir) in first.stored_path
    # Over TWILIO_MEDIA_MAX_BYTES: not stored, but the Twilio URL is kept as the evidence's handle.
    assert second == Media("photo", large, "image/jpeg", None)


# -- rendering --------------------------------------------------------------------------------------

def test_choices_are_numbered_and_a_location_request_gets_a_hint():
    reply = Reply("Seberapa serius?", choices=(Choice("rendah", "Rendah"), Choice("tinggi", "Tinggi")))
    assert render(reply) == "Seberapa serius?\n\n1. Rendah\n2. Tinggi"
    assert "📎" in render(Reply("Di mana?", ask_location=True))
    assert "Location" in render(Reply("Where?", ask_location=True, lang="en"))


def test_long_text_is_split_at_line_breaks_under_the_body_limit():
    text = "\n".join(f"{n}. " + " ".join(["kata"] * 60) for n in range(20))
    parts = split_body(text, max_parts=20)
    assert len(parts) > 1 and all(len(p) <= BODY_LIMIT for p in parts)
    assert "\n".join(parts) == text
    assert split_body("x" * (BODY_LIMIT + 5)) == ["x" * BODY_LIMIT, "x" * 5]


# -- sending, delivery status, the 24-hour window ----------------------------------------------------

def test_replies_go_out_with_a_status_callback_and_callbacks_move_status_forward(
        runner, wa_settings, whatsapp_officer, fake):
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params(OFFICER, "/lapor"))
        await channel.outbox.drain()
        sent = fake.messages[0]
        callback = sent["StatusCallback"]
        codes = []
        for status, error in (("delivered", None), ("sent", None), ("read", None)):
            params = {"MessageSid": sent["sid"], "MessageStatus": status, "To": OFFICER, "From": SENDER}
            codes.append((await post(client, callback, params)).status_code)
        forged = {"MessageSid": sent["sid"], "MessageStatus": "failed"}
        codes.append((await post(client, callback, forged, sign_params={**forged, "ErrorCode": "1"})).status_code)
        return callback, codes

    callback, codes = scenario(runner, wa_settings, steps)
    assert fake.messages[0]["From"] == SENDER and fake.messages[0]["To"] == OFFICER
    assert callback.startswith(f"{PUBLIC_BASE_URL}/whatsapp/status?outbox=")
    assert codes == [200, 200, 200, 403]
    with runner.sessions.begin() as s:
        (message,) = outbox.list_messages(s)
        assert (message.status, message.delivery_status) == (OutboxStatus.SENT, "read")
        assert message.provider_message_id == fake.messages[0]["sid"]


def test_callbacks_that_arrive_together_are_each_answered_and_recorded(runner, wa_settings, whatsapp_officer, fake):
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params(OFFICER, "/lapor"))
        await channel.outbox.drain()
        sent = fake.messages[0]
        # Recorded together (one transaction for the reports that arrive while one is recorded), answered each.
        calls = [post(client, sent["StatusCallback"], {"MessageSid": sent["sid"], "MessageStatus": status})
                 for status in ("queued", "sent", "delivered", "read", "sent")]
        calls.append(post(client, STATUS, {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}))
        return [r.status_code for r in await asyncio.gather(*calls)]

    assert scenario(runner, wa_settings, steps) == [200] * 6  # an unknown message's report is answered too
    with runner.sessions.begin() as s:
        (message,) = outbox.list_messages(s)
    assert (message.status, message.delivery_status) == (OutboxStatus.SENT, "read")


def test_a_failed_delivery_is_marked_failed_with_the_error_code(runner, wa_settings, whatsapp_officer, fake):
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params(OFFICER, "/bantuan"))
        await channel.outbox.drain()
        sent = fake.messages[0]
        params = {"MessageSid": sent["sid"], "MessageStatus": "undelivered", "ErrorCode": "63016"}
        # A callback without our id in the URL is matched by the MessageSid.
        return (await post(client, STATUS, params)).status_code

    assert scenario(runner, wa_settings, steps) == 200
    with runner.sessions.begin() as s:
        (failed,) = outbox.list_messages(s, OutboxStatus.FAILED)
    assert failed.delivery_status == "undelivered" and "63016" in failed.error


def _business(runner, settings, fake, clock, *, hours_since_inbound: float, template: str | None):
    """Let the officer write, move the clock, queue an alert and drain; return the outbox row."""
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params(OFFICER, "/bantuan"))
        await channel.outbox.drain()
        clock.advance(hours=hours_since_inbound)
        with runner.sessions.begin() as s:
            bot_outbox.enqueue(s, bot_outbox.Outbound("whatsapp", OFFICER, Reply("Peringatan: unjuk rasa di Banjarmasin Utara"),
                                           key="alert:1", business_initiated=True, template=template,
                                           variables={"1": "Unjuk rasa", "2": "Banjarmasin Utara"}), now=clock())
        await channel.outbox.drain()

    scenario(runner, settings, steps)
    with runner.sessions.begin() as s:
        return outbox.get_message_by_key(s, "alert:1")


def test_inside_the_24_hour_window_an_alert_goes_as_free_text(runner, wa_settings, whatsapp_officer, fake, clock):
    row = _business(runner, wa_settings, fake, clock, hours_since_inbound=23.9, template="alert")
    assert row.status == OutboxStatus.SENT
    assert fake.messages[-1]["Body"] == "Peringatan: unjuk rasa di Banjarmasin Utara"
    assert "ContentSid" not in fake.messages[-1]


def test_outside_the_window_an_alert_goes_as_its_template(runner, wa_settings, whatsapp_officer, fake, clock):
    row = _business(runner, wa_settings, fake, clock, hours_since_inbound=24, template="alert")
    assert row.status == OutboxStatus.SENT
    sent = fake.messages[-1]
    assert sent["ContentSid"] == "HX" + "a" * 32 and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": "Unjuk rasa", "2": "Banjarmasin Utara"}


@pytest.mark.parametrize("template", [None, "digest"])
def test_outside_the_window_without_a_template_an_alert_is_undeliverable(
        runner, wa_settings, whatsapp_officer, fake, clock, template):
    row = _business(runner, wa_settings, fake, clock, hours_since_inbound=30, template=template)
    assert len(fake.messages) == 1  # only the reply to /bantuan
    assert row.status == OutboxStatus.UNDELIVERABLE and "24-hour window" in row.error


# -- provider failures → retries ---------------------------------------------------------------------

@pytest.mark.parametrize(("status", "retry_after", "expected", "wait"), [
    (500, None, OutboxStatus.PENDING, 2.0),
    (503, None, OutboxStatus.PENDING, 2.0),
    (429, 30, OutboxStatus.PENDING, 30.0),
    (400, None, OutboxStatus.FAILED, None),
])
def test_twilio_errors_are_retried_or_failed(runner, wa_settings, whatsapp_officer, fake, clock,
                                             status, retry_after, expected, wait):
    fake.fail_next(status, retry_after=retry_after)

    async def steps(channel, client):
        channel.outbox.pacers.clear()  # a 429 would hold the pacer for real seconds
        await post(client, INBOUND, inbound_params(OFFICER, "/bantuan"))
        await channel.outbox.drain()

    scenario(runner, wa_settings, steps)
    with runner.sessions.begin() as s:
        (row,) = outbox.list_messages(s)
    assert row.status == expected and row.attempts == 1 and f"twilio {status}" in row.error
    if wait is not None:
        assert row.next_attempt_at == clock() + timedelta(seconds=wait)

    async def later(channel, client):
        channel.outbox.pacers.clear()
        clock.advance(seconds=(wait or 0) + 1)
        await channel.outbox.drain()

    scenario(runner, wa_settings, later)
    with runner.sessions.begin() as s:
        (row,) = outbox.list_messages(s)
    assert row.status == (OutboxStatus.SENT if wait else OutboxStatus.FAILED)
    assert len(fake.messages) == (1 if wait else 0)


# -- wiring -------------------------------------------------------------------------------------------

def test_siaga_run_serves_whatsapp_when_twilio_is_configured_and_needs_the_public_url(wa_settings):
    from bot import app

    built = app.build(wa_settings)
    assert [c.name for c in built.channels] == ["whatsapp"] and built.server is not None
    paths = {route.path for route in built.server.config.app.routes}
    assert {"/whatsapp/inbound", "/whatsapp/status", "/healthz"} <= paths
    with pytest.raises(app.ConfigError, match="PUBLIC_BASE_URL"):
        app.build(wa_settings.model_copy(update={"public_base_url": None}))
    with pytest.raises(app.ConfigError, match="TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM"):
        app.build(wa_settings.model_copy(update={"twilio_whatsapp_from": None}))


# -- outgoing media -------------------------------------------------------------------------------------

def test_an_outgoing_file_goes_as_a_signed_expiring_link_that_only_twilio_can_follow(
        runner, wa_settings, whatsapp_officer, fake, tmp_path):
    from bot.channels.whatsapp import MEDIA_PATH, media_path, media_token

    chart = tmp_path / "grafik.png"
    chart.write_bytes(b"\x89PNG chart")

    async def steps(served, client):
        with runner.sessions.begin() as s:
            bot_outbox.enqueue(s, bot_outbox.Outbound("whatsapp", OFFICER, Reply("Grafik minggu ini", media=(
                Media("photo", "grafik.png", "image/png", str(chart)),)), key="digest:1"), now=runner.clock())
        await served.outbox.drain()
        link = fake.messages[-1]["MediaUrl"]
        path = link.removeprefix(PUBLIC_BASE_URL)
        good = await client.get(path)
        forged = await client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
        other = media_token(b"not the key", str(chart), 2_000_000_000)
        return link, good, forged.status_code, (await client.get(f"{MEDIA_PATH}/{other}")).status_code

    link, good, forged, other = scenario(runner, wa_settings, steps)
    assert link.startswith(f"{PUBLIC_BASE_URL}{MEDIA_PATH}/") and str(tmp_path) not in link
    assert fake.messages[-1]["Body"] == "Grafik minggu ini"
    assert (good.status_code, good.content) == (200, b"\x89PNG chart")
    assert (forged, other) == (404, 404)
    token = link.rsplit("/", 1)[1]
    # The link does not carry the server's file path, not even encoded (issue 22).
    assert str(chart).encode() not in base64.urlsafe_b64decode(token)
    assert media_path(b"not the key", token, 0) is None
    expires = 2_000_000_000
    assert media_path(b"k", media_token(b"k", "/x", expires), expires - 1) == "/x"
    assert media_path(b"k", media_token(b"k", "/x", expires), expires + 1) is None  # expired


def test_a_send_that_times_out_is_retried_later_not_lost(runner, wa_settings, whatsapp_officer, fake, clock,
                                                          monkeypatch):
    import bot.channels.whatsapp as whatsapp

    monkeypatch.setattr(whatsapp, "SEND_TIMEOUT", 0.2)  # production waits a minute before calling it lost
    fake.delay = 1.0

    async def steps(served, client):
        await post(client, INBOUND, inbound_params(OFFICER, "/bantuan"))
        await served.outbox.drain()

    scenario(runner, wa_settings, steps)
    with runner.sessions.begin() as s:
        (row,) = outbox.list_messages(s)
    assert (row.status, row.error) == (OutboxStatus.PENDING, "twilio timeout ReadTimeout")
    assert row.next_attempt_at == clock() + timedelta(seconds=2)
