"""WhatsApp end to end: signed Twilio webhooks at rising concurrency against `siaga run`, replies delivered, a baseline.

In one run: a fake Twilio API (child process) takes the replies and posts signed status callbacks
(queued, sent, delivered) back for each; `siaga run` (child process, uvicorn, the real ASGI app, the real
database) serves `/whatsapp/inbound` and `/whatsapp/status`; and the same uvicorn setup answering an empty
200 on the inbound path is the baseline. The load generator (this process, aiohttp) posts pre-signed
webhooks: at concurrency C, C officers each file incident reports message after message for --seconds;
then it waits (up to --drain-seconds) until every reply of the level is delivered.
Per level it prints webhook requests/s (200s only, over the measured time), p50 and p99 of the 200s,
the replies delivered and delivered/s (from the level's start until its last reply was delivered), the
backlog left, the ratios to the baseline, the steady pace of sends and of delivery reports (between the
level's 10th and 90th percentile reply; the sends' against TWILIO_MPS, --mps, 80 as a production sender), and the load
average. Then it posts --callbacks signed `delivered` status callbacks alone (for replies it adds as sent)
and prints siaga's CPU per callback beside the empty-200 server's for the same requests;
at the end the outbox's backlog and a summary line.

    python -m bench.whatsapp --database sqlite --concurrency 1,8,32,64 --seconds 3
    python -m bench.whatsapp --database postgresql --workers 1,2 --concurrency 8,32   (scale-out)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.workers import CpuMeter, SiagaWorkers, loadavg, parse_workers, proc_cpu

TARGET_RPS = 1000
TARGET_P99_MS = 50.0
PUBLIC = "https://siaga.bench.test"
TOKEN = "bench-auth-token-0123456789abcdef"
REPORT = [
    "/lapor", "1", "Banjarmasin Utara", "Kel. Sungai Jingah", "kemarin 14:00",
    "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", "Aliansi Mahasiswa", "200", "tinggi",
    "Koordinasi dengan Polresta", "lewati", "lewati", "kirim",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen | multiprocessing.Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = process.poll() is None if isinstance(process, subprocess.Popen) else process.is_alive()
        if not alive:
            raise SystemExit(f"server at {url} died while starting")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"server at {url} did not start")


# -- the servers -------------------------------------------------------------------------------------

def serve_fake_twilio(port: int, account_sid: str, app_url: str) -> None:
    """Child process: a fake Twilio REST API that accepts every message and reports each one delivered."""
    import socket

    import aiohttp
    import uvicorn
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from tests.support.fake_twilio import FakeTwilio, signed

    class BenchTwilio(FakeTwilio):
        """The tests' fake, posting its status callbacks through aiohttp: through httpx (3 ms of CPU a post)
        the fake was the bench's bottleneck once siaga sent quickly."""

        session: aiohttp.ClientSession | None = None

        async def _post_statuses(self, message: dict[str, str]) -> None:
            public = message["StatusCallback"]
            url = app_url.rstrip("/") + "/" + public.split("://", 1)[-1].partition("/")[2]
            if self.session is None:
                self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
            try:
                for status in self.post_statuses:
                    params = self._status_params(message, status)
                    try:
                        async with self.session.post(url, data=urlencode(params).encode(),
                                                     headers=signed(public, params, self.auth_token)) as response:
                            await response.read()
                            code = response.status
                    except (aiohttp.ClientError, TimeoutError):
                        code = 0
                    with self._lock:
                        self.callbacks.append((message["sid"], status, code))
            finally:
                with self._lock:
                    self._pending_callbacks.discard(asyncio.current_task())  # type: ignore[arg-type]

    fake = BenchTwilio(account_sid=account_sid, auth_token=TOKEN, webhook_target=app_url,
                       post_statuses=("queued", "sent", "delivered"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    fake.url = f"http://127.0.0.1:{port}"
    app = fake.app()
    app.router.routes.append(Route("/healthz", lambda r: PlainTextResponse("ok")))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    server.run(sockets=[sock])


def serve_baseline(port: int) -> None:
    """Child process: the same uvicorn setup as `siaga run`, answering an empty 200 on the webhook path."""
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from bot.web import build_web, make_server

    async def empty(request: Request) -> Response:
        return Response()

    server = make_server(build_web([Route("/whatsapp/inbound", empty, methods=["POST"]),
                                    Route("/whatsapp/status", empty, methods=["POST"])]), "127.0.0.1", port)
    asyncio.run(server.serve())


def prepare_database(url: str, officers: int, account_sid: str) -> list[str]:
    """Migrate, seed, and register `officers` WhatsApp officers; return their addresses."""
    from datetime import UTC, datetime

    from bot.app import initialise
    from storage import people
    from storage.db import make_sessions
    from storage.models import Role

    engine = initialise(url).engine
    now = datetime.now(UTC)
    addresses = [f"whatsapp:+6281{n:09d}" for n in range(officers)]
    with make_sessions(engine).begin() as s:
        office = people.add_office(s, "63.71", "Kesbangpol Kota Banjarmasin", "Asia/Makassar", now)
        for address in addresses:
            invite = people.add_invite(s, office, Role.OFFICER, now, name="Petugas Bench")
            people.redeem_invite(s, invite.code, "whatsapp", address, now)
    engine.dispose()
    return addresses


# -- the load ----------------------------------------------------------------------------------------

def signed_request(validator, address: str, body: str, account_sid: str) -> tuple[bytes, dict[str, str]]:
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": account_sid, "From": address,
              "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0", "ProfileName": "Bench",
              "WaId": address.removeprefix("whatsapp:+"), "ApiVersion": "2010-04-01"}
    signature = validator.compute_signature(f"{PUBLIC}/whatsapp/inbound", params)
    return urlencode(params).encode(), {"X-Twilio-Signature": signature,
                                        "Content-Type": "application/x-www-form-urlencoded"}


async def load(url: str, users: list[str], seconds: float, account_sid: str) -> tuple[list[float], int, float]:
    """Each user posts their report script in order, looping, for `seconds`.

    Returns (latencies of the 200 answers, how many answers were not 200, seconds from the first request
    until the last answer). aiohttp rather than httpx drives the load: it costs the generator several
    times less CPU per request.
    """
    import aiohttp
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=len(users))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
        started_at = time.monotonic()
        deadline = started_at + seconds

        async def user(address: str) -> None:
            nonlocal errors
            step = 0
            while time.monotonic() < deadline:
                body, headers = signed_request(validator, address, REPORT[step % len(REPORT)], account_sid)
                started = time.perf_counter()
                async with client.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors += 1
                step += 1

        await asyncio.gather(*(user(a) for a in users))
        elapsed = time.monotonic() - started_at
    return latencies, errors, elapsed


