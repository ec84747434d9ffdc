"""The daily digest for heads of office: figures from SQL aggregates, a chart, `/ringkasan`, and its scheduled tick."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from handlers import chart, rakor
from handlers.daily import DailyJob, due_offices
from handlers.feature import READERS, Feature, Rule
from handlers.holidays import holiday_name
from handlers.localtime import (
    DATE,
    DAY_MONTH,
    SHORT,
    at_local,
    day_start,
    local,
    local_date,
    local_time,
)
from handlers.texts import LANGUAGES, t
from handlers.types import Ctx, Effect, Media, Notify, Reply, Tick, ToRole
from storage import checkins, digest, incidents, outbox, people
from storage.db import Session
from storage.models import Office, Officer, RegionLevel, Role, Severity

WINDOW = timedelta(hours=24)
BASELINE_DAYS = 7
CHART_DAYS = 7
TINGGI_LINES = 20
STALE_LINES = 5
# Twilio's WhatsApp body limit is 1600 characters, Telegram's 4096: one limit that fits both.
MESSAGE_LIMIT = 1500
# A digest later than this (local time) is not sent at all: the day's work has begun without it.
SEND_UNTIL = time(12, 0)

# Sections other features add to the digest: upcoming rakor in 7 days and agreements overdue or due this
# week. Each gets the session, the office, the digest's end and a language, and returns lines (the first
# one a heading), or none to stay out.
SectionProvider = Callable[[Session, Office, datetime, str], list[str]]


def undelivered_lines(session: Session, office: Office, end: datetime, lang: str) -> list[str]:
    """Alerts of the 24 hours that could not reach one of the office's heads (WhatsApp, outside its window)."""
    lines = []
    for row in outbox.list_undelivered(session, "alert", end - WINDOW, end):
        identity = people.get_identity(session, row.channel, row.address)
        if identity is None or identity.officer.office_id != office.id:
            continue
        number = row.idempotency_key.split(":")[1]
        lines.append(t("digest.undelivered.line", lang, number=number,
                       name=identity.officer.name or f"#{identity.officer.id}", channel=row.channel))
    return [t("digest.undelivered", lang, count=len(lines)), *lines] if lines else []


DIGEST_SECTIONS: tuple[SectionProvider, ...] = (undelivered_lines, rakor.digest_lines)


@dataclass(frozen=True)
class Figure:
    """One count in the window and its 7-day average before it."""

    name: dict[str, str]
    count: int
    baseline: int

    @property
    def average(self) -> float:
        return self.baseline / BASELINE_DAYS


@dataclass(frozen=True)
class OfficeLine:
    name: str
    total: int
    tinggi: int
    stale: int
    silent: int


@dataclass
class Digest:
    """Everything a digest says, gathered once; rendered per recipient language."""

    office_name: str
    tz: str
    end: datetime
    total: Figure
    severities: list[Figure]
    categories: list[Figure]
    tinggi: list[dict[str, str]]
    top_kecamatan: list[tuple[str, int]]
    stale_count: int
    stale_numbers: list[str]
    compliance_day: date
    holiday: dict[str, str] | None
    silent_officers: list[str]
    silent_offices: list[str]
    rollup: list[OfficeLine] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)
    chart_days: list[date] = field(default_factory=list)
    chart_series: list[tuple[dict[str, str], list[int]]] = field(default_factory=list)
    chart_path: str | None = None


