"""Field parsers (`text`, `integer`, `choice`, `when`, `location`, `media`); raise `Invalid(key, **params)`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.localtime import local, local_date
from handlers.types import Choice, Ctx, Inbound


class Invalid(Exception):
    """The answer cannot be used: re-ask with the hint `key`."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def required_text(inbound: Inbound) -> str:
    """Return the message text, stripped; a message without text is invalid.

    >>> required_text(Inbound("console", "a", text="  halo "))
    'halo'
    """
    text = (inbound.text or "").strip()
    if not text:
        raise Invalid("error.text_required")
    return text


def text(min_len: int = 2, max_len: int = 2000) -> Callable[[Inbound, Ctx], str]:
    """Accept free text of a bounded length.

    >>> text(min_len=3)(Inbound("console", "a", text="Pasar Lama"), None)
    'Pasar Lama'
    """

    def parse_text(inbound: Inbound, ctx: Ctx) -> str:
        value = required_text(inbound)
        if len(value) < min_len:
            raise Invalid("error.too_short", min=min_len)
        if len(value) > max_len:
            raise Invalid("error.too_long", max=max_len)
        return value

    return parse_text


_APPROX = re.compile(r"^(?:sekitar|kurang lebih|kira-kira|kira2|kurleb|approx\.?|about|around|±|~|\+-)\s*")
_UNIT = re.compile(r"\s*(?:orang|org|people|persons?|an|-an|\+)$")
_THOUSANDS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:ribu|rb|k)$")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$")


def integer(min_value: int = 0, max_value: int = 10_000_000) -> Callable[[Inbound, Ctx], int]:
    """Accept a whole number, allowing `sekitar 200`, `1.500 orang`, `2 ribu`, `300an`.

    >>> integer()(Inbound("console", "a", text="sekitar 1.500 orang"), None)
    1500
    """

    def parse_integer(inbound: Inbound, ctx: Ctx) -> int:
        value = _UNIT.sub("", _APPROX.sub("", required_text(inbound).lower())).strip()
        if m := _THOUSANDS.match(value):
            number = round(float(m.group(1).replace(",", ".")) * 1000)
        elif value.isdigit():
            number = int(value)
        elif _GROUPED.match(value):
            number = int(re.sub(r"\D", "", value))
        else:
            raise Invalid("error.not_a_number")
        if not min_value <= number <= max_value:
            raise Invalid("error.number_range", min=min_value, max=f"{max_value:,}".replace(",", "."))
        return number

    return parse_integer


_RANGE = re.compile(r"^(\d[\d.,]*)\s*(?:-|–|—|s/?d|sampai|hingga|to)\s*(\d[\d.,]*)$")
# Numbers said as words: the range each stands for.
_AMOUNT_WORDS = {
    "belasan": (11, 19), "puluhan": (20, 90), "ratusan": (100, 900), "ribuan": (1000, 9000),
    "puluhan ribu": (10_000, 90_000), "dozens": (20, 90), "hundreds": (100, 900), "thousands": (1000, 9000),
}


