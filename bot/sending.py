"""What goes into the outbox and what comes out of it: `Outbound` (a message to queue), `Outgoing` (a claimed
message as a channel sends it), `Capabilities` (what a channel can do and how fast), the `Channel` protocol
and `SendError`.

A module of its own, below both `bot.channels` (which feed the runner) and `bot.runner`/`bot.outbox`
(which send through the channels), so neither side imports the other's package for these names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from handlers.types import Reply

# Awaited by a channel before each further request of one message (a long text's next part, a file): the
# outbox's pacing. The first request of every message is paced by the outbox before `send` is called.
Pace = Callable[[], Awaitable[None]]


async def _unpaced() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to queue: every message (a reply, a notice, an alert, a group's pointer, a file) is one.

    `key` makes it idempotent: a key queued before adds nothing. A business-initiated message (alert,
    reminder, digest) names the approved `template` and its `variables` to fall back on when the contact's
    window is closed (WhatsApp: 24 hours). It goes out no earlier than `not_before` and is never sent after
    `expires_at`. With `hold`, a text the contact could not read then (sent as the template, or not at all)
    is sent when they write again. `reply_to` names the provider's id of the message it answers, quoted
    where the platform can (a pointer in a Telegram group).
    """

    channel: str
    address: str
    reply: Reply
    key: str
    kind: str = "reply"
    business_initiated: bool = False
    template: str | None = None
    variables: Mapping[str, str] | None = None
    not_before: datetime | None = None
    expires_at: datetime | None = None
    hold: bool = False
    reply_to: str | None = None


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
    reply_to: str | None = None  # see `Outbound.reply_to`
    # Set by the outbox when it sends: awaited before each request after the first (see `Pace`).
    pace: Pace = field(default=_unpaced, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Rate:
    """A platform's limit on one chat: `per_second` on average, `burst` at once after a quiet spell."""

    per_second: float
    burst: int = 1


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do and how fast it may send, read by the outbox (which alone paces sends)."""

    # Business-initiated messages later than this after the contact's last message need a template
    # (WhatsApp: 24 hours); None when the platform has no such window.
    session_window: timedelta | None = None
    # Approved templates by message kind (alert, reminder, digest, notice).
    templates: Mapping[str, str] = field(default_factory=dict)
    # Requests a second to all chats together (None: no limit).
    rate: float | None = None
    # Requests to one chat, and to one group chat (an address starting with "-", as the Bot API numbers
    # groups); None: no limit.
    chat: Rate | None = None
    group: Rate | None = None

    def chat_rate(self, address: str) -> Rate | None:
        """Return the limit of one chat: a group's, or a private chat's."""
        return self.group if self.group is not None and address.startswith("-") else self.chat


class SendError(Exception):
    """A failed send, classified by the adapter so the outbox can decide whether to retry."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """What the outbox sends through: one prepared message at a time, failures classified."""

    name: str
    capabilities: Capabilities

    async def send(self, message: Outgoing) -> str | None:
        """Deliver one message; return the provider's message id, or raise `SendError`.

        Await `message.pace()` before each request after the first.
        """