def gather(session: Session, office: Office, end: datetime, *, with_chart: bool = True) -> Digest:
    """Collect an office's digest for the 24 hours before `end`."""
    tz = office.tz
    region = office.region_code
    start = end - WINDOW
    categories = incidents.list_categories(session)
    by_severity = digest.count_by_severity(session, region, start, end)
    by_category = digest.count_by_category(session, region, start, end)
    severities = [Figure({lang: t(f"severity.{s.value}", lang) for lang in LANGUAGES}, *by_severity.get(s, (0, 0)))
                  for s in (Severity.TINGGI, Severity.SEDANG, Severity.RENDAH)]
    total = Figure({}, sum(f.count for f in severities), sum(f.baseline for f in severities))
    names = {c.id: {"id": c.name_id, "en": c.name_en} for c in categories}
    category_figures = sorted(
        (Figure(names[cid], *counts) for cid, counts in by_category.items() if cid in names),
        key=lambda f: (-f.count, -f.baseline, f.name["id"]),
    )
    # Reports received in the window (a late one is never missed), each shown at the time it happened.
    tinggi = [
        {"number": r.number, "when": local_time(r.occurred_at, tz, SHORT), "id": r.category.name_id,
         "en": r.category.name_en, "kecamatan": r.kecamatan.name, "status": r.status.value}
        for r in incidents.find_reports(session, region, severity=Severity.TINGGI, since=start, until=end,
                                        limit=TINGGI_LINES, include_rejected=False)
    ]
    today = local_date(end, tz)
    day = today - timedelta(days=1)
    day_from, day_to = day_start(day, tz), day_start(today, tz)
    holiday = {lang: name for lang in LANGUAGES if (name := holiday_name(day, lang))} or None
    province = office.region.level is RegionLevel.PROVINCE
    silent_officers: list[str] = []
    silent_offices: list[str] = []
    silent_below: dict[str, list[str]] = {}
    if holiday is None:
        silent_officers = [o.name or f"#{o.id}" for o in checkins.list_silent_officers(
            session, office.id, day_from, day_to, day)]
        if province:
            silent_offices = [o.name for o in checkins.list_silent_offices(session, region, day_from, day_to, day)]
            # The compliance line speaks of the whole province, as the kab/kota lines do: their silent
            # officers are named with their office.
            for below in people.list_offices_below(session, region):
                silent_below[below.region_code] = [
                    f"{o.name or '#' + str(o.id)} ({below.name})"
                    for o in checkins.list_silent_officers(session, below.id, day_from, day_to, day)]
                silent_officers += silent_below[below.region_code]
    found = Digest(
        office_name=office.name, tz=office.tz, end=end, total=total, severities=severities,
        categories=category_figures, tinggi=tinggi,
        top_kecamatan=[(name, n) for _, name, n in digest.top_kecamatan(session, region, start, end)],
        stale_count=digest.count_stale(session, region, start),
        stale_numbers=[r.number for r in digest.list_stale(session, region, start, STALE_LINES)],
        compliance_day=day, holiday=holiday, silent_officers=silent_officers, silent_offices=silent_offices,
    )
    if province:
        per_regency = digest.rollup(session, region, start, end, start)
        for below in people.list_offices_below(session, region):
            total_n, tinggi_n, stale_n = per_regency.get(below.region_code, (0, 0, 0))
            silent = len(silent_below.get(below.region_code, []))
            found.rollup.append(OfficeLine(below.name, total_n, tinggi_n, stale_n, silent))
    found.extra = {lang: [line for provider in DIGEST_SECTIONS for line in provider(session, office, end, lang)]
                   for lang in LANGUAGES}
    # The chart ends at the digest's moment: today's bar holds what happened since midnight, so the
    # last 24 hours counted above show in it.
    found.chart_days = [today - timedelta(days=CHART_DAYS - 1 - n) for n in range(CHART_DAYS)]
    bounds = [day_start(d, tz) for d in found.chart_days] + [end]
    per_day = digest.count_per_day(session, region, bounds, filed_before=end)
    found.chart_series = [(names[c.id], per_day[c.id]) for c in categories if c.id in per_day]
    if with_chart:
        found.chart_path = str(chart.save_chart(chart_png(found, "id")))
    return found


def chart_png(found: Digest, lang: str) -> bytes:
    """Draw the digest's chart: incidents per day by category over the last full days."""
    series = [(name.get(lang, name["id"]), counts) for name, counts in found.chart_series]
    return chart.render_chart(found.chart_days, series, t("digest.chart.title", lang, office=found.office_name),
                              t("digest.chart.ylabel", lang))


def _number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "id" else text


def _figure(f: Figure, lang: str) -> str:
    """A count beside the daily average of the 7 windows before it, and the change in words."""
    change = f.count - f.average
    if round(change, 1) == 0:
        words = t("digest.change.same", lang)
    else:
        words = t("digest.change.up" if change > 0 else "digest.change.down", lang, by=_number(abs(change), lang))
    return t("digest.figure", lang, count=f.count, average=_number(f.average, lang), change=words)


def render_lines(found: Digest, lang: str) -> list[list[str]]:
    """Return the digest as sections of lines in a language."""
    sections: list[list[str]] = [[
        t("digest.title", lang, office=found.office_name, when=local_time(found.end, found.tz)),
        t("digest.total", lang, figure=_figure(found.total, lang)),
    ]]
    sections.append([t("digest.severity", lang)] + [f"- {f.name[lang]}: {_figure(f, lang)}" for f in found.severities])
    if found.categories:
        sections.append([t("digest.category", lang)]
                        + [f"- {f.name.get(lang, f.name['id'])}: {_figure(f, lang)}" for f in found.categories])
    if found.tinggi:
        sections.append([t("digest.tinggi", lang)] + [
            t("digest.tinggi.line", lang, number=r["number"], when=r["when"], category=r[lang if lang in r else "id"],
              kecamatan=r["kecamatan"], status=t(f"status.{r['status']}", lang)) for r in found.tinggi])
    if found.top_kecamatan:
        busiest = ", ".join(f"{name} ({n})" for name, n in found.top_kecamatan)
        sections.append([t("digest.top", lang, kecamatan=busiest)])
    stale = [t("digest.stale", lang, count=found.stale_count)]
    if found.stale_numbers:
        stale.append(", ".join(found.stale_numbers) + (" …" if found.stale_count > len(found.stale_numbers) else ""))
    sections.append(stale)
    if found.rollup:
        sections.append([t("digest.rollup", lang)] + [
            t("digest.rollup.line", lang, office=o.name, total=o.total, tinggi=o.tinggi, stale=o.stale, silent=o.silent)
            for o in found.rollup])
    day = f"{found.compliance_day:{DAY_MONTH}}"
    if found.holiday is not None:
        sections.append([t("digest.compliance.holiday", lang, day=day, holiday=found.holiday.get(lang, ""))])
    else:
        compliance = [t("digest.compliance", lang, day=day)]
        compliance.append(t("digest.compliance.officers", lang, names=", ".join(found.silent_officers))
                          if found.silent_officers else t("digest.compliance.officers_none", lang))
        if found.silent_offices:
            compliance.append(t("digest.compliance.offices", lang, names=", ".join(found.silent_offices)))
        sections.append(compliance)
    if found.extra.get(lang):
        sections.append(found.extra[lang])
    return sections


