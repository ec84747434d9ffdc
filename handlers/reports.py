"""`/laporan`: heads read their jurisdiction's reports, filtered, or one report in full with its photos."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from handlers import guard
from handlers.alerts import action_choices, category_name
from handlers.feature import READERS, Feature, Rule
from handlers.localtime import local_time
from handlers.texts import t
from handlers.types import Ctx, Media, Reply
from storage import incidents, regions
from storage.models import IncidentReport, ReportStatus, Severity

LIST_LIMIT = 10
# "/laporan tinggi hal 2": the next page of a list.
PAGE = re.compile(r"(?<!\w)(?:hal|halaman|page)\s*(\d{1,3})(?!\w)", re.IGNORECASE)
MAX_PAGE = 100
NUMBER = re.compile(r"^[A-Za-z]{3}-\d{2,4}-\d{4}-\d{6}$")

SEVERITY_WORDS = {"rendah": Severity.RENDAH, "low": Severity.RENDAH, "sedang": Severity.SEDANG,
                  "medium": Severity.SEDANG, "tinggi": Severity.TINGGI, "high": Severity.TINGGI}
STATUS_WORDS = {
    "baru": ReportStatus.BARU, "new": ReportStatus.BARU,
    "terverifikasi": ReportStatus.TERVERIFIKASI, "verified": ReportStatus.TERVERIFIKASI,
    "ditangani": ReportStatus.DITANGANI, "handled": ReportStatus.DITANGANI,
    "selesai": ReportStatus.SELESAI, "closed": ReportStatus.SELESAI,
    "ditolak": ReportStatus.DITOLAK, "rejected": ReportStatus.DITOLAK,
}
DATE_WORDS = {"hari ini": "today", "today": "today", "kemarin": "yesterday", "yesterday": "yesterday",
              "minggu ini": "week", "this week": "week", "7 hari": "7days", "last 7 days": "7days"}


def normalise_number(text: str) -> str | None:
    """Return a report number in its stored form, or None if the text is not one.

    >>> normalise_number("kjd-6371-2026-000001")
    'KJD-6371-2026-000001'
    """
    text = text.strip()
    return text.upper() if NUMBER.match(text) else None


def visible_report(ctx: Ctx, number: str, command: str) -> tuple[IncidentReport | None, list[Reply]]:
    """Return a report the sender's office may see, or a refusal that does not tell whether it exists."""
    assert ctx.officer is not None
    report = incidents.get_report_by_number(ctx.session, number)
    if report is not None and guard.within(ctx.officer.office.region_code, report.kecamatan_code):
        return report, []
    if report is not None:
        guard.refuse(command, ctx, reason="jurisdiction")
    return None, [Reply(t("reports.not_found", ctx.lang, number=number))]


@dataclass
class Filters:
    kecamatan: tuple[str, str] | None = None
    # A province head's kabupaten/kota: (region code, name).
    regency: tuple[str, str] | None = None
    page: int = 1
    category: tuple[int, str] | None = None
    severity: Severity | None = None
    status: ReportStatus | None = None
    period: str | None = None
    labels: list[str] = field(default_factory=list)


def _take(text: str, phrase: str) -> tuple[bool, str]:
    pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")
    if pattern.search(text):
        return True, pattern.sub(" ", text, count=1)
    return False, text


