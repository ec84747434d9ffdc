"""Delivery as an operator meets it: `siaga run` processes (WhatsApp against a fake Twilio) with a test tick,
the scheduler lock on PostgreSQL, and SIGKILL at awkward moments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.runner import utcnow
from storage import outbox, people
from storage.db import make_sessions
from storage.models import OutboxStatus, Role
from tests.conftest import TEST_DATABASE_URL, add_office, prepare
from tests.support.fake_twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SENDER,
    FakeTwilio,
    wait_until,
)
from tests.support.running import Child

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "HX" + "b" * 32


class Process(Child):
    """One `siaga run` (with the test tick) on its own port."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        super().__init__(env, cwd, name, module="tests.support.ticks")
        self.ready()

    def leads(self) -> bool:
        return "runs the scheduled jobs" in self.text()

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> int:
        return self.stop(sig)


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


# -- SIGKILL between commit and send, and while a send is in flight ---------------------------------

OFFICER = "whatsapp:+6281234567890"


def outbox_list(env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "outbox", "list"], capture_output=True, text=True,
                            env=env, cwd=cwd, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def dup_column(listing: str) -> list[str]:
    """The "dup" column of `siaga outbox list` (columns are aligned)."""
    header, *lines = listing.rstrip().splitlines()
    start = header.index(" dup ") + 1
    return [line[start:start + 3].strip() for line in lines]


@pytest.fixture
def whatsapp_officer(setup):
    env, cwd, fake, sessions, processes = setup
    with sessions.begin() as s:
        invite = people.add_invite(s, add_office(s), Role.OFFICER, utcnow(), name="Budi")
        people.redeem_invite(s, invite.code, "whatsapp", OFFICER, utcnow())
    return setup


def whatsapp_say(process: Process, text: str) -> None:
    from tests.support.fake_twilio import inbound_params, post_signed

    response = post_signed(f"{PUBLIC_BASE_URL}/whatsapp/inbound", inbound_params(OFFICER, text),
                           target=f"http://127.0.0.1:{process.port}")
    assert response.status_code == 200


def questions(fake: FakeTwilio) -> list[str]:
    return [b for b in fake.bodies(OFFICER) if b.startswith("Jenis kejadian apa?")]


def test_whatsapp_a_reply_in_flight_at_sigkill_is_sent_again_after_the_restart(whatsapp_officer):
    env, cwd, fake, sessions, processes = whatsapp_officer
    processes.append(first := Process(env, cwd, "first"))
    fake.delay = 3.0  # Twilio is slow: the send is in flight when the process dies
    whatsapp_say(first, "/lapor")
    wait_until(lambda: fake.arrived >= 1 + 2, timeout=10)  # the two heads' notices, then the reply
    assert first.kill() == -signal.SIGKILL
    fake.delay = 0.0
    processes.append(Process(env, cwd, "second"))
    restarted = time.monotonic()
    wait_until(lambda: len(questions(fake)) >= 2, timeout=15)
    assert time.monotonic() - restarted < 10
    # At least once: Twilio accepted the first send after all, so the officer got the question twice,
    # and the outbox counts the possible duplicate.
    assert len(questions(fake)) == 2
    assert "1" in dup_column(outbox_list(env, cwd))


def test_whatsapp_a_reply_committed_but_not_yet_sent_at_sigkill_arrives_after_the_restart(whatsapp_officer):
    env, cwd, fake, sessions, processes = whatsapp_officer
    processes.append(first := Process(env, cwd, "first"))
    wait_until(lambda: fake.count() >= 2, timeout=15)  # the heads' notices are out
    fake.fail_next(503, times=1)  # the reply's first send fails; it waits 2 s for its retry
    whatsapp_say(first, "/lapor")
    wait_until(lambda: fake.arrived >= 3, timeout=10)
    assert first.kill() == -signal.SIGKILL
    assert questions(fake) == []
    processes.append(Process(env, cwd, "second"))
    restarted = time.monotonic()
    wait_until(lambda: questions(fake), timeout=15)
    assert time.monotonic() - restarted < 10
    time.sleep(1)
    assert len(questions(fake)) == 1  # nothing was in flight: exactly once


@pytest.fixture
def telegram(setup, tmp_path):
    from tests.support.fake_telegram import FakeTelegram

    env, cwd, fake_twilio, sessions, processes = setup
    with FakeTelegram() as tg:
        env = {**env, "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.url}
        for name in ("TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL"):
            env.pop(name)
        with sessions.begin() as s:
            invite = people.add_invite(s, add_office(s), Role.OFFICER, utcnow(), name="Budi")
            people.redeem_invite(s, invite.code, "telegram", "7001", utcnow())
        yield env, cwd, tg, processes


class Polling(Process):
    """`siaga run` with Telegram by long polling (no web server): ready once it polls."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str, fake) -> None:  # type: ignore[no-untyped-def]
        self.log = cwd / f"{name}.log"
        polls = len(fake.calls_of("getUpdates"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.ticks", "run"], cwd=cwd, stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"), env=env)
        wait_until(lambda: len(fake.calls_of("getUpdates")) > polls or self.process.poll() is not None, timeout=30)
        assert self.process.poll() is None, self.text()


def test_telegram_a_reply_in_flight_at_sigkill_is_sent_again_after_the_restart(telegram):
    from tests.support.fake_telegram import TelegramUser

    env, cwd, fake, processes = telegram
    processes.append(first := Polling(env, cwd, "first", fake))
    budi = TelegramUser(fake)
    fake.delays["sendMessage"] = 3.0
    budi.send("/lapor")
    wait_until(lambda: budi.received(), timeout=10)  # the question is on its way
    assert first.kill() == -signal.SIGKILL
    del fake.delays["sendMessage"]
    processes.append(Polling(env, cwd, "second", fake))
    restarted = time.monotonic()
    wait_until(lambda: [c for c in budi.received() if c.result is not None], timeout=15)
    assert time.monotonic() - restarted < 10

    def answered() -> list[str]:
        return [c.params["text"] for c in budi.received() if c.result is not None]

    # The Bot API took the first send after all (its 3 s delay may end after the resend): at least once
    # means the question came twice (the redelivered /lapor itself was not run again), and the outbox
    # counts the possible duplicate. Then quiet: no third copy.
    wait_until(lambda: len(answered()) >= 2, timeout=10)
    time.sleep(1)
    assert answered() == ["Jenis kejadian apa?"] * 2
    assert dup_column(outbox_list(env, cwd)).count("1") == 1


def test_telegram_a_reply_committed_but_not_yet_sent_at_sigkill_arrives_after_the_restart(telegram):
    from tests.support.fake_telegram import TelegramUser

    env, cwd, fake, processes = telegram
    processes.append(first := Polling(env, cwd, "first", fake))
    budi = TelegramUser(fake)
    fake.fail_next("sendMessage", 502, times=4)  # more than the quick retries: it waits for the outbox's
    budi.send("/lapor")
    wait_until(lambda: len(budi.received()) >= 4, timeout=15)
    assert first.kill() == -signal.SIGKILL
    processes.append(Polling(env, cwd, "second", fake))
    restarted = time.monotonic()
    budi.seen = 0
    budi._expect("Jenis kejadian apa?", timeout=10)
    assert time.monotonic() - restarted < 10
    assert [c.params["text"] for c in budi.received() if c.result is not None] == ["Jenis kejadian apa?"]
