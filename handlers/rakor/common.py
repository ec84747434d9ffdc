"""What every part of rakor shares: reminder offsets, local times, institutions, how a person is named."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.localtime import zone_abbreviation
from handlers.parse import Invalid
from handlers.texts import t
from handlers.types import (
    Choice,
    Ctx,
)
from storage.models import (
    Officer,
    Rakor,
    Role,
)

DEFAULT_REMINDERS = "1d@08:00,2h"
# Reminder offsets longer than this are not looked for (a rakor is found by the reminder tick this far ahead).
REMINDER_HORIZON = timedelta(days=31)
LIST_LIMIT = 10
ORGANISERS = frozenset({Role.HEAD, Role.ADMIN})
# Institutions offered for attendance and as agreement owners (typed names are kept as written).
INSTITUTIONS = ("kesbangpol", "kpu", "bawaslu", "tni", "polri", "kejaksaan", "pemda", "fkub")


@dataclass(frozen=True)
class Offset:
    """When a reminder goes: `days` before at a local clock time, or a span before the start."""

    tag: str
    days: int = 0
    at: time | None = None
    before: timedelta = timedelta(0)

    def due(self, starts_at: datetime, tz: ZoneInfo) -> datetime:
        """Return the reminder's moment for a meeting, in the invitee's own zone."""
        if self.at is None:
            return starts_at - self.before
        day = starts_at.astimezone(tz).date() - timedelta(days=self.days)
        return datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)


_OFFSET = re.compile(r"^(\d{1,3})\s*([dhm])(?:@(\d{1,2})[:.](\d{2}))?$")


def parse_offsets(spec: str) -> tuple[Offset, ...]:
    """Read reminder offsets (RAKOR_REMINDERS): `1d@08:00` a day before at 08:00 local, `2h`, `30m`, `1d`.

    >>> [o.tag for o in parse_offsets("1d@8:00, 2h")]
    ['1d@08:00', '2h']
    """
    offsets = []
    for part in filter(None, (p.strip().lower() for p in spec.split(","))):
        m = _OFFSET.match(part)
        if m is None or (m.group(3) is not None and m.group(2) != "d"):
            raise ValueError(f"cannot read reminder offset {part!r}: use e.g. 1d@08:00, 2h or 30m")
        amount, unit = int(m.group(1)), m.group(2)
        if m.group(3) is not None:
            hour, minute = int(m.group(3)), int(m.group(4))
            if hour > 23 or minute > 59:
                raise ValueError(f"cannot read reminder offset {part!r}: the time must be 00:00-23:59")
            offsets.append(Offset(f"{amount}d@{hour:02d}:{minute:02d}", days=amount, at=time(hour, minute)))
        else:
            span = {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]
            if span > REMINDER_HORIZON:
                raise ValueError(f"reminder offset {part!r} is longer than {REMINDER_HORIZON.days} days")
            offsets.append(Offset(f"{amount}{unit}", before=span))
    if not offsets:
        raise ValueError("no reminder offsets given: use e.g. 1d@08:00,2h")
    return tuple(offsets)


def offsets_for(rakor: Rakor) -> tuple[Offset, ...]:
    """Return a rakor's reminder offsets: its own, else its office's, else the default."""
    for spec in (rakor.reminders, rakor.office.rakor_reminders):
        if spec:
            try:
                return parse_offsets(spec)
            except ValueError:
                continue  # stored before validation existed; the next setting applies
    return parse_offsets(DEFAULT_REMINDERS)


def local_when(moment: datetime, tz: str, lang: str) -> str:
    """Render a moment in a zone: `Selasa, 24/11/2026 09:00 WITA`."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{t(f'weekday.{local.weekday()}', lang)}, {local:%d/%m/%Y %H:%M} {zone_abbreviation(tz)}"


def show_date(value: str, ctx: Ctx) -> str:
    """Render an ISO date as 30/11/2026."""
    return f"{date.fromisoformat(value):%d/%m/%Y}"


def show_starts_at(value: str, ctx: Ctx) -> str:
    """Render a meeting time in the sender's zone."""
    return local_when(datetime.fromisoformat(value), ctx.tz.key, ctx.lang)


def institution_label(code_or_name: str, lang: str) -> str:
    """Return the display name of a known institution code, or the typed name."""
    return t(f"institution.{code_or_name}", lang) if code_or_name in INSTITUTIONS else code_or_name


def institution_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer the usual rakor institutions."""
    return tuple(Choice(code, institution_label(code, ctx.lang)) for code in INSTITUTIONS)


def person(officer: Officer) -> str:
    suffix = officer.institution if officer.role == Role.GUEST else officer.office.name
    return f"{officer.name or '#' + str(officer.id)} ({suffix})"


def check_target_time(raw: str, tz: str, now: datetime) -> datetime:
    """Read a CLI meeting time `YYYY-MM-DD HH:MM` in an office's zone; it must lie ahead."""
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(tz))
    except ValueError as exc:
        raise Invalid("error.when") from exc
    if local <= now:
        raise Invalid("error.when_past")
    return local.astimezone(UTC)
