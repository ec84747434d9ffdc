"""The `Channel` protocol (`name`, `send(address, reply)`) and `SendError`."""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from handlers.types import Reply


class SendError(Exception):
    """A failed send, classified by the adapter so the outbox can decide whether to retry."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    name: str

    async def send(self, address: str, reply: Reply) -> None:
        """Deliver one reply to a chat address, or raise `SendError`."""


class ChannelService(Channel, Protocol):
    """A channel that `siaga run` hosts: its web routes (if any) and its start/stop."""

    def routes(self) -> list[BaseRoute]:
        """Return the web routes this channel needs on the shared server (none in polling mode)."""

    async def start(self) -> None:
        """Begin taking input."""

    async def stop(self) -> None:
        """Stop taking input and let in-flight turns finish."""
