"""Fan-out at the platform limit: thousands of queued messages sent by `siaga run` to fakes that enforce the limits.

In one run, per channel: a fake Telegram Bot API enforcing Telegram's flood limits (30 messages a second
overall, one a second per chat, 429 with `retry_after` beyond) and a fake Twilio enforcing a sender's
messages per second (429, error 20429 beyond) run in this process. Three phases each:

1. baseline: a bare httpx client paces sends to distinct chats at exactly the limit (what the fake lets
   through at best on this machine);
2. siaga: --messages reminders per channel (to many chats, a share of them to chats that get several,
   shuffled) are queued in a fresh database through `bot.outbox.enqueue`, then one `siaga run` sends them;
3. the same with `siaga run` SIGKILLed once half of them went out, and started again.

Every message carries a number in its text, so the fakes' records show duplicates (a number accepted
twice) and losses (a number never accepted). A duplicate is allowed only where siaga counted one (its
outbox `dup` column): a send the kill interrupted. Rates are taken from the fakes' accept times; with
the kill, the downtime (last accept before the kill to first after the restart) is left out.

    python -m bench.fanout --messages 10000 --channel both --database sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.common import throwaway_database
from bot.app import initialise
from bot.outbox import Outbound, enqueue
from handlers.types import Reply
from storage.db import make_sessions
from storage.models import OutboxMessage, OutboxStatus
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import AUTH_TOKEN, PUBLIC_BASE_URL, SENDER, FakeTwilio

TARGET = 0.95
TELEGRAM_RATE = 30.0  # messages a second overall; one a second per chat
TAG = re.compile(r"\[fanout (\d+)\]")


@dataclass
class Channel:
    name: str
    limit: float
    fake: FakeTelegram | FakeTwilio
    _read: int = 0
    _accepted: list[tuple[int, float]] = field(default_factory=list)

    def address(self, chat: int) -> str:
        return str(100_000 + chat) if self.name == "telegram" else f"whatsapp:+628{chat:010d}"

    def accepted(self) -> list[tuple[int, float]]:
        """(message number, when accepted) of every send the fake took, in order.

        Read on from where the last call stopped (the fakes' records only grow): the bench polls this
        while the fakes serve, in the same process, and must not take their CPU.
        """
        with self.fake._lock:
            if isinstance(self.fake, FakeTelegram):
                refused = {id(c) for c in self.fake.refused}
                new = []
                for call in self.fake.calls[self._read:]:
                    if call.method == "sendMessage" and call.result is None and id(call) not in refused:
                        break  # still being answered: read it next time
                    self._read += 1
                    if call.method == "sendMessage" and call.result is not None:
                        new.append((call.params.get("text", ""), call.at))
            else:
                new = [(m.get("Body", ""), at) for m, at in zip(self.fake.messages[self._read:],
                                                                self.fake.accepted_at[self._read:], strict=True)]
                self._read = len(self.fake.messages)
        self._accepted += [(int(m.group(1)), at) for text, at in new if (m := TAG.search(text))]
        return self._accepted

    def refused(self) -> int:
        return len(self.fake.refused) if isinstance(self.fake, FakeTelegram) else self.fake.refused

    def env(self) -> dict[str, str]:
        if isinstance(self.fake, FakeTelegram):
            return {"TELEGRAM_BOT_TOKEN": self.fake.token, "TELEGRAM_API_BASE_URL": self.fake.url}
        return {"TWILIO_ACCOUNT_SID": self.fake.account_sid, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_API_BASE_URL": self.fake.url,
                "TWILIO_MPS": f"{self.limit:g}", "PUBLIC_BASE_URL": PUBLIC_BASE_URL}


def start_fake(name: str, limit: float, enforce: bool) -> Channel:
    if name == "telegram":
        telegram = FakeTelegram().start()
        if enforce:
            telegram.enforce_limits(per_second=limit, per_chat=1.0)
        return Channel(name, limit, telegram)
    twilio = FakeTwilio().__enter__()
    if enforce:
        twilio.enforce_mps(limit)
    return Channel(name, limit, twilio)


def stop_fake(channel: Channel) -> None:
    if isinstance(channel.fake, FakeTelegram):
        channel.fake.stop()
    else:
        channel.fake.__exit__(None, None, None)


@dataclass
class Outcome:
    """What one channel's fake saw in one phase."""

    channel: str
    limit: float
    sent: int  # messages meant to go out
    accepted: list[tuple[int, float]]
    refused: int
    downtime: float = 0.0
    counted_dups: int = 0  # siaga's own count (the outbox's possible_duplicates)
    uncounted: int = 0  # numbers accepted twice whose row siaga did not count
    left_open: int = 0  # outbox rows still pending or sending at the end
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return len(self.accepted) - len({n for n, _ in self.accepted})

    @property
    def losses(self) -> int:
        return self.sent - len({n for n, _ in self.accepted})

    @property
    def elapsed(self) -> float:
        times = [at for _, at in self.accepted]
        return max(times) - min(times) - self.downtime if len(times) > 1 else 0.0

    @property
    def rate(self) -> float:
        # Messages after the first over the time from the first to the last: a steady rate, burst included.
        return (len(self.accepted) - 1) / self.elapsed if self.elapsed > 0 else float("nan")

    @property
    def share(self) -> float:
        return self.rate / self.limit

    def line(self, label: str) -> str:
        text = (f"{label:<14} {self.channel:<9} {len(self.accepted):>6} accepted in {self.elapsed:>7.1f}s = "
                f"{self.rate:>7.2f}/s = {self.share:.3f} of {self.limit:g}/s; 429s {self.refused}; "
                f"duplicates {self.duplicates}; losses {self.losses}")
        if label.endswith("SIGKILL"):
            text += (f"; downtime {self.downtime:.1f}s; siaga counted dup {self.counted_dups}; "
                     f"duplicates siaga did not count {self.uncounted}")
        if self.left_open:
            text += f"; outbox rows still open {self.left_open}"
        return text


# -- phase 1: a bare client pacing at the limit -----------------------------------------------------

async def _paced(channel: Channel, count: int) -> None:
    """Send `count` messages to distinct chats, one every 1/limit seconds, without waiting for answers."""
    fake = channel.fake
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
        async def one(n: int) -> None:
            if isinstance(fake, FakeTelegram):
                await client.post(f"{fake.url}/bot{fake.token}/sendMessage",
                                  json={"chat_id": 900_000 + n, "text": f"baseline [fanout {n}]"})
            else:
                await client.post(f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json",
                                  data={"From": SENDER, "To": f"whatsapp:+629{n:010d}", "Body": f"baseline [fanout {n}]"},
                                  auth=(fake.account_sid, fake.auth_token))

        started = time.monotonic()
        tasks = []
        for n in range(count):
            delay = started + n / channel.limit - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)


