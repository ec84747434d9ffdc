"""`siaga run` child processes for end-to-end tests: Telegram (webhook) and WhatsApp against the local fakes,
optionally on a moved clock (tests/support/clocked.py), and officers joined through the real invite path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx

from storage import people
from storage.db import Session
from storage.models import Role
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SENDER,
    FakeTwilio,
    free_port,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]


def fakes_env(url: str, telegram: FakeTelegram, twilio: FakeTwilio, tmp_path: Path) -> dict[str, str]:
    """The environment of a `siaga` child talking to the fake Telegram and Twilio, without templates."""
    env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "SIAGA_LANGUAGE": "id",
           "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.url,
           "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TWILIO_ACCOUNT_SID": twilio.account_sid,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_API_BASE_URL": twilio.url,
           "SIAGA_LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT),
           "SIAGA_ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    for name in ("TELEGRAM_WEBHOOK_SECRET", "TWILIO_TEMPLATES"):
        env.pop(name, None)
    return env


def join(session: Session, region: str, role: Role, channel: str, address: str, name: str, now: datetime,
         tz: str = "Asia/Makassar", institution: str | None = None) -> int:
    """Create (or reuse) a region's office and join an officer to it on a chat address; return their id."""
    office = people.get_office_by_region(session, region) or people.add_office(
        session, region, f"Kesbangpol {region}", tz, now)
    invite = people.add_invite(session, office, role, now, name=name, institution=institution)
    return people.redeem_invite(session, invite.code, channel, address, now).id


class Child:
    """A `siaga` child process (`python -m MODULE ARGS…`) serving on a free port; its log (stderr) in a file."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str, module: str = "bot.cli",
                 args: tuple[str, ...] = ("run",), extra: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.public = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"{name}.log"
        self.process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                        stderr=self.log.open("w"), env={**env, **self.own_env(), **(extra or {})})

    def own_env(self) -> dict[str, str]:
        return {"PORT": str(self.port)}

    def text(self) -> str:
        return self.log.read_text()

    def healthy(self) -> bool:
        assert self.process.poll() is None, self.text()
        try:
            return httpx.get(f"{self.public}/healthz", timeout=1).text == "ok"
        except httpx.TransportError:
            return False

    def ready(self, timeout: float = 30) -> Child:
        """Wait until the web server answers (WhatsApp webhooks can be posted)."""
        wait_until(self.healthy, timeout=timeout, interval=0.05)
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)


class Run(Child):
    """`siaga run` (optionally on a moved clock) with Telegram and WhatsApp against the fakes."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str, clock: datetime | None = None) -> None:
        super().__init__(env, cwd, name, module="tests.support.clocked" if clock else "bot.cli",
                         extra={"SIAGA_TEST_CLOCK": clock.isoformat()} if clock else None)

    def own_env(self) -> dict[str, str]:
        # Telegram runs in webhook mode on this server (the fake Bot API posts updates to it).
        return {**super().own_env(), "PUBLIC_BASE_URL": self.public}

    def ticked(self, tick: str, timeout: float = 30) -> None:
        """Wait until the scheduler has run `tick` once in this process (it runs every tick at start)."""
        wait_until(lambda: f"scheduler: tick {tick} queued" in self.text(), timeout=timeout)
