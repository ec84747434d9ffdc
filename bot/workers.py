"""`siaga run --workers N`: N forked processes accept on one listening socket; the parent supervises them.

Each worker is a whole `siaga run` (its own event loop, database pool, outbox, boot id and presence
lock) on the socket the parent bound, so the kernel hands each new connection to whichever worker
accepts first and a worker that dies leaves the port open for the others. State, dedupe and the outbox
live in the database, so any worker can take any update: PostgreSQL only, and webhooks only (one
getUpdates poller per bot is all Telegram allows).

The parent restarts a worker that dies (its claimed sends are sent again by a live worker, which sees
its presence lock released), gives up with exit status 1 when workers keep dying within seconds of
starting (a crash loop: the log says why), and on SIGTERM/SIGINT stops every worker and waits for them.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings

log = logging.getLogger(__name__)

# A worker that dies sooner than this after starting counts towards a crash loop.
QUICK_DEATH = 10.0
# This many quick deaths in a row (any worker) and the parent stops: restarting would only spin.
CRASH_LOOP = 5
# A worker still running this long after SIGTERM is killed (its claims are resent by the next process).
STOP_TIMEOUT = 60.0
RESTART_DELAY = 0.5
POLL = 0.1
BACKLOG = 2048
_PR_SET_PDEATHSIG = 1


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket all workers accept on (SO_REUSEADDR, as uvicorn binds)."""
    return socket.create_server((host, port), backlog=BACKLOG)


def _die_with_parent() -> None:
    # A SIGKILLed parent cannot stop its workers: let the kernel send them SIGTERM instead of orphaning them.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _label_logs(index: int) -> None:
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(
            f"%(asctime)s %(levelname)s worker-{index} pid={os.getpid()} %(name)s: %(message)s"))


def serve_worker(settings: Settings, sock: socket.socket, index: int, count: int) -> int:
    """Body of a forked worker: one `siaga run` on the shared socket; return its exit status."""
    from bot import app

    _label_logs(index)
    # Each worker paces its own sends: together they keep to the sender's messages per second.
    settings = settings.model_copy(update={"twilio_mps": settings.twilio_mps / count})
    log.info("worker %d started", index)
    try:
        asyncio.run(app.run(settings, sockets=[sock]))
    except Exception:  # the worker's one catch-all: the parent logs the exit and restarts it
        log.error("worker %d failed", index, exc_info=True)
        return 1
    return 0


@dataclass
class Worker:
    index: int
    pid: int
    started: float


@dataclass
class Supervisor:
    """Forks `count` workers running `work(index)` and keeps them running until told to stop."""

    count: int
    work: Callable[[int], int]
    workers: dict[int, Worker] = field(default_factory=dict)  # pid -> worker
    stopping: bool = False
    quick_deaths: int = 0

    def _spawn(self, index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            status = 1
            try:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, signal.SIG_DFL)
                _die_with_parent()
                status = self.work(index)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        self.workers[pid] = Worker(index, pid, time.monotonic())
        log.info("worker %d: pid %d", index, pid)

    def _on_signal(self, signum: int, frame: object) -> None:
        if not self.stopping:
            log.info("stopping %d worker(s) (%s)", len(self.workers), signal.Signals(signum).name)
        self.stopping = True
        for pid in self.workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> int:
        """Supervise until SIGTERM/SIGINT (exit 0 when every worker stopped cleanly) or a crash loop (1)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        for index in range(1, self.count + 1):
            self._spawn(index)
        clean = True
        deadline: float | None = None
        while self.workers:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                if self.stopping:
                    deadline = deadline or time.monotonic() + STOP_TIMEOUT
                    if time.monotonic() > deadline:
                        for late in self.workers:
                            log.warning("worker pid %d did not stop within %.0fs: killed", late, STOP_TIMEOUT)
                            os.kill(late, signal.SIGKILL)
                        deadline = float("inf")
                time.sleep(POLL)
                continue
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if self.stopping:
                clean = clean and code == 0
                continue
            lived = time.monotonic() - worker.started
            self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH else 0
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"status {code}"
            if self.quick_deaths >= CRASH_LOOP:
                log.error("worker %d (pid %d) exited with %s; %d workers died within %.0fs of starting in a "
                          "row: stopping", worker.index, pid, how, self.quick_deaths, QUICK_DEATH)
                self._on_signal(signal.SIGTERM, None)
                clean = False
                continue
            log.warning("worker %d (pid %d) exited with %s after %.0fs; starting it again",
                        worker.index, pid, how, lived)
            time.sleep(RESTART_DELAY * self.quick_deaths)
            if not self.stopping:
                self._spawn(worker.index)
        log.info("all workers stopped")
        return 0 if clean else 1


def run_workers(settings: Settings, count: int, sock: socket.socket) -> int:
    """Fork `count` workers onto the bound socket, supervise them, close it; return the exit status."""
    log.info("web server on %s:%s, %d workers", settings.host, settings.port, count)
    try:
        return Supervisor(count, lambda index: serve_worker(settings, sock, index, count)).run()
    finally:
        sock.close()
