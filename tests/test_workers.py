"""`siaga run --workers N`: refused where it cannot work; on PostgreSQL, N processes on one port with one
scheduler, no duplicate or lost reply, a SIGKILLed worker restarted and its sends resent by the others; and
two workers racing on one chat."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot import cli
from bot.config import Settings
from bot.runner import Runner, utcnow
from handlers.types import Inbound
from storage import people
from storage.db import make_engine, make_sessions
from storage.models import Conversation, OutboxMessage, OutboxStatus, Role
from tests.conftest import TEST_DATABASE_URL, add_office, add_officer, prepare
from tests.support.fake_twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SENDER,
    FakeTwilio,
    inbound_params,
    post_signed,
    wait_until,
)
from tests.support.running import Child

ROOT = Path(__file__).resolve().parent.parent
postgres_only = pytest.mark.skipif(not TEST_DATABASE_URL, reason="several processes share one database only on PostgreSQL")


# -- refused where N processes cannot work ---------------------------------------------------------

@pytest.fixture
def run_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "SIAGA_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, **env: str) -> tuple[int, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            status = cli.main(list(args))
        except SystemExit as exit_:  # argparse
            status = exit_.code
        err = capsys.readouterr().err
        assert "Traceback" not in err
        return status, err

    return run


def test_workers_on_sqlite_are_refused_in_one_line(run_cli, tmp_path):
    status, err = run_cli("run", "--workers", "2", DATABASE_URL=f"sqlite:///{tmp_path}/s.db",
                          PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID="AC" + "a" * 32,
                          TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM=SENDER)
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("siaga: --workers 2 needs PostgreSQL")


def test_workers_with_telegram_long_polling_are_refused_in_one_line(run_cli, tmp_path):
    status, err = run_cli("run", "--workers", "3", DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
                          TELEGRAM_BOT_TOKEN="123:abc")
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("siaga: --workers 3 needs Telegram in webhook mode: set PUBLIC_BASE_URL")


@postgres_only
def test_workers_on_a_port_in_use_are_refused_in_one_line(run_cli, database_factory):
    url = database_factory()
    assert run_cli("init", DATABASE_URL=url)[0] == 0
    with socket.create_server(("127.0.0.1", 0)) as taken:
        status, err = run_cli("run", "--workers", "2", DATABASE_URL=url, HOST="127.0.0.1",
                              PORT=str(taken.getsockname()[1]), PUBLIC_BASE_URL=PUBLIC_BASE_URL,
                              TWILIO_ACCOUNT_SID="AC" + "a" * 32, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                              TWILIO_WHATSAPP_FROM=SENDER)
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("siaga: cannot listen on 127.0.0.1:") and "set HOST and PORT" in err


@pytest.mark.parametrize("workers", ["0", "lots", "65"])
def test_a_bad_number_of_workers_is_refused(run_cli, workers):
    status, err = run_cli("run", "--workers", workers)
    assert status == 2 and "is not a number of workers; use 1 to 64" in err


# -- the supervisor (in a child process, so that pytest itself is not forked) -------------------------

SUPERVISE = """
import signal, sys, time
from pathlib import Path
from bot import workers

workers.RESTART_DELAY = 0.01
folder, crash = Path(sys.argv[1]), sys.argv[2] == "crash"

def work(index):
    if crash:
        return 3
    # A flag, not threading.Event: Event.set() from a signal handler deadlocks when the signal lands while
    # the main thread holds the Event's lock inside wait() (seen under load: the worker never stopped).
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    (folder / f"up-{index}-{time.monotonic_ns()}").touch()
    while not stopped:
        time.sleep(0.05)
    (folder / f"stopped-{index}").touch()
    return 0

