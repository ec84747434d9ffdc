"""What a channel sends and how a send fails: the `Channel` protocol (`name`, `send(outgoing) -> provider id`),
`Outgoing` and `SendError`.

A module of its own, below both `bot.channels` (which feed the runner) and `bot.runner`/`bot.outbox`
(which send through the channels), so neither side imports the other's package for these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from handlers.types import Reply


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel sends it: free text (with its files), or `template` with its `variables`."""

    id: int
    channel: str
    address: str
    reply: Reply
    attempts: int = 1
    template: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    kind: str = "reply"


class SendError(Exception):
    """A failed send, classified by the adapter so the outbox can decide whether to retry."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """What the outbox sends through: one prepared message at a time, failures classified."""

    name: str
    # Business-initiated messages later than this after the contact's last message need a template
    # (WhatsApp: 24 hours); None when the platform has no such window.
    session_window: timedelta | None
    # Approved templates by message kind (alert, reminder, digest, notice).
    templates: Mapping[str, str]

    async def send(self, message: Outgoing) -> str | None:
        """Deliver one message; return the provider's message id, or raise `SendError`."""