def baseline(name: str, limit: float, count: int) -> Outcome:
    channel = start_fake(name, limit, enforce=True)
    try:
        asyncio.run(_paced(channel, count))
        return Outcome(name, limit, count, channel.accepted(), channel.refused())
    finally:
        stop_fake(channel)


# -- phases 2 and 3: siaga run -----------------------------------------------------------------------

def plan(count: int, multi_share: float, per_multi: int, seed: int = 12) -> list[int]:
    """The chat of each message: most chats get one, a `multi_share` of the messages go `per_multi` to a chat."""
    multi_chats = int(count * multi_share) // per_multi
    singles = count - multi_chats * per_multi
    chats = list(range(singles)) + [singles + c for c in range(multi_chats) for _ in range(per_multi)]
    random.Random(seed).shuffle(chats)
    return chats


def queue_messages(url: str, channels: list[Channel], chats: list[int]) -> None:
    """Queue every channel's reminders through the real outbox path, in batches of 1,000 per transaction."""
    sessions = make_sessions(url)
    now = datetime.now(UTC)
    for channel in channels:
        for start in range(0, len(chats), 1000):
            with sessions.begin() as session:
                for n in range(start, min(len(chats), start + 1000)):
                    reply = Reply(f"Pengingat rakor Kesbangpol besok pukul 09.00 WITA. Mohon hadir. [fanout {n}]")
                    enqueue(session, Outbound(channel.name, channel.address(chats[n]), reply,
                                              key=f"fanout:{channel.name}:{n}", kind="reminder"), now=now)
    sessions.kw["bind"].dispose()


def outbox_counts(url: str, channel: str) -> tuple[int, dict[int, int]]:
    """(rows still pending or sending, possible duplicates siaga counted per message number)."""
    sessions = make_sessions(url)
    with sessions() as session:
        open_rows = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == channel,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))) or 0
        dups = {int(key.rsplit(":", 1)[1]): d for key, d in session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.possible_duplicates)
            .where(OutboxMessage.channel == channel, OutboxMessage.possible_duplicates > 0))}
    sessions.kw["bind"].dispose()
    return open_rows, dups