def summarise(latencies: list[float], elapsed: float) -> tuple[float, float, float]:
    """(answers per second over the measured time, p50 ms, p99 ms)."""
    ordered = sorted(latencies)
    if not ordered:
        return 0.0, float("nan"), float("nan")
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / elapsed, statistics.median(ordered) * 1000, p99 * 1000


BACKLOG = ("pending", "sending", "sent", "delivered", "failed")


def backlog(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Outbox rows by where they are: pending, sending, sent (no delivery report yet), delivered, failed."""
    from sqlalchemy import func, select

    from storage.models import OutboxMessage, OutboxStatus

    counts = dict.fromkeys(BACKLOG, 0)
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage.status, OutboxMessage.delivery_status, func.count())
                            .group_by(OutboxMessage.status, OutboxMessage.delivery_status))
        for status, delivery, n in rows:
            if status == OutboxStatus.SENT and delivery in ("delivered", "read"):
                counts["delivered"] += n
            elif status == OutboxStatus.SENT:
                counts["sent"] += n
            elif status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
                counts[status.value] += n
            else:
                counts["failed"] += n
    return counts


def wait_delivered(engine, timeout: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Wait until no reply is waiting to be sent or for its delivery report (or `timeout`); return the backlog."""
    deadline = time.monotonic() + timeout
    while True:
        counts = backlog(engine)
        if counts["pending"] + counts["sending"] + counts["sent"] == 0 or time.monotonic() >= deadline:
            return counts
        time.sleep(0.05)


class Sampler:
    """Samples the outbox every `interval` seconds in a thread: (time, replies sent, replies delivered)."""

    def __init__(self, engine, interval: float = 0.2) -> None:  # type: ignore[no-untyped-def]
        import threading

        self.engine, self.interval = engine, interval
        self.samples: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            counts = backlog(self.engine)
            self.samples.append((time.monotonic(), counts["sent"] + counts["delivered"], counts["delivered"]))
            self._stop.wait(self.interval)

    def stop(self) -> list[tuple[float, int, int]]:
        self._stop.set()
        self._thread.join()
        return self.samples


def steady_rate(samples: list[tuple[float, int]], before: int, total: int) -> float:
    """Messages a second between the level's 10th and 90th percentile message: its pace, without the ramp
    up (the first turns) and the tail (the last chats' last replies)."""
    if total < 10:
        return float("nan")
    marks = [next((t for t, n in samples if n - before >= share * total), None) for share in (0.1, 0.9)]
    if marks[0] is None or marks[1] is None or marks[1] <= marks[0]:
        return float("nan")
    return 0.8 * total / (marks[1] - marks[0])


def seed_sent(engine, count: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Add `count` replies sent and not yet reported on; return their (outbox id, MessageSid)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from storage.models import OutboxMessage, OutboxStatus

    now, batch = datetime.now(UTC), uuid.uuid4().hex[:8]
    rows = [{"idempotency_key": f"bench-callback:{batch}:{n}", "channel": "whatsapp",
             "address": f"whatsapp:+6289{n:09d}", "payload": {"reply": {"text": "bench"}},
             "status": OutboxStatus.SENT, "attempts": 1, "created_at": now, "next_attempt_at": now, "sent_at": now,
             "provider_message_id": "SM" + uuid.uuid4().hex, "kind": "reply", "possible_duplicates": 0}
            for n in range(count)]
    with engine.begin() as conn:
        conn.execute(insert(OutboxMessage), rows)
        found = conn.execute(select(OutboxMessage.id, OutboxMessage.provider_message_id)
                             .where(OutboxMessage.idempotency_key.like(f"bench-callback:{batch}:%")))
        return [(i, str(sid)) for i, sid in found]


async def post_callbacks(url: str, rows: list[tuple[int, str]], concurrency: int,
                         status: str = "delivered") -> list[float]:
    """Post a signed status callback for each (outbox id, MessageSid), `concurrency` at a time."""
    import aiohttp
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    latencies: list[float] = []
    todo = list(rows)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as client:
        async def poster() -> None:
            while todo:
                message_id, sid = todo.pop()
                params = {"MessageSid": sid, "MessageStatus": status, "SmsStatus": status,
                          "To": "whatsapp:+6281000000000", "From": "whatsapp:+14155238886",
                          "AccountSid": "AC" + "b" * 32, "ApiVersion": "2010-04-01", "ChannelPrefix": "whatsapp"}
                path = f"/whatsapp/status?outbox={message_id}"
                headers = {"X-Twilio-Signature": validator.compute_signature(f"{PUBLIC}{path}", params),
                           "Content-Type": "application/x-www-form-urlencoded"}
                started = time.perf_counter()
                async with client.post(url + path, data=urlencode(params).encode(), headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(poster() for _ in range(concurrency)))
    return latencies


def show(counts: dict[str, int]) -> str:
    return " ".join(f"{name}={counts[name]}" for name in BACKLOG)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--concurrency", default="1,8,32,64", help="comma-separated levels")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each level posts webhooks")
    parser.add_argument("--drain-seconds", type=float, default=60.0,
                        help="how long each level may wait for its replies to be delivered")
    parser.add_argument("--mps", type=float, default=80.0,
                        help="TWILIO_MPS of siaga run: the sender's messages a second (80 is Twilio's default)")
    parser.add_argument("--callbacks", type=int, default=2000,
                        help="status callbacks posted after the levels, to time one on its own (0: none)")
    parser.add_argument("--workers", default="1", help="comma-separated `siaga run --workers` counts, e.g. 1,2 "
                        "(more than 1: PostgreSQL only); each runs every level, ratios against the first")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    counts = parse_workers(args.workers)
    if args.database == "sqlite" and max(counts) > 1:
        raise SystemExit("--workers above 1 needs --database postgresql (SQLite serves one process)")
    account_sid = "AC" + "b" * 32

    workdir = Path(tempfile.mkdtemp(prefix="siaga-bench-wa-"))
    admin = None
    if args.database == "postgresql":
        name = f"siaga_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    users = prepare_database(url, max(levels), account_sid)
    watch = create_engine(url)

    fake_port, app_port, base_port = free_port(), free_port(), free_port()
    fake = multiprocessing.Process(target=serve_fake_twilio,
                                   args=(fake_port, account_sid, f"http://127.0.0.1:{app_port}"), daemon=True)
    fake.start()
    wait_healthy(f"http://127.0.0.1:{fake_port}/healthz", fake)
    env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PORT": str(app_port), "PUBLIC_BASE_URL": PUBLIC,
           "TWILIO_ACCOUNT_SID": account_sid, "TWILIO_AUTH_TOKEN": TOKEN,
           "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886", "TWILIO_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
           "TWILIO_MPS": f"{args.mps:g}", "SIAGA_LOG_LEVEL": "WARNING", "SIAGA_ATTACHMENTS_DIR": str(workdir / "att")}
    for name in ("TELEGRAM_BOT_TOKEN", "SIAGA_CLOCK_START", "TWILIO_TEMPLATES"):
        env.pop(name, None)
    baseline = multiprocessing.Process(target=serve_baseline, args=(base_port,), daemon=True)
    baseline.start()
    siaga = None
    try:
        wait_healthy(f"http://127.0.0.1:{base_port}/healthz", baseline)
        print(f"# WhatsApp end-to-end bench: {args.database}, {args.seconds:g}s of webhooks per level, "
              f"up to {args.drain_seconds:g}s to deliver, TWILIO_MPS={args.mps:g}, cores={os.cpu_count()}, "
              f"workers {args.workers}")
        bases = {c: summarise(*asyncio.run(load(f"http://127.0.0.1:{base_port}/whatsapp/inbound",
                                                users[:c], args.seconds, account_sid))[::2]) for c in levels}
        runs: list[tuple[int, list]] = []  # (workers, results per level), in the order run
        callback_cpu: list[float] = []
        for count in counts:
            siaga = SiagaWorkers(env, workdir, count)
            siaga.wait_workers()
            wait_healthy(f"http://127.0.0.1:{app_port}/healthz", siaga.process)
            time.sleep(1.0 if count > 1 else 0.0)  # every worker up, the scheduler's first ticks done
            meter = CpuMeter(siaga.process.pid, watch, (fake.pid,))
            print(f"# workers={count} (loadavg {loadavg()})")
            print(f"{'conc':>5} {'base req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'wa req/s':>9} {'p50 ms':>7} "
                  f"{'p99 ms':>7} {'errors':>6} | {'delivered':>9} {'deliv/s':>8} {'drain s':>7} {'left':>5} | "
                  f"{'rps ratio':>9} {'p99 ratio':>9} | cpu ms/req: siaga busiest postgres bench+fake | "
                  f"sent/s deliv/s of mps | load")
            results: list = []
            runs.append((count, results))
            for c in levels:
                b = bases[c]
                counts_before = backlog(watch)
                before = counts_before["delivered"]
                sent_before = counts_before["sent"] + before
                cpu_before = meter.snapshot()
                started = time.monotonic()
                sampler = Sampler(watch)
                wa_lat, errors, wa_elapsed = asyncio.run(load(f"http://127.0.0.1:{app_port}/whatsapp/inbound",
                                                              users[:c], args.seconds, account_sid))
                load_done = time.monotonic()
                after = wait_delivered(watch, args.drain_seconds)
                samples = sampler.stop()
                end_to_end = time.monotonic() - started
                drain = time.monotonic() - load_done
                cpu = meter.delta(cpu_before, meter.snapshot())
                delivered = after["delivered"] - before
                sent_total = after["sent"] + after["delivered"] - sent_before
                sent_rate = steady_rate([(t, n) for t, n, _ in samples], sent_before, sent_total)
                deliv_rate = steady_rate([(t, d) for t, _, d in samples], before, delivered)
                left = after["pending"] + after["sending"] + after["sent"]
                w = summarise(wa_lat, wa_elapsed)
                results.append((c, w, errors, delivered / end_to_end, left, sent_rate, deliv_rate))
                per = 1000 / max(1, len(wa_lat))
                print(f"{c:>5} {b[0]:>11.0f} {b[1]:>7.1f} {b[2]:>7.1f} | {w[0]:>9.0f} {w[1]:>7.1f} {w[2]:>7.1f} "
                      f"{errors:>6} | {delivered:>9} {delivered / end_to_end:>8.0f} {drain:>7.1f} {left:>5} | "
                      f"{w[0] / b[0] if b[0] else float('nan'):>9.2f} {w[2] / b[2]:>9.1f} | "
                      f"{cpu['siaga'] * per:.2f} {cpu['busiest'] * per:.2f} {cpu['postgres'] * per:.2f} "
                      f"{cpu['bench'] * per:.2f} | {sent_rate:.0f} {deliv_rate:.0f} {sent_rate / args.mps:.2f} | "
                      f"{loadavg()}")
            if args.callbacks:
                rows = seed_sent(watch, args.callbacks)
                # The same callbacks to the empty-200 server first: the floor of uvicorn and Starlette alone.
                base_cpu = proc_cpu(baseline.pid)
                base_lat = asyncio.run(post_callbacks(f"http://127.0.0.1:{base_port}", rows, 8))
                floor = (proc_cpu(baseline.pid) - base_cpu) * 1000 / max(1, len(base_lat))
                cpu_before = meter.snapshot()
                started = time.monotonic()
                lat = asyncio.run(post_callbacks(f"http://127.0.0.1:{app_port}", rows, 8))
                took = time.monotonic() - started
                cpu = meter.delta(cpu_before, meter.snapshot())
                _, p50, p99 = summarise(lat, took)
                per = 1000 / max(1, len(lat))
                callback_cpu.append(cpu["siaga"] * per)
                print(f"status callbacks (workers={count}): {len(lat)}/{len(rows)} answered 200 at {len(lat) / took:.0f}/s "
                      f"(concurrency 8), p50 {p50:.1f} ms, p99 {p99:.1f} ms; cpu ms/callback: siaga "
                      f"{cpu['siaga'] * per:.2f}, postgres {cpu['postgres'] * per:.2f}, empty-200 server {floor:.2f} "
                      f"(siaga/empty {cpu['siaga'] * per / floor if floor else float('nan'):.1f}x); load {loadavg()}")
            siaga.stop()
            siaga = None
        first, first_results = runs[0]
        for count, later in runs[1:]:
            for (c, w0, _, deliv0, *_), (_, w, _, deliv, *_) in zip(first_results, later, strict=True):
                print(f"ratio workers={count}/workers={first} conc={c}: req/s {w[0] / w0[0]:.2f}x, "
                      f"delivered/s {deliv / deliv0 if deliv0 else float('nan'):.2f}x, p99 {w[2] / w0[2]:.2f}x")
        results = [r for _, rs in runs for r in rs]
        final = backlog(watch)
        print(f"outbox at the end: {show(final)}")
        best_count, best = max(((count, r) for count, rs in runs for r in rs), key=lambda x: x[1][1][0])
        met = [r for r in results if r[1][0] >= TARGET_RPS and r[1][2] < TARGET_P99_MS and r[2] == 0 and r[4] == 0]
        verdict = (f"MET at concurrency {met[0][0]}" if met else
                   f"MISSED (target >= {TARGET_RPS} req/s with p99 < {TARGET_P99_MS:.0f} ms, every reply delivered)")
        workers_note = f" with {best_count} worker(s)" if len(counts) > 1 else ""
        # Sends are what TWILIO_MPS paces; delivery reports follow them, in the provider's bursts.
        paced = max((r[5] for r in results if r[5] == r[5]), default=float("nan"))
        pace = (f"best steady send pace {paced:.0f}/s = {paced / args.mps:.2f} of TWILIO_MPS={args.mps:g} "
                f"(target >= 0.95: {'met' if paced >= 0.95 * args.mps else 'MISSED'})")
        callbacks = (f"; status callback {max(callback_cpu):.2f} ms cpu (target <= 1)" if callback_cpu else "")
        print(f"SUMMARY whatsapp-webhook {args.database}: best {best[1][0]:.0f} req/s at concurrency {best[0]}"
              f"{workers_note} (p50 {best[1][1]:.1f} ms, p99 {best[1][2]:.1f} ms, errors {best[2]}, "
              f"{best[3]:.0f} replies delivered/s); {pace}{callbacks}; backlog {show(final)}; intake target "
              f"{verdict}; load {loadavg()}")
    finally:
        if siaga is not None:
            siaga.stop()
        for process in (baseline, fake):
            process.terminate()
            process.join(timeout=10)
        watch.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