def crowd(max_value: int = 10_000_000) -> Callable[[Inbound, Ctx], int | dict[str, Any]]:
    """Accept a crowd size: a number as `integer` does, or a range or a word kept as written with its midpoint.

    >>> crowd()(Inbound("console", "a", text="200-300 orang"), None)
    {'size': 250, 'text': '200-300 orang'}
    """
    exact = integer(0, max_value)

    def parse_crowd(inbound: Inbound, ctx: Ctx) -> int | dict[str, Any]:
        raw = required_text(inbound)
        said = _APPROX.sub("", raw.lower()).strip()
        word = re.sub(r"\s*(?:orang|org|people|persons?)$", "", said)
        if word in _AMOUNT_WORDS:
            low, high = _AMOUNT_WORDS[word]
        elif m := _RANGE.match(_UNIT.sub("", said).strip()):
            low, high = sorted(_whole(g) for g in m.groups())
        else:
            return exact(inbound, ctx)
        if high > max_value:
            raise Invalid("error.number_range", min=0, max=f"{max_value:,}".replace(",", "."))
        return {"size": (low + high) // 2, "text": raw[:100]}

    return parse_crowd


def _whole(digits: str) -> int:
    return int(re.sub(r"\D", "", digits)) if _GROUPED.match(digits) or digits.isdigit() else int(float(
        digits.replace(",", ".")))


def match_choice(inbound: Inbound, choices: Sequence[Choice]) -> Choice | None:
    """Find the choice a message picks: a button payload, its number, its label or id, or a unique prefix.

    >>> opts = (Choice("rendah", "Rendah"), Choice("tinggi", "Tinggi"))
    >>> match_choice(Inbound("console", "a", text="2"), opts).id
    'tinggi'
    """
    if inbound.choice is not None:
        return next((c for c in choices if c.id == inbound.choice), None)
    typed = (inbound.text or "").strip().casefold()
    if not typed:
        return None
    if typed.isdigit():
        index = int(typed) - 1
        return choices[index] if 0 <= index < len(choices) else None
    for c in choices:
        if typed in (c.label.casefold(), c.id.casefold()):
            return c
    if len(typed) >= 3:
        starts = [c for c in choices if c.label.casefold().startswith(typed)]
        if len(starts) == 1:
            return starts[0]
        # "demo", "sara", "pemilu": the start of any word of a label ("Unjuk rasa / demonstrasi").
        at_word = re.compile(r"(?<!\w)" + re.escape(typed))
        words = [c for c in choices if at_word.search(c.label.casefold())]
        if len(words) == 1:
            return words[0]
    return None


_NOW_WORDS = {"sekarang", "now", "baru saja", "barusan", "just now", "saat ini", "right now"}
_AGO = re.compile(
    r"^(\d+)\s*(menit|mnt|minutes?|mins?|jam|hours?|hrs?|hari|days?)\s*(?:yang\s*)?(?:lalu|ago|yg lalu)$"
)
_AGO_UNITS = {
    **dict.fromkeys(("menit", "mnt", "minute", "minutes", "min", "mins"), "minutes"),
    **dict.fromkeys(("jam", "hour", "hours", "hr", "hrs"), "hours"),
    **dict.fromkeys(("hari", "day", "days"), "days"),
}
_TIME = r"(?:(?:jam|pukul|pkl\.?|at)\s*(\d{1,2})(?:[:.](\d{2}))?|(\d{1,2})[:.](\d{2}))"
_DAY_WORDS = r"(hari ini|today|tadi|kemarin lusa|kemarin|yesterday|besok lusa|besok|tomorrow|lusa)"
_PARTS = r"(pagi|siang|sore|malam|morning|afternoon|evening|night|tonight)"
_RELATIVE_DAY = re.compile(r"^" + _DAY_WORDS + r"?\s*" + _PARTS + r"?\s*" + _TIME + "$")
_DAY_AND_PART = re.compile(r"^" + _DAY_WORDS + r"?\s*" + _PARTS + r"?$")
# A part of the day said without a clock: the example offered when asking for the hour.
_PART_HOUR = {"pagi": 8, "morning": 8, "siang": 12, "afternoon": 14, "sore": 16, "malam": 20, "evening": 19,
              "night": 21, "tonight": 21}
_AFTERNOON = {"sore", "malam", "afternoon", "evening", "night", "tonight"}
_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?(?:\s*,?\s*" + _TIME + ")?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t]" + _TIME + ")?$")
_DAY_ONLY = {"hari ini": 0, "today": 0, "tadi": 0, "kemarin": 1, "yesterday": 1, "kemarin lusa": 2,
             "besok": -1, "tomorrow": -1, "lusa": -2, "besok lusa": -2}
_ZONE_SUFFIX = re.compile(r"\s*(?:wib|wita|wit)$")
# "01/01 08:00" typed on 31 December means next year's date is impossible: it was last year's.
_YEAR_ROLLBACK = timedelta(days=180)


def _clock(groups: Sequence[str | None]) -> tuple[int, int]:
    hour, minute, hour2, minute2 = groups
    return int(hour or hour2 or 0), int(minute or minute2 or 0)


