"""Telegram in webhook mode end to end, 1 → N workers: `python -m bench.telegram --webhook --workers 1,2 --database-url URL`.

This process is Telegram: a fake Bot API over HTTP (aiohttp) that siaga's outbox sends replies to, and
the load: each of --chats officers posts its next update to `siaga run --workers N`'s /telegram webhook
(with the secret header, as Telegram does) as soon as the reply to the previous one has arrived (a
closed loop), for --reports whole incident reports. For each worker count, in the same run and on the
same database: updates/s, update→reply p50/p99, the webhook answers' p99, reports saved, and CPU ms per
update of Siaga's processes and of PostgreSQL (from /proc), then ratio lines against the first count.
Telegram's send caps are lifted (bench/uncapped.py) so the caps are not what is measured.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench.telegram_officers import FIRST_CHAT, REPORT, prepare_db
from bench.workers import CpuMeter, SiagaWorkers, loadavg

TOKEN = "123456:BENCH"
SECRET = "bench-webhook-secret"
BOT = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "BenchBot"}
PUBLIC = "https://siaga.bench.test"
REPLY_TIMEOUT = 60.0


@dataclass
class Run:
    workers: int
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # update posted -> first reply arrived
    webhook: list[float] = field(default_factory=list)  # update posted -> webhook answered 200
    errors: int = 0  # webhook answers other than 200 (retried, as Telegram does)
    saved: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    load: str = ""

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, values: Sequence[float], q: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class FakeBotApi:
    """The Bot API calls `siaga run` makes, over HTTP; sendMessage wakes the chat it answers."""

    def __init__(self) -> None:
        self.replied: dict[int, asyncio.Event] = {}
        self.texts: dict[int, list[str]] = {}
        self.set_webhooks = 0
        self.message_ids = 0

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        result: Any = True
        if method == "getMe":
            result = BOT
        elif method == "setWebhook":
            self.set_webhooks += 1
        elif method == "sendMessage":
            chat = int(params["chat_id"])
            self.message_ids += 1
            self.texts.setdefault(chat, []).append(str(params.get("text", "")))
            if chat in self.replied:
                self.replied[chat].set()
            result = {"message_id": self.message_ids, "date": 0, "chat": {"id": chat, "type": "private"},
                      "text": params.get("text", "")}
        return web.json_response({"ok": True, "result": result})


async def drive(port: int, fake: FakeBotApi, chats: list[int], script: list[str], run: Run,
                first_update: int) -> None:
    import aiohttp

    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    counter = iter(range(first_update, first_update + len(chats) * len(script) * 2))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(chats)),
                                     timeout=aiohttp.ClientTimeout(total=120)) as client:
        async def chat(chat_id: int) -> None:
            event = fake.replied.setdefault(chat_id, asyncio.Event())
            for text in script:
                n = next(counter)
                update = {"update_id": n, "message": {
                    "message_id": n, "date": int(time.time()), "text": text,
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Petugas"}}}
                event.clear()
                posted = time.perf_counter()
                while True:
                    async with client.post(url, json=update, headers=headers) as response:
                        await response.read()
                    if response.status == 200:
                        break
                    run.errors += 1
                    await asyncio.sleep(0.05)
                run.webhook.append(time.perf_counter() - posted)
                await asyncio.wait_for(event.wait(), REPLY_TIMEOUT)
                run.latencies.append(time.perf_counter() - posted)
                run.updates += 1

        started = time.perf_counter()
        await asyncio.gather(*(chat(c) for c in chats))
        run.seconds = time.perf_counter() - started


async def started(siaga: SiagaWorkers, fake: FakeBotApi, port: int, timeout: float = 60) -> None:
    """Wait (serving the fake Bot API meanwhile) until every worker set its webhook and the port answers."""
    import aiohttp

    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as client:
        while True:
            if siaga.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"siaga run --workers {siaga.workers} did not start")
            if fake.set_webhooks >= siaga.workers:
                try:
                    async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
            await asyncio.sleep(0.05)


async def bench(args: Any, counts: list[int], url: str, workdir: Path) -> list[Run]:
    from aiohttp import web

    from bench.whatsapp import free_port

    prepare_db(url, args.chats)
    fake = FakeBotApi()
    api = web.Application()
    api.router.add_post("/bot{token}/{method}", fake.handle)
    api_runner = web.AppRunner(api, access_log=None)
    await api_runner.setup()
    api_port = free_port()
    await web.TCPSite(api_runner, "127.0.0.1", api_port).start()
    env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PUBLIC_BASE_URL": PUBLIC,
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api_port}",
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "SIAGA_LOG_LEVEL": "WARNING",
           "SIAGA_ATTACHMENTS_DIR": str(workdir / "att")}
    for name in ("TWILIO_ACCOUNT_SID", "SIAGA_CLOCK_START"):
        env.pop(name, None)
    watch = create_engine(url)
    chats = [FIRST_CHAT + n for n in range(args.chats)]
    script = REPORT * args.reports
    runs = []
    try:
        for count in counts:
            port = free_port()
            fake.set_webhooks = 0
            siaga = SiagaWorkers({**env, "PORT": str(port)}, workdir, count)
            try:
                siaga.wait_workers()
                await started(siaga, fake, port)
                await asyncio.sleep(1.0)  # the scheduler's first ticks run at start; let them pass
                run = Run(count, load=loadavg())
                before_saved = sum(t.count("tersimpan") for texts in fake.texts.values() for t in texts)
                meter = CpuMeter(siaga.process.pid, watch)
                cpu_before = meter.snapshot()
                await drive(port, fake, chats, script, run, first_update=1 + len(runs) * len(chats) * len(script))
                run.cpu = meter.delta(cpu_before, meter.snapshot())
                run.saved = sum(t.count("tersimpan") for texts in fake.texts.values() for t in texts) - before_saved
                runs.append(run)
                show(run, args.chats * args.reports)
            finally:
                siaga.stop()
    finally:
        watch.dispose()
        await api_runner.cleanup()
    return runs


def show(run: Run, expected_reports: int) -> None:
    per = 1000 / run.updates if run.updates else float("nan")
    cpu = run.cpu
    print(f"workers={run.workers}: {run.updates} updates in {run.seconds:.2f}s = {run.rate:.0f} updates/s, "
          f"update→reply p50 {run.pct(run.latencies, 0.5):.1f} ms p99 {run.pct(run.latencies, 0.99):.1f} ms, "
          f"webhook p99 {run.pct(run.webhook, 0.99):.1f} ms, non-200 {run.errors}, "
          f"reports saved {run.saved}/{expected_reports}; "
          f"cpu ms/update: siaga {cpu['siaga'] * per:.2f} (busiest process {cpu['busiest'] * per:.2f}), "
          f"postgres {cpu['postgres'] * per:.2f}, bench {cpu['bench'] * per:.2f}; "
          f"cpu busy {(cpu['siaga'] + cpu['postgres'] + cpu['bench']) / run.seconds:.2f} of {os.cpu_count()} cores; "
          f"loadavg {run.load}")


def main(args: Any, counts: list[int]) -> int:
    from bench.common import throwaway_database

    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            runs = asyncio.run(bench(args, counts, args.database_url, Path(tmp)))
        else:
            with throwaway_database("postgresql") as url:
                runs = asyncio.run(bench(args, counts, url, Path(tmp)))
    base = runs[0]
    for run in runs[1:]:
        print(f"ratio workers={run.workers}/workers={base.workers}: throughput {run.rate / base.rate:.2f}x, "
              f"p99 {run.pct(run.latencies, 0.99) / base.pct(base.latencies, 0.99):.2f}x, "
              f"siaga cpu/update {run.cpu['siaga'] / run.updates / (base.cpu['siaga'] / base.updates):.2f}x")
    expected = args.chats * args.reports
    best = max(runs, key=lambda r: r.rate)
    ok = all(r.saved == expected for r in runs)
    curve = " ".join(f"{r.workers}w={r.rate:.0f}/s" for r in runs)
    print(f"SUMMARY telegram-webhook workers: {curve}; best {best.rate:.0f} updates/s with {best.workers} "
          f"worker(s) (p99 {best.pct(best.latencies, 0.99):.1f} ms); reports saved "
          f"{'all' if ok else 'NOT all'}; target >= 1000 updates/s {'met' if best.rate >= 1000 else 'missed'}")
    return 0 if ok else 1
