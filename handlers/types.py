"""Frozen dataclasses `Inbound`, `Reply`, `Choice`, `State`, `Ctx`; no I/O types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from handlers.deps import TEMPORARY, Deps

if TYPE_CHECKING:
    from storage.db import Session
    from storage.models import Officer


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Proposal:
    """Choices a step proposes for a shared location, led by a sentence other than its usual `located` one."""

    choices: tuple[Choice, ...]
    lead: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Media:
    """A photo or document: the provider's handle, and our stored copy once downloaded.

    Going out (a chart, a map, a PDF), `ref` is the file name the reader sees and `stored_path` the file.
    """

    kind: str
    ref: str
    content_type: str | None = None
    stored_path: str | None = None
    # Going out, a file not drawn yet: `draw()` writes `stored_path`. The runner calls it after the turn's
    # transaction commits (a map takes a second of matplotlib; no transaction waits on it) and before the
    # message can be sent. Never stored in the outbox.
    draw: Callable[[], None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Inbound:
    channel: str
    address: str
    text: str | None = None
    choice: str | None = None
    location: Location | None = None
    media: tuple[Media, ...] = ()
    message_id: str | None = None
    display_name: str | None = None
    # The provider's id of our message this one answers (WhatsApp's reply to a message), when given.
    reply_to: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    ask_location: bool = False
    # Stamped by the runner, so adapters can word their own buttons and hints in the reader's language.
    lang: str = "id"
    # Files that go with the text (the text becomes the caption where the platform allows).
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class State:
    """Where a chat is: the flow and step, the answers so far, and pending choices of a search step."""

    flow: str | None = None
    step: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    pending: tuple[Choice, ...] = ()
    editing: bool = False
    updated_at: datetime | None = None
    # "batal" on a complete draft was asked to be confirmed; a second "batal" discards it.
    confirm_cancel: bool = False
    # Work in progress inside one step: a multi-select's ticked choices, a repeating group's current item.
    scratch: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """Return the JSON-able part stored in the conversation row."""
        return {
            "answers": self.answers,
            "labels": self.labels,
            "pending": [[c.id, c.label] for c in self.pending],
            "editing": self.editing,
            **({"confirm_cancel": True} if self.confirm_cancel else {}),
            "scratch": self.scratch,
        }

    @classmethod
    def load(cls, flow: str | None, step: str | None, data: dict[str, Any], updated_at: datetime | None) -> State:
        """Rebuild a state from its stored row."""
        return cls(
            flow=flow, step=step, answers=dict(data.get("answers", {})), labels=dict(data.get("labels", {})),
            pending=tuple(Choice(i, label) for i, label in data.get("pending", [])),
            editing=bool(data.get("editing", False)), updated_at=updated_at,
            confirm_cancel=bool(data.get("confirm_cancel", False)),
            scratch=dict(data.get("scratch", {})),
        )

    def at(self, step: str | None, **changes: Any) -> State:
        """Return this state moved to another step, pending choices and step scratch cleared."""
        return replace(self, step=step, **{"pending": (), "scratch": {}, **changes})


IDLE = State()


# -- effects: what a turn or a scheduled tick asks for besides its replies to the sender ----------


@dataclass(frozen=True)
class ToOfficer:
    officer_id: int


@dataclass(frozen=True)
class ToRole:
    """Every active holder of `role` in the office and, when `upward`, in each office above it."""

    office_id: int
    role: str
    upward: bool = True


Audience = ToOfficer | ToRole
# (recipient, their language) -> the message in their words and their office's time zone.
Render = Callable[["Officer", str], list[Reply]]


@dataclass(frozen=True)
class Notify:
    """A message for officers other than the sender; queued once per recipient in the turn's transaction.

    `key` identifies the cause (`alert:KJD-6371-2026-000001`); the runner adds the recipient, so a
    cause never queues the same message twice. `kind` (alert, reminder, digest, notice) picks the
    WhatsApp template outside the 24-hour window, filled with `variables(recipient, lang)`.
    """

    key: str
    kind: str
    to: Audience
    render: Render
    variables: Callable[["Officer", str], dict[str, str]] | None = None
    not_before: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class StartFlow:
    """Open `flow` for an officer (an RSVP, a nihil check-in), its answers prefilled with `params`.

    If the officer is in another flow, it waits (they are told in one line) and opens when that ends.
    """

    key: str
    officer_id: int
    flow: str
    params: dict[str, Any] = field(default_factory=dict)
    kind: str = "notice"
    not_before: datetime | None = None
    expires_at: datetime | None = None


Effect = Notify | StartFlow


@dataclass(frozen=True)
class Tick:
    """Time-driven work derived from the tables: every `every`, `run(session, now)` returns the effects due.

    Effects carry idempotency keys, so a tick that runs twice (a restart, a second process) adds nothing;
    a tick decides itself what is too late to send (`expires_at`).
    """

    name: str
    every: timedelta
    # `run(session, now)`, or with `takes_deps` `run(session, now, deps)`: a tick that writes files or reads a
    # setting (the digest's chart, the monthly PDF, the retention period) is handed them, never reads a global.
    run: Callable[..., list[Effect]]
    takes_deps: bool = False
    # It draws files (a chart, a PDF) through `Deps.draw`: the runner first runs it dry, in a transaction it rolls
    # back, to draw them outside any transaction; the real run then finds them drawn.
    draws: bool = False

    def due(self, session: Session, now: datetime, deps: Deps) -> list[Effect]:
        """Run the tick once: the effects due at `now`."""
        return self.run(session, now, deps) if self.takes_deps else self.run(session, now)


@dataclass(frozen=True)
class Ctx:
    """What a turn knows besides the message: the transaction, the clock, the sender."""

    session: Session
    now: datetime
    lang: str
    channel: str
    address: str
    officer: Officer | None = None
    draft_ttl: timedelta = timedelta(hours=24)
    # The configuration's folders and settings (bot/app.py builds them once and the runner passes them).
    deps: Deps = TEMPORARY
    # Filled by flows and commands (`emit`), queued by the runner in the same transaction.
    effects: list[Effect] = field(default_factory=list)

    def emit(self, *effects: Effect) -> None:
        """Ask for messages to others or started conversations, to be queued with this turn."""
        self.effects.extend(effects)

    @property
    def tz(self) -> ZoneInfo:
        """The sender's office time zone (WIB for an unknown sender)."""
        return ZoneInfo(self.officer.office.tz if self.officer else "Asia/Pontianak")
