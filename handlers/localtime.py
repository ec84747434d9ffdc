"""Local time as officers read it: the zone's name (WIB, WITA, WIT), an office's local day, a moment rendered."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from handlers.types import Ctx

# Pontianak (Kalimantan Barat) keeps Jakarta's offset and name.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
# The forms officers read: a moment in messages, the short one of lists where the year goes without saying,
# and a day with and without its year.
DATE_TIME = "%d/%m/%Y %H:%M"
SHORT = "%d/%m %H:%M"
DATE = "%d/%m/%Y"
DAY_MONTH = "%d/%m"


@cache
def zone(tz: str) -> ZoneInfo:
    """Return the zone of an IANA name (looked up once)."""
    return ZoneInfo(tz)


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return zone(tz) if isinstance(tz, str) else tz


def zone_abbreviation(tz: str | ZoneInfo) -> str:
    """Return WIB, WITA or WIT for an IANA zone (the zone itself when it is not Indonesian).

    >>> zone_abbreviation("Asia/Makassar")
    'WITA'
    """
    key = tz if isinstance(tz, str) else tz.key
    return ZONE_NAMES.get(key, key)


def zone_name(ctx: Ctx) -> str:
    """Return WIB, WITA or WIT for the sender's time zone."""
    return zone_abbreviation(ctx.tz)


def local(moment: datetime, tz: str | ZoneInfo) -> datetime:
    """Return a moment on the clock of a zone."""
    return moment.astimezone(_zone(tz))


def local_date(moment: datetime, tz: str | ZoneInfo) -> date:
    """Return the local day a moment falls on in a zone (an office's "today").

    >>> local_date(datetime(2026, 11, 23, 16, 30, tzinfo=UTC), "Asia/Makassar")
    datetime.date(2026, 11, 24)
    """
    return moment.astimezone(_zone(tz)).date()


def at_local(day: date, clock: time, tz: str | ZoneInfo) -> datetime:
    """Return the moment (in UTC) a local clock shows a time on a day.

    >>> at_local(date(2026, 11, 24), time(7, 0), "Asia/Makassar")
    datetime.datetime(2026, 11, 23, 23, 0, tzinfo=datetime.timezone.utc)
    """
    return datetime.combine(day, clock, _zone(tz)).astimezone(UTC)


def day_start(day: date, tz: str | ZoneInfo) -> datetime:
    """Return the UTC moment a local day begins (its midnight)."""
    return at_local(day, time(0), tz)


def day_bounds(day: date, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC moments a local day starts and ends (the next day's midnight)."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


def local_time(moment: datetime, tz: str | ZoneInfo, fmt: str = DATE_TIME) -> str:
    """Render a moment in a zone with its WIB/WITA/WIT name, as officers read it.

    >>> local_time(datetime(2026, 11, 24, 6, 5, tzinfo=UTC), "Asia/Makassar")
    '24/11/2026 14:05 WITA'
    >>> local_time(datetime(2026, 11, 24, 6, 5, tzinfo=UTC), "Asia/Makassar", "%H:%M")
    '14:05 WITA'
    """
    return f"{moment.astimezone(_zone(tz)):{fmt}} {zone_abbreviation(tz)}"


def local_iso(moment: datetime, tz: str | ZoneInfo) -> str:
    """Write a moment as ISO 8601 in a zone, to the second, with the zone's offset (the one form of every output).

    >>> local_iso(datetime(2026, 11, 20, 1, 30, 5, 250, tzinfo=ZoneInfo("UTC")), "Asia/Makassar")
    '2026-11-20T09:30:05+08:00'
    """
    return moment.astimezone(_zone(tz)).isoformat(timespec="seconds")
