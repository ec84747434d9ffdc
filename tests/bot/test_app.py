"""`build()`: with Telegram and WhatsApp both configured, one outbox sends for both, and the scheduler is wired."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

import handlers
from bot import app
from handlers.types import Tick


def test_one_outbox_serves_every_configured_channel_and_the_runner_queues_through_it(settings, monkeypatch,
                                                                                    tmp_path):
    tick = Tick("test", timedelta(minutes=1), lambda session, now: [])
    monkeypatch.setattr(handlers, "SCHEDULED", (*handlers.SCHEDULED, tick))
    both = settings.model_copy(update={
        "telegram_bot_token": SecretStr("123:ABC"), "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": SecretStr("token"), "twilio_whatsapp_from": "whatsapp:+14155238886",
        "public_base_url": "https://siaga.example.test", "database_url": f"sqlite:///{tmp_path / 'siaga.db'}"})
    built = app.build(both)
    assert [c.name for c in built.channels] == ["telegram", "whatsapp"]
    assert built.outbox is not None and set(built.outbox.channels) == {"telegram", "whatsapp"}
    assert built.runner.delivery.outbox_channels == {"telegram", "whatsapp"}
    assert built.runner.delivery.boot_id == built.outbox.boot_id
    assert built.runner.wake == built.outbox.wake and built.runner.send_now == built.outbox.send_now
    assert built.scheduler is not None and tick in built.scheduler.ticks
    assert built.presence is None  # SQLite: one process, no advisory locks
    assert not any(hasattr(c, "outbox") for c in built.channels)  # channels only translate
    built.runner.close()