def parse_when_text(raw: str, now_local: datetime) -> datetime:
    """Read an Indonesian or English time expression relative to a local `now`.

    >>> now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    >>> parse_when_text("kemarin 14.30", now).isoformat()
    '2026-11-22T14:30:00+08:00'
    """
    text = _ZONE_SUFFIX.sub("", " ".join(raw.lower().split()))
    if text in _NOW_WORDS:
        return now_local
    if m := _AGO.match(text):
        amount, unit = int(m.group(1)), m.group(2)
        return now_local - timedelta(**{_AGO_UNITS[unit]: amount})
    example = f"{now_local:%d/%m} 14:00"
    if text and (m := _DAY_AND_PART.match(text)):  # "tadi pagi", "kemarin": the day without the hour
        if _DAY_ONLY.get(m.group(1) or "", 0) < 0:
            raise Invalid("error.when_future")  # "besok pagi": whatever the hour, it has not happened
        raise Invalid("error.when_time_missing", example=f"{text} {_PART_HOUR.get(m.group(2) or '', 14):02d}:00")
    if m := _RELATIVE_DAY.match(text):
        day = now_local.date() - timedelta(days=_DAY_ONLY.get(m.group(1) or "", 0))
        hour, minute = _checked_clock(m.groups()[2:])
        if m.group(2) in _AFTERNOON and 1 <= hour < 12:  # "malam 8.00" is eight in the evening
            hour += 12
        return now_local.replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=minute,
                                 second=0, microsecond=0)
    if m := _DATE.match(text):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if m.group(4) is None and m.group(6) is None:
            raise Invalid("error.when_time_missing", example=example)
        hour, minute = _checked_clock(m.groups()[3:])
        full_year = (2000 + int(year) if len(year) == 2 else int(year)) if year else now_local.year
        value = _checked_date(now_local, full_year, month, day, hour, minute)
        if not year and value - now_local > _YEAR_ROLLBACK:
            value = _checked_date(now_local, full_year - 1, month, day, hour, minute)
        return value
    if m := _ISO.match(text):
        if m.group(4) is None and m.group(6) is None:
            raise Invalid("error.when_time_missing", example=example)
        hour, minute = _checked_clock(m.groups()[3:])
        return _checked_date(now_local, int(m.group(1)), int(m.group(2)), int(m.group(3)), hour, minute)
    raise Invalid("error.when")


def _checked_clock(groups: Sequence[str | None]) -> tuple[int, int]:
    hour, minute = _clock(groups)
    if hour > 23 or minute > 59:
        raise Invalid("error.when_clock", clock=f"{hour:02d}:{minute:02d}")
    return hour, minute