class Siaga:
    """One `siaga run` process, its log in the work directory."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str) -> None:
        self.log = workdir / f"{name}.log"
        self.process = subprocess.Popen([str(Path(sys.executable).parent / "siaga"), "run"], env=env, cwd=workdir,
                                        stdout=subprocess.DEVNULL, stderr=self.log.open("w"))

    def check(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(f"siaga run exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)


def siaga_phase(kind: str, names: list[str], limits: dict[str, float], chats: list[int], kill: bool,
                workdir: Path) -> list[Outcome]:
    channels = [start_fake(name, limits[name], enforce=True) for name in names]
    try:
        with throwaway_database(kind) as url:
            initialise(url).engine.dispose()
            queue_messages(url, channels, chats)
            env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PORT": str(_free_port()),
                   "SIAGA_LOG_LEVEL": "WARNING", "SIAGA_ATTACHMENTS_DIR": str(workdir / "attachments")}
            for name in ("TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "SIAGA_CLOCK_START",
                         "TWILIO_TEMPLATES"):
                env.pop(name, None)
            for channel in channels:
                env.update(channel.env())
            total = len(chats) * len(channels)
            expected = max(len(chats) / limits[n] for n in names)
            deadline = time.monotonic() + 3 * expected + 60

            def delivered() -> int:
                return sum(len({n for n, _ in c.accepted()}) for c in channels)

            siaga = Siaga(env, workdir, "first")
            killed_at: float | None = None
            try:
                if kill:
                    while delivered() < total // 2 and time.monotonic() < deadline:
                        siaga.check()
                        time.sleep(0.05)
                    siaga.stop(signal.SIGKILL)
                    killed_at = time.monotonic()
                    siaga = Siaga(env, workdir, "restarted")
                while time.monotonic() < deadline:
                    siaga.check()
                    if delivered() >= total and all(outbox_counts(url, c.name)[0] == 0 for c in channels):
                        break
                    time.sleep(0.2)
                time.sleep(0.5)  # a late duplicate would land now
            finally:
                siaga.stop()
            outcomes = []
            for channel in channels:
                accepted = channel.accepted()
                open_rows, counted = outbox_counts(url, channel.name)
                seen = Counter(n for n, _ in accepted)
                outcome = Outcome(channel.name, channel.limit, len(chats), accepted, channel.refused(),
                                  counted_dups=sum(counted.values()), left_open=open_rows,
                                  uncounted=sum(k - 1 - min(k - 1, counted.get(n, 0)) for n, k in seen.items() if k > 1))
                if killed_at is not None:
                    before = [at for _, at in accepted if at <= killed_at]
                    after = [at for _, at in accepted if at > killed_at]
                    if before and after:
                        outcome.downtime = min(after) - max(before)
                outcomes.append(outcome)
            return outcomes
    finally:
        for channel in channels:
            stop_fake(channel)


def _free_port() -> int:
    from tests.support.fake_twilio import free_port

    return free_port()


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages per channel")
    parser.add_argument("--channel", choices=("telegram", "whatsapp", "both"), default="both",
                        help="both: one siaga run sends both channels' messages at once")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--mps", type=float, default=80.0, help="the Twilio sender's messages per second")
    parser.add_argument("--multi-share", type=float, default=0.1,
                        help="share of the messages that go several to one chat")
    parser.add_argument("--per-chat", type=int, default=5, help="messages to each of those chats")
    parser.add_argument("--baseline-seconds", type=float, default=20.0,
                        help="how long the bare client paces at the limit (at most --messages)")
    args = parser.parse_args(argv)
    names = ["telegram", "whatsapp"] if args.channel == "both" else [args.channel]
    limits = {"telegram": TELEGRAM_RATE, "whatsapp": args.mps}
    chats = plan(args.messages, args.multi_share, args.per_chat)
    print(f"# Fan-out bench: {', '.join(names)} on {args.database}; {args.messages} messages per channel to "
          f"{len(set(chats))} chats ({args.multi_share:.0%} of them {args.per_chat} to a chat); limits: Telegram "
          f"{TELEGRAM_RATE:g}/s overall and 1/s per chat, Twilio sender {args.mps:g}/s; cores={os.cpu_count()}; "
          f"load average {loadavg()}")
    workdir = Path(tempfile.mkdtemp(prefix="siaga-bench-fanout-"))
    base = {n: baseline(n, limits[n], max(2, min(args.messages, int(limits[n] * args.baseline_seconds))))
            for n in names}
    for outcome in base.values():
        print(outcome.line("baseline"))
    plain = siaga_phase(args.database, names, limits, chats, False, workdir)
    for outcome in plain:
        print(outcome.line("siaga"))
    killed = siaga_phase(args.database, names, limits, chats, True, workdir)
    for outcome in killed:
        print(outcome.line("siaga SIGKILL"))
    for p, k in zip(plain, killed, strict=True):
        b = base[p.channel]
        print(f"ratio {p.channel}: siaga / bare client {p.rate / b.rate:.3f}; with SIGKILL {k.rate / b.rate:.3f}; "
              f"bare client {b.share:.3f} of the limit")
    runs = plain + killed
    missed = [f"{o.channel}{' (SIGKILL)' if o in killed else ''}" for o in runs
              if not (o.share >= TARGET and o.losses == 0 and o.uncounted == 0 and o.left_open == 0
                      and (o.duplicates == 0 or o in killed) and o.refused == 0)]
    verdict = "met" if not missed else f"MISSED by {', '.join(missed)}"
    parts = [f"{p.channel} {p.share:.3f} of {p.limit:g}/s ({k.share:.3f} across SIGKILL)" for p, k in zip(plain, killed,
                                                                                                          strict=True)]
    print(f"SUMMARY fanout {args.database}: {'; '.join(parts)}; delivered {sum(len({n for n, _ in o.accepted}) for o in runs)}"
          f"/{sum(o.sent for o in runs)}; losses {sum(o.losses for o in runs)}; duplicates {sum(o.duplicates for o in runs)} "
          f"(siaga counted {sum(o.counted_dups for o in runs)}, uncounted {sum(o.uncounted for o in runs)}); "
          f"429s {sum(o.refused for o in runs)}; load average {loadavg()}; target >= {TARGET} of the limit, "
          f"0 losses, 0 uncounted duplicates, 0 429s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
