"""A WhatsApp head outside the 24-hour window (issue 22 #3): the alert is held and delivered when they write
again, its template first if one is configured; if nothing could go, the office's other heads are told and the
digest shows it. Against the fake Twilio, the clock moved by hand."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import outbox as bot_outbox
from handlers import digest
from handlers.types import Choice, Reply
from storage import outbox, people
from storage.models import OutboxStatus, Role
from tests.bot.channels.test_whatsapp import INBOUND, fake, post, scenario, wa_settings  # noqa: F401
from tests.conftest import add_officer
from tests.support.fake_twilio import inbound_params

HEAD = "whatsapp:+6281200000001"
COLLEAGUE = "whatsapp:+6281200000002"
NUMBER = "KJD-6371-2026-000001"
ALERT = f"⚠️ PERINGATAN - Tinggi: Unjuk rasa / demonstrasi\n{NUMBER}\nKecamatan: Banjarmasin Utara"


@pytest.fixture
def heads(sessions):
    """Two heads of a kota office on WhatsApp."""
    with sessions.begin() as s:
        wa = add_officer(s, HEAD, channel="whatsapp", role=Role.HEAD, name="Kepala WA")
        other = add_officer(s, COLLEAGUE, channel="whatsapp", role=Role.HEAD, name="Kepala Dua")
        return {"wa": wa.id, "other": other.id}


def alert_outside_the_window(runner, settings, clock, *, reply_after: bool):
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params(HEAD, "/bantuan"))
        await channel.outbox.drain()
        clock.advance(hours=30)
        with runner.sessions.begin() as s:
            head = people.get_identity(s, "whatsapp", HEAD).officer
            bot_outbox.enqueue(s, bot_outbox.Outbound(
                "whatsapp", HEAD, Reply(ALERT, choices=(Choice(f"/laporan {NUMBER}", "Rincian"),)),
                key=f"alert:{NUMBER}:{head.id}:0", business_initiated=True, template="alert", kind="alert", hold=True,
                variables={"1": "Unjuk rasa", "2": "Banjarmasin Utara", "3": "Tinggi"}), now=clock())
        await channel.outbox.drain()
        if reply_after:
            clock.advance(hours=2)
            await post(client, INBOUND, inbound_params(HEAD, "ok", sid="SM2"))
            await channel.outbox.drain()

    scenario(runner, settings, steps)


def test_a_held_template_alert_is_delivered_in_full_when_the_head_replies(runner, wa_settings, heads, fake, clock):
    alert_outside_the_window(runner, wa_settings, clock, reply_after=True)
    template, *after = fake.messages[1:]
    assert json.loads(template["ContentVariables"])["3"] == "Tinggi"
    assert after[0]["Body"].startswith(ALERT)  # the held alert first, then the answer to "ok"
    assert "1. Rincian" in after[0]["Body"]


def test_an_alert_that_cannot_go_is_told_to_the_other_head_and_delivered_when_the_head_writes(
        runner, wa_settings, heads, fake, clock):
    settings = wa_settings.model_copy(update={"twilio_templates": {}})
    alert_outside_the_window(runner, settings, clock, reply_after=False)
    with runner.sessions.begin() as s:
        rows = outbox.list_messages(s, limit=None)
        told = [m for m in rows if m.address == COLLEAGUE]
        (held,) = [m for m in rows if m.kind == "alert"]
        assert held.status == OutboxStatus.UNDELIVERABLE
        assert len(told) == 1 and "TIDAK SAMPAI ke Kepala WA" in told[0].payload["reply"]["text"]
        office = people.get_office_by_region(s, "63.71")
        lines = digest.undelivered_lines(s, office, clock() + timedelta(hours=1), "id")
    assert lines == ["Peringatan yang tidak sampai (1):", f"- {NUMBER} ke Kepala WA (whatsapp)"]
    assert len(fake.messages) == 1  # only the reply to /bantuan

    async def writes(channel, client):
        await post(client, INBOUND, inbound_params(HEAD, "halo", sid="SM3"))
        await channel.outbox.drain()

    scenario(runner, settings, writes)
    assert fake.messages[1]["Body"].startswith(ALERT)
    before = len(fake.messages)

    async def again(channel, client):  # held once: not sent a second time
        clock.advance(hours=1)
        await post(client, INBOUND, inbound_params(HEAD, "halo lagi", sid="SM4"))
        await channel.outbox.drain()

    scenario(runner, settings, again)
    assert not any(m.get("Body", "").startswith(ALERT) for m in fake.messages[before:])


def test_a_numbered_reply_to_the_first_of_two_alerts_acts_on_the_first(runner, wa_settings, heads, fake, clock):
    async def steps(channel, client):
        await post(client, INBOUND, inbound_params(HEAD, "/bantuan"))
        with runner.sessions.begin() as s:
            for number in ("KJD-6371-2026-000001", "KJD-6371-2026-000002"):
                bot_outbox.enqueue(s, bot_outbox.Outbound(
                    "whatsapp", HEAD, Reply(f"PERINGATAN {number}", choices=(Choice(f"/laporan {number}", "Rincian"),)),
                    key=f"alert:{number}:{heads['wa']}:0", business_initiated=True, template="alert",
                    kind="alert"), now=clock())
        await channel.outbox.drain()
        first = next(m for m in fake.messages if "PERINGATAN KJD-6371-2026-000001" in m.get("Body", ""))
        assert "balas pesan ini (geser ke kanan) dengan nomornya" in first["Body"]
        await post(client, INBOUND, inbound_params(HEAD, "1", sid="SM6"))
        await channel.outbox.drain()
        await post(client, INBOUND, inbound_params(HEAD, "1", sid="SM5", OriginalRepliedMessageSid=first["sid"]))
        await channel.outbox.drain()

    scenario(runner, wa_settings, steps)
    # No such reports exist here: the refusal names the report each "1" acted on. A plain "1" answers the
    # latest alert; a "1" sent as a reply to the first alert answers the first, after later messages too.
    latest, first = fake.messages[-2]["Body"], fake.messages[-1]["Body"]
    assert "KJD-6371-2026-000002" in latest and "KJD-6371-2026-000001" in first
