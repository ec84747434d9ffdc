"""`siaga reports list` and `siaga export`: incident reports on the terminal and as CSV, XLSX or GeoJSON files."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli import common
from bot.cli.common import CliError, bounded_int, print_table
from bot.config import Settings

if TYPE_CHECKING:
    from storage.db import Session

def _report_scope(session: Session, code: str | None) -> str | None:
    """Check `reports list --office` and return the audit subject of its scope (None: every report)."""
    from storage import people, regions

    if code is None:
        return None
    region = regions.get_region(session, code)
    if region is None:
        raise CliError(f"{code} is not a known region code; use a province (63) or "
                       "kabupaten/kota (63.71) code.")
    if region.level.value == "district":
        raise CliError(f"{code} is a kecamatan; reports are listed by office: use its "
                       f"kabupaten/kota ({region.parent_code}) or province ({region.province_code}).")
    office = people.get_office_by_region(session, code)
    return f"office:{office.id}" if office else f"region:{code}"


def cmd_reports_list(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, incidents

    from bot import export

    sessions = common.sessions(settings)
    with sessions.begin() as session:
        subject = _report_scope(session, args.office)
    listed = 0

    def counted(values: Any) -> Any:
        nonlocal listed
        for value in values:
            yield value
            listed += 1

    try:
        # Streamed: a batch of rows at a time, whatever the number of reports.
        with sessions.begin() as session:
            values = counted(export.report_list_rows(
                incidents.iter_reports(session, region_code=args.office, limit=args.limit)))
            if args.format == "table":
                short = ("number", "occurred_at", "category", "kecamatan", "severity", "status")
                print_table([short] + [tuple(str(v[c]) for c in short) for v in values])
            else:
                export.write_report_list(values, args.format, sys.stdout)
    finally:
        # Recorded also when the reader stopped early (`| head`): what left is in the audit log.
        with sessions.begin() as session:
            audit.add_audit(session, args.clock(), "reports.exported", subject=subject, format=args.format,
                            count=listed)


def _local_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-01.") from None


def cmd_export(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit

    from tqdm import tqdm

    from bot import export
    from storage import rawan as rawan_store

    lang = args.lang or settings.language
    first, last = _local_date(args.date_from, "--from"), _local_date(args.date_to, "--to")
    if last < first:
        raise CliError(f"--to {last} is before --from {first}.")
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        zone = ZoneInfo(office.tz)
        start = datetime.combine(first, time(0), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
        out = common.open_out(args.out, binary=args.format == "xlsx", required=True)
        total = rawan_store.count_export(session, office.region_code, start, end)
        # A bar only for a person watching: scripts and logs get the one summary line.
        with tqdm(total=total, unit=" reports", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
            try:
                count = export.write_reports(rawan_store.iter_export(session, office.region_code, start, end),
                                             args.format, out, lang=lang, tz=office.tz,
                                             on_row=lambda: bar.update(1))
            finally:
                common.close_out(out)
        audit.add_audit(session, args.clock(), "reports.exported", subject=f"office:{office.id}", format=args.format,
                        count=count, date_from=first.isoformat(), date_to=last.isoformat())
    print(f"{args.out}: {count} reports from {first} to {last}", file=sys.stderr)


def export_formats() -> tuple[str, ...]:
    """Return the export file formats."""
    return ("csv", "xlsx", "geojson")


def add_report_list_parser(sub: Any) -> None:
    """Register `siaga reports list`."""
    rep = sub.add_parser("reports", help="incident reports").add_subparsers(dest="action", required=True)
    rl = rep.add_parser("list", help="print stored reports, newest first")
    rl.add_argument("--office", metavar="CODE", help="a region code: its offices and those below it")
    rl.add_argument("--format", choices=("table", "csv", "json"), default="table")
    rl.add_argument("--limit", type=bounded_int(1, 1_000_000), help="at most this many (default: all)")
    rl.set_defaults(func=cmd_reports_list)


def add_export_parser(sub: Any) -> None:
    """Register `siaga export`."""
    ex = sub.add_parser("export", help="incident reports of an office's jurisdiction as CSV, XLSX or GeoJSON")
    ex.add_argument("--office", required=True, metavar="CODE")
    ex.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help="first day (local)")
    ex.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="last day (local), included")
    ex.add_argument("--format", choices=export_formats(), required=True)
    ex.add_argument("--out", required=True, metavar="FILE")
    ex.add_argument("--lang", choices=("id", "en"), help="language of the column titles")
    ex.set_defaults(func=cmd_export)
