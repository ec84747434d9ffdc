"""Frozen dataclasses `Inbound`, `Reply`, `Choice`, `State`, `Ctx`; no I/O types."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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
class Media:
    """A photo or document: the provider's handle, and our stored copy once downloaded."""

    kind: str
    ref: str
    content_type: str | None = None
    stored_path: str | None = None


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


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    ask_location: bool = False
    # Stamped by the runner, so adapters can word their own buttons and hints in the reader's language.
    lang: str = "id"


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

    def data(self) -> dict[str, Any]:
        """Return the JSON-able part stored in the conversation row."""
        return {
            "answers": self.answers,
            "labels": self.labels,
            "pending": [[c.id, c.label] for c in self.pending],
            "editing": self.editing,
        }

    @classmethod
    def load(cls, flow: str | None, step: str | None, data: dict[str, Any], updated_at: datetime | None) -> State:
        """Rebuild a state from its stored row."""
        return cls(
            flow=flow, step=step, answers=dict(data.get("answers", {})), labels=dict(data.get("labels", {})),
            pending=tuple(Choice(i, label) for i, label in data.get("pending", [])),
            editing=bool(data.get("editing", False)), updated_at=updated_at,
        )

    def at(self, step: str | None, **changes: Any) -> State:
        """Return this state moved to another step, pending choices cleared."""
        return replace(self, step=step, pending=(), **changes)


IDLE = State()


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

    @property
    def tz(self) -> ZoneInfo:
        """The sender's office time zone (WIB for an unknown sender)."""
        return ZoneInfo(self.officer.office.tz if self.officer else "Asia/Pontianak")