def parse_filters(args: str, ctx: Ctx) -> Filters | str:
    """Read filter words (kecamatan, category, severity, status, a date word); return them or the unread rest."""
    assert ctx.officer is not None
    found = Filters()
    text = " ".join(args.casefold().split())
    page = PAGE.search(text)
    if page is not None:
        found.page = max(1, min(int(page.group(1)), MAX_PAGE))
        text = " ".join(PAGE.sub(" ", text).split())
    for phrase in sorted(DATE_WORDS, key=len, reverse=True):
        hit, text = _take(text, phrase)
        if hit:
            found.period = DATE_WORDS[phrase]
            found.labels.append(t(f"reports.period.{found.period}", ctx.lang))
            break
    aliases: list[tuple[str, Any]] = []
    for c in incidents.list_categories(ctx.session):
        names = {c.code.casefold(), c.name_id.casefold(), c.name_en.casefold()}
        names |= {part.strip().casefold() for name in (c.name_id, c.name_en) for part in name.split("/")}
        names |= {part.strip().casefold() for name in (c.name_id, c.name_en) for part in name.split("&")}
        aliases += [(n, c) for n in names if len(n) >= 4]
    for alias, category in sorted(aliases, key=lambda a: len(a[0]), reverse=True):
        hit, text = _take(text, alias)
        if hit:
            found.category = (category.id, category_name_of(category, ctx.lang))
            found.labels.append(found.category[1])
            break
    for word in text.split():
        if word in SEVERITY_WORDS and found.severity is None:
            found.severity = SEVERITY_WORDS[word]
            found.labels.append(t(f"severity.{found.severity.value}", ctx.lang))
            _, text = _take(text, word)
        elif word in STATUS_WORDS and found.status is None:
            found.status = STATUS_WORDS[word]
            found.labels.append(t(f"status.{found.status.value}", ctx.lang))
            _, text = _take(text, word)
    rest = " ".join(text.split())
    office_code = ctx.officer.office.region_code
    if rest and "." not in office_code:
        regencies = regions.find_regencies(ctx.session, office_code, rest)
        if len(regencies) == 1:
            found.regency = (regencies[0].code, regencies[0].name)
            found.labels.append(regencies[0].name)
            return found
    if rest:
        scope = [office_code]
        matches = regions.find_kecamatan(ctx.session, scope, query=rest, limit=5)
        exact = [(r, p) for r, p in matches if r.name.casefold() == rest]
        matches = exact or matches
        if len(matches) != 1:
            return rest
        found.kecamatan = (matches[0][0].code, matches[0][0].name)
        found.labels.append(matches[0][0].name)
    return found


def category_name_of(category: Any, lang: str) -> str:
    """Return a category's name in a language."""
    return category.name_en if lang == "en" else category.name_id


def period_bounds(period: str | None, ctx: Ctx) -> tuple[datetime | None, datetime | None]:
    """Turn a date word into a UTC range of incident times, using the sender's local calendar."""
    if period is None:
        return None, None
    today = datetime.combine(ctx.now.astimezone(ctx.tz).date(), time(0), ctx.tz)
    if period == "today":
        return today, None
    if period == "yesterday":
        return today - timedelta(days=1), today
    if period == "week":
        return today - timedelta(days=today.weekday()), None
    return ctx.now - timedelta(days=7), None


def line(report: IncidentReport, ctx: Ctx) -> str:
    """One report in one line."""
    assert ctx.officer is not None
    return t("reports.line", ctx.lang, number=report.number,
             when=local_time(report.occurred_at, ctx.officer.office.tz, "%d/%m %H:%M"),
             category=category_name(report, ctx.lang), kecamatan=report.kecamatan.name,
             severity=t(f"severity.{report.severity.value}", ctx.lang),
             status=t(f"status.{report.status.value}", ctx.lang))


