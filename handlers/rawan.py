"""Peta rawan konflik in chat: `/rawan` and the monthly report up the tree (the index itself: `handlers.rawan_data`)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.daily import DailyJob, due_offices
from handlers.feature import Feature, Rule
from handlers.localtime import at_local, day_start, local, local_date

# The index and its data live in handlers.rawan_data; callers that know them as `rawan.X` (the CLI, the web
# view, exports, benches, tests) keep doing so.
from handlers.rawan_data import (  # noqa: F401
    BANDS,
    DECAY_FLOOR,
    DEFAULT_WINDOW,
    HALF_SCORE,
    SAME_EVENT_GAP,
    WEIGHTS,
    ExplainedEvent,
    ExplainedReport,
    Explanation,
    KecamatanScore,
    RawanData,
    apportion,
    band_of,
    explain,
    explanation_lines,
    gather,
    month_window,
    number_text,
    parse_window,
    period_text,
    previous_month,
    score_of,
    score_text,
    vulnerability,
)
from handlers.texts import t
from handlers.types import Ctx, Effect, Media, Notify, Reply, Tick, ToRole
from storage import rawan
from storage.db import Session
from storage.models import Office, Officer, Role

if TYPE_CHECKING:
    from handlers.monthly_report import MonthlyReport


TOP_IN_CHAT = 5
# Where rendered maps and PDFs are written; bot/app.py points it into the attachments folder.
OUTPUT_DIR = Path(tempfile.gettempdir()) / "siaga-generated"


def output_path(name: str) -> Path:
    """Return where a generated file goes, creating the folder."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR / name


# -- /rawan in chat --------------------------------------------------------------------------------

ALLOWED_ROLES = (Role.HEAD, Role.ADMIN)


def rawan_command(args: str, ctx: Ctx) -> list[Reply]:
    """Answer a head or admin with the most vulnerable kecamatan and the map of the office's jurisdiction."""
    assert ctx.officer is not None
    if ctx.officer.role not in ALLOWED_ROLES:
        return [Reply(t("rawan.not_allowed", ctx.lang))]
    try:
        window = parse_window(args) if args.strip() else DEFAULT_WINDOW
    except ValueError:
        return [Reply(t("rawan.window_bad", ctx.lang))]
    data = gather(ctx.session, ctx.officer.office, ctx.now - window, ctx.now)
    lines = [t("rawan.title", ctx.lang, region=data.region_name, period=period_text(data, ctx.lang))]
    for rank, s in enumerate(data.scored[:TOP_IN_CHAT], start=1):
        lines.append(t("rawan.line", ctx.lang, rank=rank, kecamatan=s.name, score=s.shown,
                       band=t(f"rawan.band.{s.band}", ctx.lang), reports=s.reports))
    if not data.scored:
        lines.append(t("rawan.none", ctx.lang))
    if data.without_reports:
        lines.append(t("rawan.unheard", ctx.lang, count=len(data.without_reports), total=len(data.scores)))
    if data.blind:
        lines.append(t("rawan.blind", ctx.lang, count=len(data.blind), names=", ".join(n for _, n in data.blind)))
    stamp = f"{local(ctx.now, ctx.tz):%Y%m%d-%H%M}"
    path = output_path(f"peta-rawan-{data.scope.replace('.', '')}-{stamp}-{ctx.lang}.png")
    map_png = Media("photo", "peta-rawan.png", "image/png", str(path), draw=partial(draw_map, data, ctx.lang, path))
    return [Reply("\n".join(lines), media=(map_png,))]


def draw_map(data: RawanData, lang: str, path: Path) -> None:
    """Draw the /rawan map to `path` (the runner calls this after the turn commits)."""
    from handlers import rawan_map  # matplotlib and the boundaries load only when a map is drawn

    rawan_map.draw_map(data, lang, path)


COMMANDS = {"rawan": rawan_command}


# -- the monthly report up the tree ----------------------------------------------------------------


def report_notice(office: Office, report: MonthlyReport) -> Notify:
    """Build the notice that brings a month's PDF to the office's heads and the heads above it."""
    from handlers import monthly_report

    made: dict[str, Path] = {}

    def render(recipient: Officer, lang: str) -> list[Reply]:
        if lang not in made:
            path = output_path(f"peta-rawan-{report.current.scope.replace('.', '')}-{report.month}-{lang}.pdf")
            monthly_report.write_report(report, lang, path)
            made[lang] = path
        media = Media("document", monthly_report.file_name(report), "application/pdf", str(made[lang]))
        return [Reply(monthly_report.caption(report, lang), media=(media,))]

    def variables(recipient: Officer, lang: str) -> dict[str, str]:
        return {"1": report.current.region_name, "2": report.month}

    return Notify(key=f"rawan-report:{office.id}:{report.month}", kind="digest",
                  to=ToRole(office.id, Role.HEAD.value, upward=True), render=render, variables=variables)


def _report_due(office: Office, today: date) -> datetime:
    day = min(max(office.rawan_report_day or 1, 1), 28)
    return at_local(today.replace(day=day), office.digest_time, office.tz)


def _month_end(office: Office, due: datetime) -> datetime:
    first = local_date(due, office.tz).replace(day=1)
    return day_start((first + timedelta(days=31)).replace(day=1), office.tz)


# On the report day after the digest time, or later that month if the process was down; once per month.
REPORT_MONTHLY = DailyJob("rawan-report", _report_due, _month_end, period=lambda today: today.replace(day=1))


def monthly_reports(session: Session, now: datetime) -> list[Effect]:
    """Send each office's last-month report once, on its report day after its digest time (local)."""
    from handlers import monthly_report

    effects: list[Effect] = []
    for run in due_offices(session, REPORT_MONTHLY, rawan.list_offices_with_report_day(session), now):
        office = run.office
        month = previous_month(local(now, office.tz))
        _, end = month_window(month, office.tz)
        if office.created_at >= end:
            continue  # the office did not exist in that month: nothing to report
        effects.append(report_notice(office, monthly_report.gather(session, office, month, now)))
    return effects


MONTHLY_REPORT = Tick("rawan.monthly_report", timedelta(minutes=30), monthly_reports)

# The monthly report is this feature's tick; a member who is not a head or admin is told what /rawan is for.
FEATURE = Feature("rawan", commands=COMMANDS, ticks=(MONTHLY_REPORT,),
                  rules={"rawan": Rule(frozenset(ALLOWED_ROLES), refusal="rawan.not_allowed")})
