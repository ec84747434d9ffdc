"""Peta rawan konflik's data: the per-kecamatan vulnerability index, its explanation, windows and months.

Below everything that shows it (`handlers.rawan`'s `/rawan` and monthly tick, `handlers.rawan_map`,
`handlers.monthly_report`), which all import from here and not from each other.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.texts import t
from storage import people, rawan, regions
from storage.db import Session
from storage.models import Office, Severity


# The formula (README, "Peta rawan konflik"): every number below is part of it.
WEIGHTS = {"rendah": 1.0, "sedang": 3.0, "tinggi": 6.0}
# Reports of one kecamatan and category at most this far apart are one event, counted once.
SAME_EVENT_GAP = timedelta(hours=6)
# An event's weight decays linearly from 1 at the window's end to this at its start.
DECAY_FLOOR = 0.25
# score = 100 × R / (R + HALF_SCORE): R = 6 (one fresh tinggi event) scores 50.
HALF_SCORE = 6.0
BANDS = (("rendah", 33.0), ("sedang", 66.0), ("tinggi", float("inf")))
DEFAULT_WINDOW = timedelta(days=30)

_WINDOW = re.compile(r"^(?:(?:last|terakhir)\s+)?(\d{1,3})\s*(d|h|jam|hours?|hari|days?|w|minggu|weeks?)?"
                     r"(?:\s+(?:terakhir|last))?$")


def score_of(raw: float) -> float:
    """Map the weighted event sum R to 0–100.

    >>> round(score_of(12.0), 1)
    66.7
    """
    return 100.0 * raw / (raw + HALF_SCORE) if raw > 0 else 0.0


def score_text(score: float | None) -> str:
    """Show a score by Siaga's one rule: a whole number rounded down, so it never names a higher band than its
    own; empty for a kecamatan without reports. Every table, file, map, PDF and chat line uses this.

    >>> score_text(65.97), score_text(33.0), score_text(32.99), score_text(None)
    ('65', '33', '32', '')
    """
    return "" if score is None else str(math.floor(score))


def band_of(score: float) -> str:
    """Name the band of an unrounded score: rendah below 33, sedang below 66, else tinggi.

    >>> band_of(32.99), band_of(33.0), band_of(65.97), band_of(66.0)
    ('rendah', 'sedang', 'sedang', 'tinggi')
    """
    return next(name for name, upper in BANDS if score < upper)


def number_text(value: float, places: int, lang: str) -> str:
    """Write a decimal number with the language's decimal separator.

    >>> number_text(8.371875, 4, "id"), number_text(8.371875, 4, "en")
    ('8,3719', '8.3719')
    """
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if lang == "id" else text


def parse_window(text: str) -> timedelta:
    """Read a window such as `30d`, `7 hari`, `2 minggu`, `30 hari terakhir` or `48 jam` (1 hour to 366 days);
    raise ValueError otherwise.

    >>> parse_window("30d")
    datetime.timedelta(days=30)
    """
    m = _WINDOW.match(text.strip().lower())
    if m is None:
        raise ValueError(text)
    amount, unit = int(m.group(1)), m.group(2) or "d"
    if unit in ("h", "jam", "hour", "hours"):
        window = timedelta(hours=amount)
    elif unit in ("w", "minggu", "week", "weeks"):
        window = timedelta(weeks=amount)
    else:
        window = timedelta(days=amount)
    if not timedelta(hours=1) <= window <= timedelta(days=366):
        raise ValueError(text)
    return window


@dataclass(frozen=True)
class KecamatanScore:
    """One kecamatan's index over a window, as every output shows it (maps, files, PDF, chat, the web view)."""

    code: str
    name: str
    kabkota: str
    kabkota_code: str
    # None when no report of the kecamatan falls in the window ("tanpa laporan"): hearing nothing is not
    # knowing it is calm, so such a kecamatan has no score, no band and no rank.
    score: float | None
    band: str | None
    raw: float = 0.0
    events: int = 0
    reports: int = 0
    rendah: int = 0
    sedang: int = 0
    tinggi: int = 0
    # Whether the kecamatan's kabupaten/kota has a Siaga office (a province sees where it has none: it is blind there).
    office: bool = True

    @property
    def shown(self) -> str:
        """Return the score as printed everywhere (rounded down; empty without reports)."""
        return score_text(self.score)