def _checked_date(now_local: datetime, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    try:
        return now_local.replace(year=year, month=month, day=day, hour=hour, minute=minute, second=0, microsecond=0)
    except ValueError:  # 31/02, month 13
        raise Invalid("error.when_date", date=f"{day:02d}/{month:02d}/{year}") from None


def when(
    max_future: timedelta = timedelta(minutes=5), max_past: timedelta = timedelta(days=365)
) -> Callable[[Inbound, Ctx], str]:
    """Accept a moment in the sender's office time zone; return it as an ISO UTC string."""

    def parse_when(inbound: Inbound, ctx: Ctx) -> str:
        value = parse_when_text(required_text(inbound), local(ctx.now, ctx.tz))
        if value > ctx.now + max_future:
            raise Invalid("error.when_future")
        if value < ctx.now - max_past:
            raise Invalid("error.when_too_old", days=max_past.days)
        return value.astimezone(UTC).isoformat()

    return parse_when


_COORDS = re.compile(r"(-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)|(-?\d{1,2}\.\d+)\s+(-?\d{1,3}\.\d+)")
# Indonesia's extent with a margin: Sabang to Merauke, Miangas to Rote.
_LAT_RANGE, _LON_RANGE = (-11.5, 6.5), (94.0, 141.5)


def location(inbound: Inbound, ctx: Ctx) -> dict[str, float]:
    """Accept a shared location or typed coordinates (also inside a maps link).

    >>> location(Inbound("console", "a", text="-3.3194, 114.5908"), None)
    {'latitude': -3.3194, 'longitude': 114.5908}
    """
    if inbound.location is not None:
        lat, lon = inbound.location.latitude, inbound.location.longitude
    else:
        m = _COORDS.search(required_text(inbound))
        if m is None:
            raise Invalid("error.location")
        lat, lon = (float(g) for g in (m.group(1, 2) if m.group(1) else m.group(3, 4)))
    if not (_LAT_RANGE[0] <= lat <= _LAT_RANGE[1] and _LON_RANGE[0] <= lon <= _LON_RANGE[1]):
        raise Invalid("error.location_range")
    return {"latitude": lat, "longitude": lon}


def media(inbound: Inbound, ctx: Ctx) -> list[dict[str, Any]]:
    """Accept the photos and documents attached to a message."""
    if not inbound.media:
        raise Invalid("error.media")
    return [
        {"kind": m.kind, "ref": m.ref, "content_type": m.content_type, "stored_path": m.stored_path}
        for m in inbound.media
    ]


def to_local(iso_utc: str, tz: ZoneInfo) -> datetime:
    """Turn a stored ISO UTC answer back into local time."""
    return local(datetime.fromisoformat(iso_utc), tz)


def future_when(max_ahead: timedelta = timedelta(days=366)) -> Callable[[Inbound, Ctx], str]:
    """Accept a coming moment (a meeting) in the sender's office time zone; return it as an ISO UTC string."""

    def parse_future_when(inbound: Inbound, ctx: Ctx) -> str:
        raw = required_text(inbound)
        now_local = local(ctx.now, ctx.tz)
        value = parse_when_text(raw, now_local)
        # "05/01 09:00" typed in December means next January: a meeting's date without a year lies ahead.
        typed = _DATE.match(_ZONE_SUFFIX.sub("", " ".join(raw.lower().split())))
        for _ in range(2):
            # A date a few days back is a mistake to point out, not next year's meeting.
            if value > ctx.now - timedelta(days=30) or typed is None or typed.group(3):
                break
            try:
                value = value.replace(year=value.year + 1)
            except ValueError as exc:  # 29/02
                raise Invalid("error.when") from exc
        if value <= ctx.now:
            raise Invalid("error.when_past")
        if value > ctx.now + max_ahead:
            raise Invalid("error.when_too_far", days=max_ahead.days)
        return value.astimezone(UTC).isoformat()

    return parse_future_when


_IN_DAYS = re.compile(r"^(?:dalam\s+|in\s+)?(\d+)\s*(hari|days?|minggu|pekan|weeks?|bulan|months?)(?:\s+lagi)?$")
_DAYS_PER = {**dict.fromkeys(("hari", "day", "days"), 1), **dict.fromkeys(("minggu", "pekan", "week", "weeks"), 7),
             **dict.fromkeys(("bulan", "month", "months"), 30)}
_DAY_MONTH = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date_ahead(raw: str, today: date) -> date:
    """Read a coming date: 30/11, 30/11/2026, 2026-11-30, besok, lusa, 2 minggu, 10 hari lagi.

    >>> parse_date_ahead("2 minggu", date(2026, 11, 23)).isoformat()
    '2026-12-07'
    """
    text = " ".join(raw.lower().split())
    relative = {"hari ini": 0, "today": 0, "besok": 1, "tomorrow": 1, "lusa": 2, "kemarin": -1, "yesterday": -1}
    if text in relative:
        return today + timedelta(days=relative[text])
    try:
        if m := _IN_DAYS.match(text):
            return today + timedelta(days=int(m.group(1)) * _DAYS_PER[m.group(2)])
        if m := _DAY_MONTH.match(text):
            year = m.group(3)
            full_year = (2000 + int(year) if len(year) == 2 else int(year)) if year else today.year
            value = date(full_year, int(m.group(2)), int(m.group(1)))
            if not year and value < today:
                value = value.replace(year=full_year + 1)
            return value
        if m := _ISO_DATE.match(text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:  # 31/02
        raise Invalid("error.date") from exc
    raise Invalid("error.date")


def due_date(max_ahead: timedelta = timedelta(days=730)) -> Callable[[Inbound, Ctx], str]:
    """Accept a due date from today on, in the sender's office calendar; return it as an ISO date."""

    def parse_due_date(inbound: Inbound, ctx: Ctx) -> str:
        today = local_date(ctx.now, ctx.tz)
        value = parse_date_ahead(required_text(inbound), today)
        if value < today:
            raise Invalid("error.date_past")
        if value > today + max_ahead:
            raise Invalid("error.when_too_far", days=max_ahead.days)
        return value.isoformat()

    return parse_due_date


def past_date(max_past: timedelta = timedelta(days=366)) -> Callable[[Inbound, Ctx], str]:
    """Accept the date of something held already (today, kemarin, 20/11); return it as an ISO date."""

    def parse_past_date(inbound: Inbound, ctx: Ctx) -> str:
        today = local_date(ctx.now, ctx.tz)
        text = " ".join(required_text(inbound).lower().split())
        back = {"hari ini": 0, "today": 0, "tadi": 0, "kemarin": 1, "yesterday": 1, "kemarin lusa": 2}
        if text in back:
            return (today - timedelta(days=back[text])).isoformat()
        value = parse_date_ahead(text, today)
        if value > today and _DAY_MONTH.match(text) and not _DAY_MONTH.match(text).group(3):
            value = value.replace(year=value.year - 1)
        if value > today:
            raise Invalid("error.date_future")
        if value < today - max_past:
            raise Invalid("error.when_too_old", days=max_past.days)
        return value.isoformat()

    return parse_past_date


_SEPARATORS = re.compile(r"[,;\n]+|\s+(?:dan|and|&)\s+")
_NUMBERS = re.compile(r"\d+(?:\s+\d+)+")


def split_items(text: str) -> list[str]:
    """Split a typed list ("1, 3", "1 3 5", "KPU dan TNI") into its items.

    >>> split_items("1 3, Satpol PP dan TNI")
    ['1', '3', 'Satpol PP', 'TNI']
    """
    items: list[str] = []
    for piece in _SEPARATORS.split(text.strip()):
        piece = piece.strip()
        if _NUMBERS.fullmatch(piece):
            items.extend(piece.split())
        elif piece:
            items.append(piece)
    return items
