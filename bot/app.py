"""`build(settings)`: the engine, sessions, channels, web and scheduler, wired together; start/stop in one place."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

import handlers
from bot.channels.base import ChannelService
from bot.config import Settings
from bot.deps import dependencies
from bot.outbox import Outbox, new_boot_id
from bot.effects import Delivery
from bot.runner import Runner
from bot.scheduler import Presence, Scheduler
from bot.web import Server, build_web, make_server
from storage import migrations, seed
from storage.db import is_sqlite, make_engine, make_sessions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Initialised:
    engine: Engine
    upgraded: bool
    regions: seed.SeedResult
    categories: seed.SeedResult


def initialise(url: str) -> Initialised:
    """Do what `siaga init` does: migrate the database to head, then load the reference data (idempotent)."""
    engine = make_engine(url)
    upgraded = migrations.upgrade(engine)
    with make_sessions(engine).begin() as session:
        regions, categories = seed.load_kalimantan(session), seed.load_categories(session)
    return Initialised(engine, upgraded, regions, categories)


class ConfigError(Exception):
    """`siaga run` cannot start with this configuration; the message says what is missing."""


@dataclass
class App:
    settings: Settings
    runner: Runner
    channels: list[ChannelService] = field(default_factory=list)
    server: Server | None = None
    # Built once the channels are known: every message of every channel leaves through it.
    outbox: Outbox | None = None
    scheduler: Scheduler | None = None
    presence: Presence | None = None

    async def start(self) -> None:
        """Start the outbox (it resends at once what a dead process left mid-send), the channels, the scheduler."""
        if self.presence is not None:
            await asyncio.to_thread(self.presence.open)
        if self.outbox is not None:
            await self.outbox.start()
        for channel in self.channels:
            await channel.start()
            log.info("channel started: %s", channel.name)
        if self.scheduler is not None:
            await self.scheduler.start()

    async def stop(self) -> None:
        """Stop taking input and let in-flight turns finish, stop the scheduler, send the last round, close."""
        for channel in reversed(self.channels):
            await channel.stop()
            log.info("channel stopped: %s", channel.name)
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.outbox is not None:
            await self.outbox.stop()
        for channel in self.channels:
            await channel.close()
        await asyncio.to_thread(self.runner.close)
        if self.presence is not None:
            await asyncio.to_thread(self.presence.close)

    async def record_deliveries(self, reports: Sequence[tuple[int | None, str | None, str, str | None]]
                                ) -> list[bool]:
        """Record providers' delivery reports (a channel's status callbacks) on their outbox messages, together."""
        assert self.outbox is not None
        return await self.runner.call(self.outbox.record_deliveries, reports)

    async def serve(self, stop: asyncio.Event, sockets: Sequence[socket.socket] | None = None) -> None:
        """Run until `stop` is set, then shut down in order (the web server on `sockets` when given)."""
        await self.start()
        serving = asyncio.create_task(self.server.serve(list(sockets) if sockets else None)) if self.server else None
        if self.server is not None:
            log.info("web server on %s:%s", self.settings.host, self.settings.port)
        try:
            waiting = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({waiting} | ({serving} if serving else set()),
                                         return_when=asyncio.FIRST_COMPLETED)
            if serving in done:
                serving.result()  # the server died (port taken...): surface it
            waiting.cancel()
        finally:
            if self.server is not None and serving is not None:
                self.server.should_exit = True
                await serving
            await self.stop()


def check(settings: Settings) -> None:
    """Raise `ConfigError` when `siaga run` cannot start with these settings."""
    if settings.whatsapp_enabled and not settings.public_base_url:
        raise ConfigError("WhatsApp needs PUBLIC_BASE_URL: Twilio signs the public URL it calls. See .env.example.")
    if settings.telegram_bot_token is None and not settings.whatsapp_enabled:
        raise ConfigError(
            "No channel is configured: set TELEGRAM_BOT_TOKEN (Telegram), or TWILIO_ACCOUNT_SID, "
            "TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM (WhatsApp), in the environment or .env. "
            "See .env.example."
        )


def check_workers(settings: Settings, workers: int) -> None:
    """Raise `ConfigError` when `workers` processes cannot share this configuration."""
    if workers <= 1:
        return
    if settings.telegram_bot_token is not None and not settings.public_base_url:
        raise ConfigError(f"--workers {workers} needs Telegram in webhook mode: set PUBLIC_BASE_URL "
                          "(long polling allows one process per bot), or run one process.")
    if is_sqlite(settings.database_url):
        raise ConfigError(f"--workers {workers} needs PostgreSQL: SQLite serves one process; "
                          "set DATABASE_URL=postgresql+psycopg://... or run one process.")


def build(settings: Settings, clock: Callable[[], datetime] | None = None) -> App:
    """Wire the configured channels, one outbox for all of them and the scheduler to one runner.

    The configuration's dependencies (its clock, SIAGA_CLOCK_START unless given; the folders beside the
    attachments; the retention period; the web view's address) are built here once and handed down.
    """
    check(settings)
    sessions = make_sessions(settings.database_url)
    # The heads' web view: only where the world can reach us, since its sign-in links are built from that address.
    runner = Runner(sessions, settings, deps=dependencies(settings, clock, web=True))
    app = App(settings, runner)
    if settings.telegram_bot_token is not None:
        from bot.channels.telegram import TelegramChannel

        app.channels.append(TelegramChannel(settings, runner))
    if settings.whatsapp_enabled:
        from bot.channels.whatsapp import WhatsAppChannel

        app.channels.append(WhatsAppChannel(settings, runner, on_status=app.record_deliveries))
    wire(app)
    routes = [route for channel in app.channels for route in channel.routes()]
    if settings.public_base_url:
        from bot.webview import WebView

        routes += WebView(runner, settings).routes()
    if routes:
        app.server = make_server(build_web(routes), settings.host, settings.port)
    return app


def wire(app: App) -> App:
    """Give the app's channels one outbox and a scheduler, and tell the runner to queue through them."""
    settings, runner = app.settings, app.runner
    names = tuple(channel.name for channel in app.channels)
    boot_id = new_boot_id()
    # Claims in the outbox carry it: the log ties them (and "claimed by stopped process …") to this process.
    log.info("process boot id %s", boot_id)
    runner.delivery = Delivery(outbox_channels=frozenset(names), reach=names, boot_id=boot_id)
    if is_sqlite(settings.database_url):
        # One process per SQLite database: any claim not made by this process belongs to a dead one.
        def is_dead(boot_id: str) -> bool:
            return True
    else:
        app.presence = Presence(runner.sessions.kw["bind"], boot_id)
        is_dead = app.presence.is_dead
    app.outbox = Outbox(runner.sessions, {channel.name: channel for channel in app.channels}, clock=runner.clock,
                        offload=runner.call, boot_id=boot_id,
                        is_dead=is_dead, daily_caps={"whatsapp": settings.whatsapp_daily_cap})
    runner.wake = app.outbox.wake
    runner.send_now = app.outbox.send_now
    app.scheduler = Scheduler(runner, handlers.SCHEDULED, app.presence)
    return app


async def run(settings: Settings, sockets: Sequence[socket.socket] | None = None,
              clock: Callable[[], datetime] | None = None) -> None:
    """Build the app and serve until SIGTERM or SIGINT (on `sockets` already bound, when given)."""
    app = build(settings, clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.serve(stop, sockets)
