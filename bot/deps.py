"""`dependencies(settings)`: the one `Deps` a configuration hands its runner, ticks and commands, built at start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from handlers.deps import Deps


def dependencies(settings: Settings, clock: Callable[[], datetime] | None = None, *, web: bool = False) -> Deps:
    """Build the clock (SIAGA_CLOCK_START, unless given), folders and settings of one configuration.

    With `web`, `/web` answers with sign-in links to PUBLIC_BASE_URL (`siaga run` serves the web view there).
    """
    return Deps.beside(settings.attachments_dir, clock=clock or Clock(settings.clock_start),
                       retention=settings.retention, web_base_url=settings.public_base_url if web else None)