def vulnerability(session: Session, scope: str, start: datetime, end: datetime) -> list[KecamatanScore]:
    """Score every kecamatan of a region over [start, end): scored ones highest first, then those without reports."""
    found = {a.kecamatan_code: a for a in rawan.kecamatan_aggregates(
        session, scope, start, end, weights=WEIGHTS, gap=SAME_EVENT_GAP, floor=DECAY_FLOOR)}
    covered = {scope, *(o.region_code for o in people.list_offices_below(session, scope))}
    scores = []
    for region, kabkota in regions.find_kecamatan(session, [scope], limit=10_000):
        a = found.get(region.code)
        office = region.parent_code in covered
        if a is None:
            scores.append(KecamatanScore(region.code, region.name, kabkota, region.parent_code, None, None,
                                         office=office))
            continue
        # SQLite's julianday leaves float noise around 1e-11; six decimals keep explain and table equal.
        raw = round(a.raw, 6)
        score = score_of(raw)
        scores.append(KecamatanScore(region.code, region.name, kabkota, region.parent_code, score, band_of(score), raw,
                                     a.events, a.reports, a.rendah, a.sedang, a.tinggi, office))
    return sorted(scores, key=lambda s: (s.score is None, -(s.score or 0.0), s.name, s.code))


@dataclass(frozen=True)
class ExplainedReport:
    number: str
    occurred_at: datetime
    category: str
    severity: str
    weight: float
    counted: bool


@dataclass(frozen=True)
class ExplainedEvent:
    category: str
    reports: list[ExplainedReport]
    weight: float
    last_at: datetime
    age_days: float
    decay: float
    contribution: float


@dataclass(frozen=True)
class Explanation:
    kecamatan: str
    name: str
    start: datetime
    end: datetime
    events: list[ExplainedEvent] = field(default_factory=list)

    @property
    def raw(self) -> float:
        """Return R, the sum of the events' contributions (to six decimals, as the index keeps it)."""
        return round(sum(e.contribution for e in self.events), 6)

    @property
    def score(self) -> float | None:
        """Return the kecamatan's score; None without reports."""
        return score_of(self.raw) if self.events else None


def explain(session: Session, kecamatan_code: str, name: str, start: datetime, end: datetime,
            lang: str = "id") -> Explanation:
    """Trace a kecamatan's score to its reports: each event, its weight, decay and contribution."""
    rows = rawan.list_window_reports(session, kecamatan_code, start, end, weights=WEIGHTS, gap=SAME_EVENT_GAP)
    grouped: dict[tuple[str, int], list[rawan.WindowReport]] = {}
    for row in rows:
        grouped.setdefault((row.category_code, row.event), []).append(row)
    span = (end - start).total_seconds()
    events = []
    for members in grouped.values():
        weight = max(WEIGHTS[m.severity.value] for m in members)
        heaviest = next(m for m in members if WEIGHTS[m.severity.value] == weight)
        last = max(m.occurred_at for m in members)
        age = (end - last).total_seconds()
        decay = 1.0 - (1.0 - DECAY_FLOOR) * age / span
        category = members[0].category_en if lang == "en" else members[0].category_id
        explained = [ExplainedReport(m.number, m.occurred_at, category, m.severity.value, WEIGHTS[m.severity.value],
                                     m is heaviest) for m in members]
        events.append(ExplainedEvent(category, explained, weight, last, age / 86400, decay, weight * decay))
    events.sort(key=lambda e: e.last_at)
    return Explanation(kecamatan_code, name, start, end, events)


def apportion(values: list[float], places: int) -> list[float]:
    """Round terms so that, shown to `places` decimals, they add up to their sum rounded the same way.

    Each term moves by less than one unit of the last place (largest remainders round up).

    >>> apportion([0.33334, 0.33334, 0.33334], 4)  # rounded one by one they would add up to 0.9999
    [0.3334, 0.3333, 0.3333]
    """
    unit = 10 ** places
    scaled = [v * unit for v in values]
    floors = [math.floor(x) for x in scaled]
    extra = round(sum(scaled)) - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: (floors[i] - scaled[i], i))
    up = set(by_remainder[:max(0, min(extra, len(values)))])
    return [(floors[i] + (i in up)) / unit for i in range(len(values))]


