"""Delivery as an operator meets it: `siaga run` processes (WhatsApp against a fake Twilio) with a test tick,
the scheduler lock on PostgreSQL, and SIGKILL at awkward moments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.runner import utcnow
from storage import outbox, people
from storage.db import make_sessions
from storage.models import OutboxStatus, Role
from tests.conftest import TEST_DATABASE_URL, add_office, prepare
from tests.support.fake_twilio import AUTH_TOKEN, PUBLIC_BASE_URL, SENDER, FakeTwilio, free_port, wait_until

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "HX" + "b" * 32


class Process:
    """One `siaga run` (with the test tick) on its own port; its log in a file."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.port = free_port()
        self.log = cwd / f"{name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.ticks", "run"], cwd=cwd, stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"), env={**env, "PORT": str(self.port)})
        wait_until(self.healthy, timeout=30, interval=0.05)

    def healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).text == "ok"
        except httpx.TransportError:
            return False

    def text(self) -> str:
        return self.log.read_text()

    def leads(self) -> bool:
        return "runs the scheduled jobs" in self.text()

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)


@pytest.fixture
def setup(database_factory, tmp_path):
    """A database with two heads up the tree (city and province) on WhatsApp, and a fake Twilio."""
    url = database_factory()
    engine = prepare(url)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        for region, number in (("63.71", "whatsapp:+62811000001"), ("63", "whatsapp:+62811000002")):
            invite = people.add_invite(s, add_office(s, region), Role.HEAD, utcnow(), name="Kepala")
            people.redeem_invite(s, invite.code, "whatsapp", number, utcnow())
    engine.dispose()
    with FakeTwilio() as fake:
        env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
               "TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_API_BASE_URL": fake.url,
               "TWILIO_TEMPLATES": f'{{"notice": "{TEMPLATE}"}}', "SIAGA_LOG_LEVEL": "INFO",
               "PYTHONPATH": str(ROOT)}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        processes: list[Process] = []
        yield env, tmp_path, fake, make_sessions(url), processes
        for p in processes:
            if p.process.poll() is None:
                p.kill(signal.SIGTERM)


def test_siaga_run_runs_the_ticks_and_the_heads_up_the_tree_get_the_notice_once(setup):
    env, cwd, fake, sessions, processes = setup
    processes.append(first := Process(env, cwd, "first"))
    wait_until(lambda: len(fake.messages) >= 2, timeout=15)
    time.sleep(1.5)  # the tick runs every second: later runs add nothing
    assert sorted(m["To"] for m in fake.messages) == ["whatsapp:+62811000001", "whatsapp:+62811000002"]
    assert first.kill(signal.SIGTERM) == 0
    processes.append(Process(env, cwd, "second"))  # a restart neither loses nor repeats
    time.sleep(2)
    assert len(fake.messages) == 2
    with sessions.begin() as s:
        assert {m.status for m in outbox.list_messages(s)} == {OutboxStatus.SENT}


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="several processes share one database only on PostgreSQL")
def test_two_processes_run_one_scheduler_and_the_second_takes_over_within_seconds_of_a_sigkill(setup):
    env, cwd, fake, sessions, processes = setup
    processes.append(first := Process(env, cwd, "first"))
    wait_until(first.leads, timeout=15)
    processes.append(second := Process(env, cwd, "second"))
    time.sleep(2.5)
    assert not second.leads()
    assert first.kill() == -signal.SIGKILL
    killed = time.monotonic()
    wait_until(second.leads, timeout=15, interval=0.05)
    assert time.monotonic() - killed < 10
    time.sleep(1.5)
    assert len(fake.messages) == 2  # one scheduler at a time, and the keys hold across processes
