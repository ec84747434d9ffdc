"""`ChannelService`: a `Channel` that `siaga run` hosts, with its web routes and its start/stop.

`Channel`, `Outgoing` and `SendError` live in `bot.sending`, below both the channels and the runner/outbox.
"""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from bot.sending import Channel


class ChannelService(Channel, Protocol):
    """A channel that `siaga run` hosts: its web routes (if any) and its start/stop."""

    def routes(self) -> list[BaseRoute]:
        """Return the web routes this channel needs on the shared server (none in polling mode)."""

    async def start(self) -> None:
        """Begin taking input."""

    async def stop(self) -> None:
        """Stop taking input and let in-flight turns finish."""

    async def close(self) -> None:
        """Release the provider client, once the outbox sent its last round."""