def explanation_lines(x: Explanation, tz: str, lang: str) -> list[str]:
    """Write how a kecamatan's score follows from its reports, in the reader's language and the office's zone."""
    from handlers.localtime import zone_abbreviation

    zone = ZoneInfo(tz)

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%d/%m/%Y %H:%M}"

    days = (x.end - x.start).total_seconds() / 86400
    lines = [
        t("rawan.explain.head", lang, name=x.name, code=x.kecamatan, start=local(x.start), end=local(x.end),
          zone=zone_abbreviation(tz), days=f"{days:g}"),
        t("rawan.explain.rule", lang, weights=", ".join(f"{t(f'severity.{k}', lang)} {v:g}" for k, v in WEIGHTS.items()),
          hours=f"{SAME_EVENT_GAP.total_seconds() / 3600:g}", fall=number_text(1 - DECAY_FLOOR, 2, lang), days=f"{days:g}"),
    ]
    if not x.events:
        return [*lines, t("rawan.explain.none", lang)]
    shown = apportion([e.contribution for e in x.events], 4)
    for i, (e, contribution) in enumerate(zip(x.events, shown, strict=True), start=1):
        lines.append(t("rawan.explain.event", lang, n=i, category=e.category))
        for r in e.reports:
            lines.append(t("rawan.explain.report", lang, number=r.number, when=local(r.occurred_at),
                           severity=t(f"severity.{r.severity}", lang), weight=f"{r.weight:g}",
                           note=t("rawan.explain.counted" if r.counted else "rawan.explain.same_event", lang)))
        lines.append(t("rawan.explain.contribution", lang, weight=f"{e.weight:g}", decay=number_text(e.decay, 6, lang),
                       age=number_text(e.age_days, 2, lang), contribution=number_text(contribution, 4, lang)))
    raw = number_text(x.raw, 4, lang)
    lines.append(f"R = {' + '.join(number_text(c, 4, lang) for c in shown)} = {raw}")
    assert x.score is not None
    lines.append(t("rawan.explain.score", lang, raw=raw, half=f"{HALF_SCORE:g}", score=score_text(x.score),
                   band=t(f"rawan.band.{band_of(x.score)}", lang)))
    return lines


# -- what the map and the PDF show -----------------------------------------------------------------


@dataclass(frozen=True)
class RawanData:
    """Everything a map or a report needs, gathered in one transaction, so rendering needs no database."""

    scope: str
    office_name: str
    region_name: str
    tz: str
    start: datetime
    end: datetime
    scores: list[KecamatanScore]
    points: list[rawan.MapPoint]
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_severity: list[tuple[str, int]] = field(default_factory=list)
    tinggi: list[rawan.ReportDigest] = field(default_factory=list)

    @property
    def reports(self) -> int:
        """Return the number of reports in the window."""
        return sum(s.reports for s in self.scores)

    @property
    def scored(self) -> list[KecamatanScore]:
        """Return the kecamatan with reports in the window, highest score first."""
        return [s for s in self.scores if s.score is not None]

    @property
    def without_reports(self) -> list[KecamatanScore]:
        """Return the kecamatan without any report in the window ("tanpa laporan"), by name."""
        return [s for s in self.scores if s.score is None]

    def band_count(self, band: str) -> int:
        """Count the kecamatan of a band."""
        return sum(1 for s in self.scores if s.band == band)

    @property
    def blind(self) -> list[tuple[str, str]]:
        """Return the kabupaten/kota (code, name) of the jurisdiction that have no Siaga office, by code."""
        return sorted({(s.kabkota_code, s.kabkota) for s in self.scores if not s.office})


def gather(session: Session, office: Office, start: datetime, end: datetime, *, full: bool = False) -> RawanData:
    """Collect the scores and report points of an office's jurisdiction (and, when `full`, the report's tables)."""
    scope = office.region_code
    region = regions.get_region(session, scope)
    data = RawanData(
        scope=scope, office_name=office.name, region_name=region.name if region else scope, tz=office.tz,
        start=start, end=end, scores=vulnerability(session, scope, start, end),
        points=rawan.list_points(session, scope, start, end),
    )
    if not full:
        return data
    return replace(
        data, by_category=rawan.count_by(session, scope, start, end, "category"),
        by_severity=rawan.count_by(session, scope, start, end, "severity"),
        tinggi=rawan.list_reports_of_severity(session, scope, start, end, Severity.TINGGI),
    )


def period_text(data: RawanData, lang: str) -> str:
    """Render the window in the office's zone, e.g. `24/10/2026 – 23/11/2026`."""
    tz = ZoneInfo(data.tz)
    # The window ends just before `end`: the last whole day shown is the one containing end - 1 µs.
    last = (data.end - timedelta(microseconds=1)).astimezone(tz)
    return t("rawan.period", lang, start=f"{data.start.astimezone(tz):%d/%m/%Y}", end=f"{last:%d/%m/%Y}")


def month_window(month: str, tz: str) -> tuple[datetime, datetime]:
    """Return the UTC bounds of a calendar month (`YYYY-MM`) in an office's zone; raise ValueError if malformed.

    >>> [d.isoformat() for d in month_window("2026-10", "Asia/Makassar")]
    ['2026-09-30T16:00:00+00:00', '2026-10-31T16:00:00+00:00']
    """
    if not re.fullmatch(r"\d{4}-\d{2}", month):
        raise ValueError(month)
    year, number = int(month[:4]), int(month[5:])
    zone = ZoneInfo(tz)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def previous_month(local: datetime) -> str:
    """Return `YYYY-MM` of the month before a local date.

    >>> previous_month(datetime(2026, 1, 5))
    '2025-12'
    """
    first = local.replace(day=1)
    return f"{(first - timedelta(days=1)):%Y-%m}"
