"""`build(settings)`: the engine, sessions, channels, web and scheduler, wired together; start/stop in one place."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.channels.base import ChannelService
from bot.config import Settings
from bot.runner import Runner
from bot.web import Server, build_web, make_server
from handlers import chart
from storage import migrations, seed
from storage.db import make_engine, make_sessions

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

    async def start(self) -> None:
        """Start every channel, then the web server if any channel needs routes."""
        for channel in self.channels:
            await channel.start()
            log.info("channel started: %s", channel.name)

    async def stop(self) -> None:
        """Stop taking input, let in-flight turns finish, then close the channels."""
        for channel in reversed(self.channels):
            await channel.stop()
            log.info("channel stopped: %s", channel.name)
        await asyncio.to_thread(self.runner.close)

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, then shut down in order."""
        await self.start()
        serving = asyncio.create_task(self.server.serve()) if self.server else None
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


def build(settings: Settings) -> App:
    """Wire the configured channels to one runner over one session factory."""
    runner = Runner(make_sessions(settings.database_url), settings)
    # Digest charts wait for the outbox beside the attachments, not in a temporary folder.
    chart.set_chart_dir(settings.attachments_dir / "charts")
    app = App(settings, runner)
    if settings.telegram_bot_token is not None:
        from bot.channels.telegram import TelegramChannel

        app.channels.append(TelegramChannel(settings, runner))
    if settings.whatsapp_enabled:
        if not settings.public_base_url:
            raise ConfigError("WhatsApp needs PUBLIC_BASE_URL: Twilio signs the public URL it calls. See .env.example.")
        from bot.channels.whatsapp import WhatsAppChannel

        app.channels.append(WhatsAppChannel(settings, runner))
    if not app.channels:
        raise ConfigError(
            "No channel is configured: set TELEGRAM_BOT_TOKEN (Telegram), or TWILIO_ACCOUNT_SID, "
            "TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM (WhatsApp), in the environment or .env. "
            "See .env.example."
        )
    routes = [route for channel in app.channels for route in channel.routes()]
    if routes:
        app.server = make_server(build_web(routes), settings.host, settings.port)
    return app


async def run(settings: Settings) -> None:
    """Build the app and serve until SIGTERM or SIGINT."""
    app = build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.serve(stop)
