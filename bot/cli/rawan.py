"""`siaga rawan`, `rawan-report`, `rawan-schedule` and `rawan-separate`: the peta rawan (vulnerability index),
its map and its monthly report."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli import common
from bot.cli.common import CliError
from bot.config import Settings

if TYPE_CHECKING:
    from storage.db import Session

def _rawan_window(text: str) -> timedelta:
    from handlers import rawan_data

    try:
        return rawan_data.parse_window(text)
    except ValueError:
        raise CliError(f"--window {text!r} is not a period; use e.g. 30d, 7d or 48h (1 hour to 366 days).") from None


def _pick_kecamatan(session: Session, scope: str, wanted: str) -> tuple[str, str]:
    from storage import regions

    by_code = wanted.count(".") == 2 and wanted.replace(".", "").isdigit()
    found = regions.find_kecamatan(session, [scope], code=wanted if by_code else None,
                                   query=None if by_code else wanted, limit=20)
    exact = [(r, p) for r, p in found if r.name.casefold() == wanted.casefold() or r.code == wanted]
    if len(exact) == 1 or len(found) == 1:
        region = (exact or found)[0][0]
        return region.code, region.name
    if not found:
        raise CliError(f"no kecamatan {wanted!r} within {scope}; give its name or code, e.g. 63.71.04.")
    names = ", ".join(f"{r.name} ({r.code})" for r, _ in found[:8])
    raise CliError(f"{wanted!r} matches several kecamatan: {names}; give the code.")


def cmd_rawan(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit

    from bot import export
    from bot.deps import dependencies
    from handlers import rawan_data

    # The boundaries' compact copy is kept beside the attachments, as `siaga run` does.
    deps = dependencies(settings, args.clock)
    window = _rawan_window(args.window)
    lang = args.lang or settings.language
    binary = args.format == "png"
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        end = args.clock()
        start = end - window
        if args.explain:
            code, name = _pick_kecamatan(session, office.region_code, args.explain)
            explained = rawan_data.explain(session, code, name, start, end, lang)
            print("\n".join(rawan_data.explanation_lines(explained, office.tz, lang)))
            return
        out = common.open_out(args.out, binary=binary, required=binary)
        try:
            if args.format == "png":
                from handlers import rawan_map

                data = rawan_data.gather(session, office, start, end)
                rawan_map.draw_map(data, lang, out, cache_dir=deps.cache_dir)
                scores = data.scores
            else:
                scores = rawan_data.vulnerability(session, office.region_code, start, end)
                if args.format == "csv":
                    export.write_rawan_csv(scores, out, lang)
                elif args.format == "geojson":
                    from storage import geo

                    geo.kecamatan_boundaries(deps.cache_dir)
                    export.write_rawan_geojson(scores, start, end, office.tz, out)
                else:
                    export.write_rawan_table(scores, out, lang)
        finally:
            common.close_out(out)
        audit.add_audit(session, args.clock(), "rawan.exported", subject=f"office:{office.id}", format=args.format,
                        window_hours=window.total_seconds() / 3600, kecamatan=len(scores))
    if args.out and args.out != "-":
        print(f"{args.out}: {len(scores)} kecamatan, {sum(s.reports for s in scores)} reports", file=sys.stderr)


def cmd_rawan_report(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit

    from bot.deps import dependencies
    from bot.effects import Delivery, queue_effects
    from handlers import monthly_report, monthly_report_pdf, rawan, rawan_data

    lang = args.lang or settings.language
    to_stdout = args.out == "-"
    if not to_stdout and not args.out.lower().endswith(".pdf"):
        raise CliError(f"--out {args.out!r} should be a .pdf file (or - for the standard output).")
    if args.send and not common.reach(settings):
        raise CliError("--send needs a chat channel: set TELEGRAM_BOT_TOKEN or the TWILIO_* settings (see .env.example).")
    # The copies sent to the heads stay beside the attachments until `siaga run` has delivered them.
    deps = dependencies(settings, args.clock)
    queued = 0
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        now = args.clock()
        try:
            start, _ = rawan_data.month_window(args.month, office.tz)
        except ValueError:
            raise CliError(f"--month {args.month!r} is not a month; use YYYY-MM, e.g. 2026-10.") from None
        local = now.astimezone(ZoneInfo(office.tz))
        if start > local:
            raise CliError(f"--month {args.month} has not begun (today is {local:%Y-%m-%d} in {office.tz}); "
                           f"give {local:%Y-%m} or an earlier month.")
        if to_stdout:
            target = deps.output_path(f"peta-rawan-{office.region_code.replace('.', '')}-{args.month}-{lang}.pdf")
        else:
            common.close_out(common.open_out(args.out, binary=True))
            target = Path(args.out)
        report = monthly_report.gather(session, office, args.month, now)
        monthly_report_pdf.write_report(report, lang, target, cache_dir=deps.cache_dir)
        if to_stdout:
            sys.stdout.buffer.write(target.read_bytes())
            sys.stdout.buffer.flush()
            target.unlink()
        audit.add_audit(session, now, "rawan.report", subject=f"office:{office.id}", month=args.month,
                        sent=bool(args.send))
        if args.send:
            queued = queue_effects(session, [rawan.report_notice(office, report, deps)], now, settings,
                                   Delivery(reach=common.reach(settings)), deps=deps)
    data = report.current
    print(f"{'standard output' if to_stdout else args.out}: {data.reports} reports, {len(data.scores)} kecamatan, "
          f"month {args.month}{'' if report.complete else ' so far'}", file=sys.stderr)
    missing = report.letterhead.missing()
    if missing:
        print(f"office {office.region_code} has not set {', '.join(missing)}: the PDF leaves blanks to fill in by "
              f"hand (siaga office set {office.region_code} --help)", file=sys.stderr)
    if args.send:
        print(f"queued for {queued} heads of office; `siaga run` sends them", file=sys.stderr)


def cmd_rawan_schedule(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit

    if args.day != "off" and not (args.day.isdigit() and 1 <= int(args.day) <= 28):
        raise CliError(f"--day {args.day!r}: give a day of the month from 1 to 28, or 'off'.")
    day = None if args.day == "off" else int(args.day)
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        office.rawan_report_day = day
        audit.add_audit(session, args.clock(), "rawan.schedule", subject=f"office:{office.id}", day=day)
    when = "not sent automatically" if day is None else f"sent on day {day} of each month after {office.digest_time:%H:%M}"
    print(f"office {office.region_code}: the monthly peta rawan report is {when}")


def cmd_rawan_separate(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, incidents

    from storage import rawan as rawan_store

    with common.sessions(settings).begin() as session:
        report = incidents.get_report_by_number(session, args.number)
        if report is None:
            raise CliError(f"no report numbered {args.number}; see `siaga reports list`.")
        rawan_store.set_separate_event(session, args.number, not args.undo)
        audit.add_audit(session, args.clock(), "rawan.separate_event", subject=f"report:{report.id}",
                        separate=not args.undo)
    print(f"{args.number}: {'counted with nearby reports again' if args.undo else 'counted as an event of its own'}")


def add_rawan_parsers(sub: Any) -> None:
    """Register `siaga rawan`, `rawan-report`, `rawan-schedule` and `rawan-separate`."""
    langs = ("id", "en")
    ra = sub.add_parser("rawan", help="the per-kecamatan vulnerability index (peta rawan konflik) of an office")
    ra.add_argument("--office", required=True, metavar="CODE", help="the office's region code, e.g. 63.71")
    ra.add_argument("--window", default="30d", help="how far back to look, e.g. 30d, 7d, 48h (default 30d)")
    ra.add_argument("--format", choices=("table", "csv", "geojson", "png"), default="table")
    ra.add_argument("--out", metavar="FILE", help="write here instead of the terminal (required for png; - for the "
                    "standard output)")
    ra.add_argument("--explain", metavar="KECAMATAN", help="show how one kecamatan's score follows from its reports")
    ra.add_argument("--lang", choices=langs, help="language of labels (default SIAGA_LANGUAGE)")
    ra.set_defaults(func=cmd_rawan)

    rr = sub.add_parser("rawan-report", help="the monthly peta rawan PDF of an office, for the province")
    rr.add_argument("--office", required=True, metavar="CODE")
    rr.add_argument("--month", required=True, metavar="YYYY-MM")
    rr.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF; - for the standard output")
    rr.add_argument("--send", action="store_true", help="also send it to the office's heads and the heads above")
    rr.add_argument("--lang", choices=langs)
    rr.set_defaults(func=cmd_rawan_report)

    rs = sub.add_parser("rawan-schedule", help="the day of the month an office's report is sent automatically")
    rs.add_argument("--office", required=True, metavar="CODE")
    rs.add_argument("--day", required=True, metavar="1-28|off")
    rs.set_defaults(func=cmd_rawan_schedule)

    sep = sub.add_parser("rawan-separate", help="count a report as an event of its own, not a repeat")
    sep.add_argument("number", help="the report number, e.g. KJD-6371-2026-000012")
    sep.add_argument("--undo", action="store_true", help="count it with nearby reports again")
    sep.set_defaults(func=cmd_rawan_separate)