def list_reports(args: str, ctx: Ctx) -> list[Reply]:
    """`/laporan [filters]` or `/laporan NUMBER`."""
    assert ctx.officer is not None
    number = normalise_number(args) if args.strip() else None
    if number is not None:
        return show_report(number, ctx)
    filters = parse_filters(args, ctx)
    if isinstance(filters, str):
        return [Reply(t("reports.filter_unknown", ctx.lang, text=filters))]
    since, until = period_bounds(filters.period, ctx)
    found = incidents.find_reports(
        ctx.session, filters.regency[0] if filters.regency else ctx.officer.office.region_code,
        kecamatan_code=filters.kecamatan and filters.kecamatan[0],
        category_id=filters.category and filters.category[0], severity=filters.severity, status=filters.status,
        since=since, until=until, limit=LIST_LIMIT + 1, offset=(filters.page - 1) * LIST_LIMIT, by_incident=True,
    )
    more, found = len(found) > LIST_LIMIT, found[:LIST_LIMIT]
    label = ", ".join(filters.labels) or t("reports.all", ctx.lang)
    if not found:
        return [Reply(t("reports.none", ctx.lang, filters=label))]
    lines = [t("reports.title", ctx.lang, office=ctx.officer.office.name, filters=label, count=len(found)),
             t("reports.columns", ctx.lang)]
    if filters.page > 1:
        lines[0] = t("reports.title.page", ctx.lang, office=ctx.officer.office.name, filters=label,
                     page=filters.page)
    lines += [line(r, ctx) for r in found]
    if more:
        # The same filters, the next page: the words are the sender's own, so they read back as typed.
        words = " ".join(PAGE.sub(" ", " ".join(args.split())).split())
        lines.append(t("reports.next", ctx.lang, command=" ".join(filter(None, ["/laporan", words,
                                                                                 f"hal {filters.page + 1}"]))))
    lines.append(t("reports.more", ctx.lang, example=found[0].number))
    return [Reply("\n".join(lines))]


def show_report(number: str, ctx: Ctx) -> list[Reply]:
    """One report in full, its verification history, then its photos."""
    assert ctx.officer is not None
    report, refusal = visible_report(ctx, number, "laporan")
    if report is None:
        return refusal
    tz = ctx.officer.office.tz
    lang = ctx.lang
    lines = [
        t("reports.full.title", lang, number=report.number, status=t(f"status.{report.status.value}", lang)),
        f"{t('incident.category.field', lang)}: {category_name(report, lang)}",
        f"{t('incident.kecamatan.field', lang)}: {report.kecamatan.name}",
        f"{t('incident.place.field', lang)}: {report.place}",
        f"{t('incident.occurred_at.field', lang)}: {local_time(report.occurred_at, tz)}",
        f"{t('incident.description.field', lang)}: {report.description}",
        f"{t('incident.actors.field', lang)}: {report.actors}",
        f"{t('incident.crowd_size.field', lang)}: {report.crowd_size if report.crowd_size is not None else '-'}",
        f"{t('incident.severity.field', lang)}: {t(f'severity.{report.severity.value}', lang)}",
        f"{t('incident.action_taken.field', lang)}: {report.action_taken}",
    ]
    if report.latitude is not None and report.longitude is not None:
        lines.append(f"{t('incident.location.field', lang)}: {report.latitude:.5f}, {report.longitude:.5f}")
    lines.append(t("reports.full.reporter", lang, reporter=report.reporter.name or "-", office=report.office.name,
                   when=local_time(report.created_at, tz), channel=report.channel))
    for change in incidents.list_status_changes(ctx.session, report.id):
        lines.append(t("reports.full.change", lang, status=t(f"status.{change.to_status.value}", lang),
                       by=change.actor.name or "-", when=local_time(change.at, tz, "%d/%m %H:%M")))
        if change.reason:
            lines.append(t("reports.full.reason", lang, reason=change.reason))
    choices = action_choices(report.number, report.status, lang)[:-1] if ctx.officer.role.value == "head" else ()
    replies = [Reply("\n".join(lines), choices=choices)]
    media = tuple(Media(kind="document" if a.kind == "document" else "photo", ref=a.stored_path.rsplit("/", 1)[-1],
                        content_type=a.content_type, stored_path=a.stored_path)
                  for a in report.attachments if a.stored_path)
    if media:
        replies.append(Reply(t("reports.full.photos", lang, number=report.number, count=len(media)), media=media))
    missing = sum(1 for a in report.attachments if not a.stored_path)
    if missing:
        replies.append(Reply(t("reports.full.photos_missing", lang, count=missing)))
    return replies


REPORT_COMMANDS = {"laporan": list_reports, "reports": list_reports}
FEATURE = Feature("reports", commands=REPORT_COMMANDS, rules={name: Rule(READERS) for name in REPORT_COMMANDS})