import logging
logging.basicConfig(level="INFO")
sys.exit(workers.Supervisor(3, work).run())
"""


def supervise(folder: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SUPERVISE, str(folder), mode], cwd=ROOT, text=True,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_workers_that_keep_dying_at_start_stop_the_parent_with_status_1(tmp_path):
    parent = supervise(tmp_path, "crash")
    _, err = parent.communicate(timeout=30)
    assert parent.returncode == 1
    assert "died within 10s of starting in a row: stopping" in err
    assert err.count("starting it again") == 4  # CRASH_LOOP - 1 restarts, then it gives up


def test_sigterm_to_the_parent_stops_every_worker_and_exits_0(tmp_path):
    parent = supervise(tmp_path, "serve")
    wait_until(lambda: len(list(tmp_path.glob("up-*"))) == 3, timeout=30)
    pids = children(parent.pid)
    assert len(pids) == 3
    parent.send_signal(signal.SIGTERM)
    _, err = parent.communicate(timeout=30)
    assert parent.returncode == 0, err
    assert sorted(f.name for f in tmp_path.glob("stopped-*")) == ["stopped-1", "stopped-2", "stopped-3"]
    assert len(list(tmp_path.glob("up-*"))) == 3  # none restarted while stopping
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


# -- N workers on one PostgreSQL database -----------------------------------------------------------

class Workers(Child):
    """`siaga run --workers N` (the test tick only) on a free port; the whole log in one file."""

    def __init__(self, env: dict[str, str], cwd: Path, count: int) -> None:
        super().__init__(env, cwd, "workers", module="tests.support.ticks", args=("run", "--workers", str(count)))
        wait_until(lambda: len(self.boot_ids()) == count, timeout=30, interval=0.05)
        self.ready()

    def boot_ids(self) -> dict[str, int]:
        """Boot id -> pid of every worker started so far."""
        return {boot: int(pid) for pid, boot in re.findall(r"pid=(\d+) bot\.app: process boot id (\w+)", self.text())}

    def leaders(self) -> list[str]:
        return re.findall(r"(worker-\d+) pid=\d+ bot\.scheduler: .*runs the scheduled jobs", self.text())


OFFICERS = [f"whatsapp:+62812000{n:05d}" for n in range(16)]


@pytest.fixture
def workers_setup(database_factory, tmp_path):
    url = database_factory()
    engine = prepare(url)
    with make_sessions(engine).begin() as s:
        office = add_office(s)
        for address in OFFICERS:
            invite = people.add_invite(s, office, Role.OFFICER, utcnow(), name="Petugas")
            people.redeem_invite(s, invite.code, "whatsapp", address, utcnow())
    engine.dispose()
    with FakeTwilio() as fake:
        env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
               "TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_API_BASE_URL": fake.url, "SIAGA_LOG_LEVEL": "INFO",
               "PYTHONPATH": str(ROOT)}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        running: list[Workers] = []
        yield env, tmp_path, fake, make_sessions(url), running
        for w in running:
            if w.process.poll() is None:
                w.process.kill()
                w.process.wait(timeout=30)


def say(port: int, address: str, text: str) -> None:
    response = post_signed(f"{PUBLIC_BASE_URL}/whatsapp/inbound", inbound_params(address, text),
                           target=f"http://127.0.0.1:{port}")
    assert response.status_code == 200


def say_all(port: int, addresses: list[str], text: str) -> None:
    with ThreadPoolExecutor(len(addresses)) as pool:
        list(pool.map(lambda a: say(port, a, text), addresses))


def senders(workers: Workers) -> set[str]:
    """The workers that have sent a message."""
    return set(re.findall(r"(worker-\d+) pid=\d+ bot\.outbox: outbox: message \d+ sent", workers.text()))


def all_sent(sessions) -> bool:  # type: ignore[no-untyped-def]
    """Whether every outbox row has been sent (none waiting, none in flight)."""
    with sessions.begin() as s:
        return {r.status for r in s.scalars(select(OutboxMessage))} == {OutboxStatus.SENT}


def children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


@postgres_only
@pytest.mark.subprocess
def test_two_workers_share_the_port_run_one_scheduler_and_answer_every_message_once(workers_setup):
    env, cwd, fake, sessions, running = workers_setup
    running.append(workers := Workers(env, cwd, 2))
    assert len(children(workers.process.pid)) == 2
    say_all(workers.port, OFFICERS, "/lapor")
    wait_until(lambda: fake.count() >= len(OFFICERS), timeout=30)
    # Once every row is sent, nothing is left that could arrive twice.
    wait_until(lambda: all_sent(sessions), timeout=30)
    assert sorted(m["To"] for m in fake.messages) == sorted(OFFICERS)  # each exactly once
    assert all(b.startswith("Jenis kejadian apa?") for b in fake.bodies())
    with sessions.begin() as s:
        rows = list(s.scalars(select(OutboxMessage)))
        assert {r.status for r in rows} == {OutboxStatus.SENT} and sum(r.possible_duplicates for r in rows) == 0
    # Both serve: the kernel hands each connection to whichever worker accepts first. On a loaded machine one
    # worker may win a whole round, so more rounds of chat follow until both have answered (each round sent once).
    for _ in range(20):
        if senders(workers) == {"worker-1", "worker-2"}:
            break
        before = fake.count()
        say_all(workers.port, OFFICERS, "/bantuan")
        wait_until(lambda: fake.count() >= before + len(OFFICERS) and all_sent(sessions), timeout=30)
    assert senders(workers) == {"worker-1", "worker-2"}
    assert len(workers.leaders()) == 1
    workers.process.send_signal(signal.SIGTERM)
    assert workers.process.wait(timeout=60) == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers.boot_ids().values())
    assert "all workers stopped" in workers.text()


@postgres_only
@pytest.mark.subprocess
def test_a_sigkilled_worker_is_restarted_and_only_its_own_sends_are_sent_again(workers_setup):
    env, cwd, fake, sessions, running = workers_setup
    running.append(workers := Workers(env, cwd, 2))
    say_all(workers.port, OFFICERS, "/lapor")
    wait_until(lambda: fake.count() >= len(OFFICERS), timeout=20)

    # Twilio stalls: every reply is in flight, held by the worker whose turn claimed it, until the test lets go.
    fake.holding.set()
    say_all(workers.port, OFFICERS, "1")
    wait_until(lambda: fake.arrived >= 2 * len(OFFICERS), timeout=30)
    with sessions.begin() as s:
        in_flight = {r.address: r.claimed_by for r in s.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING))}
    assert len(in_flight) == len(OFFICERS) and len(set(in_flight.values())) == 2, in_flight
    victim_boot = next(iter(in_flight.values()))
    victim = workers.boot_ids()[victim_boot]
    os.kill(victim, signal.SIGKILL)
    fake.holding.clear()
    # The parent starts a third process (a new boot id); with the survivor alive, only the victim's claims
    # may be sent again (is_dead reads the presence locks, not "any boot id but mine").
    wait_until(lambda: len(workers.boot_ids()) == 3, timeout=30)
    assert "exited with signal SIGKILL" in workers.text()
    victims = {a for a, boot in in_flight.items() if boot == victim_boot}
    wait_until(lambda: all(len(fake.bodies(a)) == 3 for a in victims), timeout=30)
    # The survivor's held sends complete; once every row is sent, nothing is left that could be sent again.
    wait_until(lambda: all_sent(sessions), timeout=30)
    for address in OFFICERS:
        # /lapor's question, then the next question: once, or twice (counted) if its sender was killed mid-send.
        assert len(fake.bodies(address)) == (3 if address in victims else 2), address
    with sessions.begin() as s:
        rows = list(s.scalars(select(OutboxMessage)))
        assert {r.status for r in rows} == {OutboxStatus.SENT}
        assert sum(r.possible_duplicates for r in rows) == len(victims)
    assert len(children(workers.process.pid)) == 2
    workers.process.send_signal(signal.SIGTERM)
    assert workers.process.wait(timeout=60) == 0


# -- two workers, one chat ---------------------------------------------------------------------------

@postgres_only
def test_two_workers_taking_turns_of_one_chat_at_once_serialise_them_through_the_version_check(
        database_factory, tmp_path, caplog):
    """Worker A reads the chat's state, worker B completes a turn of the same chat, then A writes: A's write
    loses the version check, and A runs its turn again on B's state (as if the two had come one after the other)."""
    url = database_factory()
    engine = prepare(url)
    with make_sessions(engine).begin() as s:
        add_officer(s, "6281200000001", channel="whatsapp")
    engine.dispose()
    settings = Settings(database_url=url, language="id", attachments_dir=tmp_path / "att")
    # Two runners on two engines: two processes' connection pools, as far as the database can tell.
    engine_a, engine_b = make_engine(url), make_engine(url)
    a, b = Runner(make_sessions(engine_a), settings), Runner(make_sessions(engine_b), settings)
    chat = ("whatsapp", "6281200000001")
    assert "Jenis kejadian apa?" in a.run_turn(Inbound(*chat, text="/lapor", message_id="m1"))[0].text

    a_read, b_done = threading.Event(), threading.Event()
    reads = []

    @event.listens_for(engine_a, "after_cursor_execute")
    def hold_after_reading_the_chat(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "conversations" in statement and not a_read.is_set():
            reads.append(statement)
            a_read.set()
            assert b_done.wait(30)

    caplog.set_level("INFO", logger="bot.runner")
    with ThreadPoolExecutor(1) as pool:
        a_turn = pool.submit(a.run_turn, Inbound(*chat, text="1", message_id="m2"))  # the category
        assert a_read.wait(30)
        b_replies = b.run_turn(Inbound(*chat, text="/batal", message_id="m3"))  # B cancels meanwhile
        b_done.set()
        a_replies = a_turn.result(timeout=30)

    assert reads and "dibatalkan" in b_replies[0].text.lower()
    assert "conflict, retrying whatsapp attempt=1" in caplog.text  # A lost the version check once
    # A's "1" landed after the cancel: no draft to answer, so it did not move a cancelled report on.
    assert not any("Kecamatan" in r.text for r in a_replies)
    with make_sessions(engine_b).begin() as s:
        conversation = s.scalar(select(Conversation).where(Conversation.address == chat[1]))
        assert conversation is None or conversation.flow is None
    for e in (engine_a, engine_b):
        e.dispose()