def split(sections: list[list[str]], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack sections into messages under `limit` characters, cutting between sections (or lines) only."""
    messages: list[str] = []
    current = ""
    for lines in sections:
        for piece in ["\n".join(lines)] if len("\n".join(lines)) <= limit else lines:
            piece = piece[:limit]
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) > limit:
                messages.append(current)
                current = piece
            else:
                current = candidate
    if current:
        messages.append(current)
    return messages


def render(found: Digest, lang: str) -> list[Reply]:
    """The digest as messages in a language, the chart last with a short caption."""
    replies = [Reply(text) for text in split(render_lines(found, lang))]
    if found.chart_path:
        media = Media(kind="photo", ref=f"ringkasan-{local(found.end, found.tz):%Y%m%d}.png",
                      content_type="image/png", stored_path=found.chart_path)
        when = local_time(found.end, found.tz, SHORT)
        replies.append(Reply(t("digest.chart.caption", lang, office=found.office_name, when=when), media=(media,)))
    return replies


def digest_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/ringkasan`: the sender's office digest for the last 24 hours, now."""
    assert ctx.officer is not None
    return render(gather(ctx.session, ctx.officer.office, ctx.now), ctx.lang)


def requested_end(office: Office, day: date | None, now: datetime) -> datetime:
    """When a digest asked for by hand (`siaga digest`) ends: now for today, so an afternoon `--send` tells the
    afternoon (not the morning's snapshot beside live rakor lines); a given other day's ends at its digest time."""
    if day is None or day == local_date(now, office.tz):
        return now
    return at_local(day, office.digest_time, office.tz)


def digest_notify(found: Digest, office: Office, local_day: date, expires_at: datetime | None) -> Notify:
    """The scheduled digest for an office's heads."""

    def render_for(recipient: Officer, lang: str) -> list[Reply]:
        return render(found, lang)

    def variables(recipient: Officer, lang: str) -> dict[str, str]:
        return {"1": found.office_name, "2": f"{local_day:{DATE}}", "3": str(found.total.count),
                "4": str(found.severities[0].count)}

    return Notify(key=f"digest:{office.id}:{local_day.isoformat()}", kind="digest",
                  to=ToRole(office.id, Role.HEAD.value, upward=False), render=render_for, variables=variables,
                  expires_at=expires_at)


def _digest_due(office: Office, day: date) -> datetime | None:
    if not office.digest_on_holidays and holiday_name(day) is not None:
        return None
    return at_local(day, office.digest_time, office.tz)


def _digest_until(office: Office, due: datetime) -> datetime:
    return max(at_local(local_date(due, office.tz), SEND_UNTIL, office.tz), due + timedelta(hours=1))


# From the office's digest time until its noon (at least an hour), holidays only where the office says so.
DIGEST_DAILY = DailyJob("digest", _digest_due, _digest_until)


def run_digests(session: Session, now: datetime) -> list[Effect]:
    """Every office whose local digest time has come today (and whose noon has not): its digest, once."""
    effects: list[Effect] = []
    for run in due_offices(session, DIGEST_DAILY, people.list_offices(session), now):
        # The figures end at the digest time, not at the tick, so a late tick tells the same story.
        found = gather(session, run.office, run.at)
        effects.append(digest_notify(found, run.office, run.day, run.until))
    return effects


DIGEST_TICK = Tick(name="digest", every=timedelta(minutes=1), run=run_digests)
DIGEST_COMMANDS = {"ringkasan": digest_command, "digest": digest_command}

FEATURE = Feature("digest", commands=DIGEST_COMMANDS, ticks=(DIGEST_TICK,), digest_sections=(undelivered_lines,),
                  rules={name: Rule(READERS) for name in DIGEST_COMMANDS})
