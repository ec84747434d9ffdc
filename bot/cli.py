"""The `siaga` command (init, console, run, office, invite, reports, outbox); parses arguments, calls functions."""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, OperationalError, SQLAlchemyError

from bot.channels import console
from bot.config import Settings
from bot.runner import Runner, start_clock_at, utcnow
from handlers import rakor as rakor_handlers
from handlers.engine import local_iso
from handlers.texts import t
from handlers.types import Inbound, Reply
from storage import audit, geo, incidents, migrations, outbox, people, regions, seed
from storage import rakor as rakor_store
from storage.db import Session, make_engine, make_sessions
from storage.models import Invite, OutboxStatus, RakorStatus, Role, Rsvp

DEMO_ADDRESS = "demo"
DEMO_REGION = "63.71"


class CliError(Exception):
    """A command that cannot proceed; its message is printed and the exit status is 2."""


def _sessions(settings: Settings, *, require_schema: bool = True):  # type: ignore[no-untyped-def]
    engine = make_engine(settings.database_url)
    if require_schema and migrations.current_revision(engine) != migrations.head_revision(engine):
        raise CliError("The database is not initialised or is out of date: run `siaga init` first.")
    return make_sessions(engine)


def cmd_init(settings: Settings, args: argparse.Namespace) -> None:
    from bot.app import initialise

    done = initialise(settings.database_url)
    found, cats = done.regions, done.categories
    print(f"schema: {'upgraded to' if done.upgraded else 'already at'} revision "
          f"{migrations.head_revision(done.engine)}")
    print(f"regions: {found.added} added, {found.updated} updated, {found.unchanged} unchanged")
    print(f"incident categories: {cats.added} added, {cats.unchanged} unchanged")


CSV_FORMAT = ("A region file is comma-separated UTF-8 (Excel: Save As \"CSV UTF-8 (Comma delimited)\") "
              "with the header code,name,level,parent_code,province_code.")


def cmd_regions_import(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        try:
            result = seed.import_regions(session, Path(args.file))
        except (OSError, seed.RegionFileError) as exc:
            raise CliError(f"{args.file}: {exc}") from exc
        except UnicodeError as exc:
            raise CliError(f"{args.file}: not UTF-8 text ({exc.reason}). {CSV_FORMAT}") from exc
    print(f"regions: {result.added} added, {result.updated} updated, {result.unchanged} unchanged")


def _office(session: Session, code: str) -> Any:
    office = people.get_office_by_region(session, code)
    if office is None:
        raise CliError(f"No office for region {code}; create it with `siaga office add --region {code}`.")
    return office


def cmd_office_add(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        region = regions.get_region(session, args.region)
        if region is None or region.level.value == "district":
            raise CliError(f"{args.region} is not a known province or kabupaten/kota code.")
        if people.get_office_by_region(session, args.region):
            raise CliError(f"Region {args.region} already has an office.")
        province = regions.get_region(session, region.province_code)
        tz = province.tz if province and province.tz else "Asia/Jakarta"
        name = args.name or f"Kesbangpol {region.name}"
        office = people.add_office(session, region.code, name, tz, utcnow(), digest_time=args.digest_time)
        audit.add_audit(session, utcnow(), "office.created", subject=f"office:{office.id}", region=region.code)
        print(f"office {office.region_code}: {office.name} ({tz}, digest {office.digest_time:%H:%M})")


def cmd_office_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        print_rows(("region", "name", "time zone", "digest"),
                   [(o.region_code, o.name, o.tz, f"{o.digest_time:%H:%M}") for o in people.list_offices(session)])


def cmd_invite_create(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        kecamatan = args.kecamatan or []
        for code in kecamatan:
            matches = regions.find_kecamatan(session, [office.region_code], code=code, limit=1)
            if not matches:
                raise CliError(f"{code} is not a kecamatan within {office.region_code}.")
        if (args.role == Role.GUEST.value) != bool(args.institution):
            raise CliError("A guest invite needs --institution (e.g. --role guest --institution KPU), "
                           "and only a guest invite takes one.")
        invite = people.add_invite(session, office, Role(args.role), utcnow(), ttl=timedelta(days=args.days),
                                   name=args.name, kecamatan=kecamatan, institution=args.institution)
        audit.add_audit(session, utcnow(), "invite.created", subject=f"office:{office.id}", role=args.role,
                        kecamatan=kecamatan, days=args.days)
        local_expiry = invite.expires_at.astimezone(ZoneInfo(office.tz))
        print(invite.code)
        who = {"head": "the head of office", "admin": "the admin", "guest": "the guest"}.get(args.role, "the officer")
        print(f"valid until {local_expiry:%Y-%m-%d %H:%M} ({office.tz}); {who} sends: daftar {invite.code}",
              file=sys.stderr)


def cmd_officer_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        office_id = _office(session, args.office).id if args.office else None
        rows = []
        for o in people.list_officers(session, office_id):
            channels = ",".join(sorted(i.channel for i in o.identities))
            areas = ",".join(k.region_code for k in o.kecamatan) or o.office.region_code
            rows.append((str(o.id), o.name or "-", o.role.value, o.office.region_code, areas, channels))
        print_rows(("id", "name", "role", "office", "areas", "channels"), rows)


def _report_scope(session: Session, code: str | None) -> str | None:
    """Check `reports list --office` and return the audit subject of its scope (None: every report)."""
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
    from bot import export

    sessions = _sessions(settings)
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
            audit.add_audit(session, utcnow(), "reports.exported", subject=subject, format=args.format,
                            count=listed)


def print_table(table: Sequence[Sequence[str]]) -> None:
    """Print rows of text as aligned columns (the first row is the header)."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    if len(table) == 1:
        print(NOTHING_FOUND)


NOTHING_FOUND = "(nothing found)"


def print_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a header and tab-separated rows, or say that there are none."""
    print("\t".join(header))
    for row in rows:
        print("\t".join(row))
    if not rows:
        print(NOTHING_FOUND)


def display_zone(session: Session, office_code: str | None) -> ZoneInfo:
    """The zone times are shown in: the office's, or the one zone all offices share, else UTC."""
    if office_code:
        return ZoneInfo(_office(session, office_code).tz)
    zones = {o.tz for o in people.list_offices(session)}
    return ZoneInfo(zones.pop()) if len(zones) == 1 else ZoneInfo("UTC")


def cmd_audit_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        tz = display_zone(session, args.office)
        rows = [(local_iso(e.at, tz), e.action, str(e.actor_id or "-"), e.subject or "-",
                 json.dumps(e.detail, ensure_ascii=False, sort_keys=True))
                for e in audit.list_audit(session, args.filter_action, limit=args.limit)]
    print_rows(("at", "action", "actor", "subject", "detail"), rows)


def mask_address(address: str) -> str:
    """Hide most of a chat address (personal data): keep the channel prefix and the last three characters.

    >>> mask_address("whatsapp:+6281234567890")
    'whatsapp:+**********890'
    """
    prefix, _, rest = address.rpartition(":")
    head = f"{prefix}:" if prefix else ""
    keep = 3 if len(rest) > 6 else 1
    hidden = "".join("*" if ch.isalnum() else ch for ch in rest[:-keep])
    return head + hidden + rest[-keep:]


def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> None:
    status = OutboxStatus(args.status) if args.status else None
    with _sessions(settings).begin() as session:
        tz = display_zone(session, args.office)
        rows = outbox.list_messages(session, status, limit=args.limit)
        # "dup": sends that may have arrived before a crash made us send again (at least once).
        table = [("id", "created_at", "kind", "channel", "to", "status", "delivery", "attempts", "dup", "error")] + [
            (str(m.id), local_iso(m.created_at, tz), m.kind, m.channel, mask_address(m.address),
             m.status.value, m.delivery_status or "-", str(m.attempts), str(m.possible_duplicates), m.error or "-")
            for m in rows
        ]
    print_table(table)


def _open_console(settings: Settings, sessions: Any, address: str, record: str | None) -> None:
    runner = Runner(sessions, settings)
    record_file = open(record, "w", encoding="utf-8") if record else None  # noqa: SIM115

    def turn(inbound: Inbound) -> list[Reply]:
        try:
            return runner.run_turn(inbound)
        except Exception:  # the console's one catch-all: apologise like the channels do, keep the session
            log.error("console: turn failed (run with SIAGA_LOG_LEVEL=DEBUG for the details)")
            log.debug("console: turn failed", exc_info=True)
            return [Reply(t("engine.error", settings.language), lang=settings.language)]

    try:
        console.run_console(turn, address, settings.attachments_dir, sys.stdin, sys.stdout,
                            lang=settings.language, interactive=sys.stdin.isatty(), record=record_file,
                            pending=lambda: runner.pending(console.CHANNEL, address))
    except KeyboardInterrupt:
        print()
    finally:
        if record_file:
            record_file.close()


def cmd_console(settings: Settings, args: argparse.Namespace) -> None:
    _open_console(settings, _sessions(settings), args.address, args.record)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    cmd_init(settings, args)
    sessions = _sessions(settings)
    with sessions.begin() as session:
        office = people.get_office_by_region(session, DEMO_REGION)
        if office is None:
            office = people.add_office(session, DEMO_REGION, "Kesbangpol Kota Banjarmasin", "Asia/Makassar", utcnow())
        if people.get_identity(session, console.CHANNEL, DEMO_ADDRESS) is None:
            invite = people.add_invite(session, office, Role.OFFICER, utcnow(), name="Petugas Demo")
            people.redeem_invite(session, invite.code, console.CHANNEL, DEMO_ADDRESS, utcnow())
    # With a draft open from last time, the console shows its question instead of how to start one.
    waiting = Runner(sessions, settings).pending(console.CHANNEL, DEMO_ADDRESS)
    start = "" if waiting else f" {t('engine.idle', settings.language)}"
    print(f"demo: you are 'Petugas Demo' of {office.name}.{start}\n")
    _open_console(settings, sessions, DEMO_ADDRESS, args.record)


def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    import asyncio

    from bot import app

    try:
        app.check_workers(settings, args.workers)
        if args.workers > 1:
            app.check(settings)
    except app.ConfigError as exc:
        raise CliError(str(exc)) from exc
    _sessions(settings).kw["bind"].dispose()  # refuse to start on a database that is not initialised
    if args.workers > 1:
        from bot import workers

        try:
            sock = workers.bind(settings.host, settings.port)
        except OSError as exc:
            raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}; "
                           "set HOST and PORT.") from exc
        status = workers.run_workers(settings, args.workers, sock)
        if status:
            raise SystemExit(status)
        return
    try:
        asyncio.run(app.run(settings))
    except app.ConfigError as exc:
        raise CliError(str(exc)) from exc


# -- peta rawan: the vulnerability index, its map and monthly report, and exports ----------------


def _rawan_window(text: str) -> timedelta:
    from handlers import rawan

    try:
        return rawan.parse_window(text)
    except ValueError:
        raise CliError(f"--window {text!r} is not a period; use e.g. 30d, 7d or 48h (1 hour to 366 days).") from None


def _open_out(path: str | None, *, binary: bool = False, required: bool = False) -> IO[Any]:
    """Open --out for writing before any work is done, so a bad path fails at once; stdout when not given or `-`."""
    if path == "-" or (path is None and not required):
        return sys.stdout.buffer if binary else sys.stdout
    if path is None:
        raise CliError("this format needs --out FILE (or --out - for the standard output).")
    try:
        return open(path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""}))  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}; choose another --out.") from exc


def _close_out(out: IO[Any]) -> None:
    if out not in (sys.stdout, sys.stdout.buffer):
        out.close()


def _local_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-01.") from None


def _pick_kecamatan(session: Session, scope: str, wanted: str) -> tuple[str, str]:
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


def _boundary_cache(settings: Settings) -> None:
    """Keep the boundaries' compact copy beside the attachments, as `siaga run` does."""
    geo.set_cache_dir(settings.attachments_dir.resolve() / "cache")


def cmd_rawan(settings: Settings, args: argparse.Namespace) -> None:
    from bot import export
    from handlers import rawan

    _boundary_cache(settings)
    window = _rawan_window(args.window)
    lang = args.lang or settings.language
    binary = args.format == "png"
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        end = utcnow()
        start = end - window
        if args.explain:
            code, name = _pick_kecamatan(session, office.region_code, args.explain)
            explained = rawan.explain(session, code, name, start, end, lang)
            print("\n".join(rawan.explanation_lines(explained, office.tz, lang)))
            return
        out = _open_out(args.out, binary=binary, required=binary)
        try:
            if args.format == "png":
                from handlers import rawan_map

                data = rawan.gather(session, office, start, end)
                rawan_map.draw_map(data, lang, out)
                scores = data.scores
            else:
                scores = rawan.vulnerability(session, office.region_code, start, end)
                if args.format == "csv":
                    export.write_rawan_csv(scores, out, lang)
                elif args.format == "geojson":
                    export.write_rawan_geojson(scores, start, end, office.tz, out)
                else:
                    export.write_rawan_table(scores, out, lang)
        finally:
            _close_out(out)
        audit.add_audit(session, utcnow(), "rawan.exported", subject=f"office:{office.id}", format=args.format,
                        window_hours=window.total_seconds() / 3600, kecamatan=len(scores))
    if args.out and args.out != "-":
        print(f"{args.out}: {len(scores)} kecamatan, {sum(s.reports for s in scores)} reports", file=sys.stderr)


def cmd_rawan_report(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import monthly_report, rawan

    from bot.runner import Delivery, queue_effects

    lang = args.lang or settings.language
    to_stdout = args.out == "-"
    if not to_stdout and not args.out.lower().endswith(".pdf"):
        raise CliError(f"--out {args.out!r} should be a .pdf file (or - for the standard output).")
    if args.send and not _reach(settings):
        raise CliError("--send needs a chat channel: set TELEGRAM_BOT_TOKEN or the TWILIO_* settings (see .env.example).")
    # The copies sent to the heads stay beside the attachments until `siaga run` has delivered them.
    rawan.OUTPUT_DIR = settings.attachments_dir.resolve() / "generated"
    _boundary_cache(settings)
    queued = 0
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        now = utcnow()
        try:
            start, _ = rawan.month_window(args.month, office.tz)
        except ValueError:
            raise CliError(f"--month {args.month!r} is not a month; use YYYY-MM, e.g. 2026-10.") from None
        local = now.astimezone(ZoneInfo(office.tz))
        if start > local:
            raise CliError(f"--month {args.month} has not begun (today is {local:%Y-%m-%d} in {office.tz}); "
                           f"give {local:%Y-%m} or an earlier month.")
        if to_stdout:
            target = rawan.output_path(f"peta-rawan-{office.region_code.replace('.', '')}-{args.month}-{lang}.pdf")
        else:
            _close_out(_open_out(args.out, binary=True))
            target = Path(args.out)
        report = monthly_report.gather(session, office, args.month, now)
        monthly_report.write_report(report, lang, target)
        if to_stdout:
            sys.stdout.buffer.write(target.read_bytes())
            sys.stdout.buffer.flush()
            target.unlink()
        audit.add_audit(session, now, "rawan.report", subject=f"office:{office.id}", month=args.month,
                        sent=bool(args.send))
        if args.send:
            queued = queue_effects(session, [rawan.report_notice(office, report)], now, settings,
                                   Delivery(reach=_reach(settings)))
    data = report.current
    print(f"{'standard output' if to_stdout else args.out}: {data.reports} reports, {len(data.scores)} kecamatan, "
          f"month {args.month}{'' if report.complete else ' so far'}", file=sys.stderr)
    missing = report.letterhead.missing()
    if missing:
        print(f"office {office.region_code} has not set {', '.join(missing)}: the PDF leaves blanks to fill in by "
              f"hand (siaga office set {office.region_code} --help)", file=sys.stderr)
    if args.send:
        print(f"queued for {queued} heads of office; `siaga run` sends them", file=sys.stderr)


def _reach(settings: Settings) -> tuple[str, ...]:
    """Return the chat channels this configuration can send on."""
    configured = (("telegram", settings.telegram_bot_token is not None), ("whatsapp", settings.whatsapp_enabled))
    return tuple(name for name, on in configured if on)


def cmd_rawan_schedule(settings: Settings, args: argparse.Namespace) -> None:
    if args.day != "off" and not (args.day.isdigit() and 1 <= int(args.day) <= 28):
        raise CliError(f"--day {args.day!r}: give a day of the month from 1 to 28, or 'off'.")
    day = None if args.day == "off" else int(args.day)
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        office.rawan_report_day = day
        audit.add_audit(session, utcnow(), "rawan.schedule", subject=f"office:{office.id}", day=day)
    when = "not sent automatically" if day is None else f"sent on day {day} of each month after {office.digest_time:%H:%M}"
    print(f"office {office.region_code}: the monthly peta rawan report is {when}")


def cmd_rawan_separate(settings: Settings, args: argparse.Namespace) -> None:
    from storage import rawan as rawan_store

    with _sessions(settings).begin() as session:
        report = incidents.get_report_by_number(session, args.number)
        if report is None:
            raise CliError(f"no report numbered {args.number}; see `siaga reports list`.")
        rawan_store.set_separate_event(session, args.number, not args.undo)
        audit.add_audit(session, utcnow(), "rawan.separate_event", subject=f"report:{report.id}",
                        separate=not args.undo)
    print(f"{args.number}: {'counted with nearby reports again' if args.undo else 'counted as an event of its own'}")


def cmd_export(settings: Settings, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from bot import export
    from storage import rawan as rawan_store

    lang = args.lang or settings.language
    first, last = _local_date(args.date_from, "--from"), _local_date(args.date_to, "--to")
    if last < first:
        raise CliError(f"--to {last} is before --from {first}.")
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        zone = ZoneInfo(office.tz)
        start = datetime.combine(first, time(0), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
        out = _open_out(args.out, binary=args.format == "xlsx", required=True)
        total = rawan_store.count_export(session, office.region_code, start, end)
        # A bar only for a person watching: scripts and logs get the one summary line.
        with tqdm(total=total, unit=" reports", file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
            try:
                count = export.write_reports(rawan_store.iter_export(session, office.region_code, start, end),
                                             args.format, out, lang=lang, tz=office.tz,
                                             on_row=lambda: bar.update(1))
            finally:
                _close_out(out)
        audit.add_audit(session, utcnow(), "reports.exported", subject=f"office:{office.id}", format=args.format,
                        count=count, date_from=first.isoformat(), date_to=last.isoformat())
    print(f"{args.out}: {count} reports from {first} to {last}", file=sys.stderr)


def _add_rawan_parsers(sub: Any) -> None:
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

    ex = sub.add_parser("export", help="incident reports of an office's jurisdiction as CSV, XLSX or GeoJSON")
    ex.add_argument("--office", required=True, metavar="CODE")
    ex.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD", help="first day (local)")
    ex.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD", help="last day (local), included")
    ex.add_argument("--format", choices=export_formats(), required=True)
    ex.add_argument("--out", required=True, metavar="FILE")
    ex.add_argument("--lang", choices=langs, help="language of the column titles")
    ex.set_defaults(func=cmd_export)


def export_formats() -> tuple[str, ...]:
    """Return the export file formats."""
    return ("csv", "xlsx", "geojson")


# -- siaga rakor: meetings, invitations and agreements ---------------------------------------------------


def _rakor_targets(session: Session, targets: Sequence[str]) -> list[str]:
    """Check CLI invitation targets (office code, kabkota:PROVINCE, officer:ID) and turn them into handler targets."""
    resolved = []
    for target in targets:
        kind, _, ref = target.partition(":")
        if kind == "kabkota":
            region = regions.get_region(session, ref)
            if region is None or region.level.value != "province":
                raise CliError(f"{target}: {ref} is not a province code (e.g. kabkota:63).")
            resolved.append(target)
        elif kind == "officer":
            officer = rakor_store.get_officer(session, int(ref)) if ref.isdigit() else None
            if officer is None or not officer.active:
                raise CliError(f"{target}: no active officer with that id; see `siaga officer list`.")
            resolved.append(f"officer:{officer.id}")
        else:
            office = people.get_office_by_region(session, target)
            if office is None:
                raise CliError(f"{target}: no office with that region code; for one officer write officer:ID.")
            resolved.append(f"office:{office.id}")
    return resolved


def _rakor_time(raw: str, tz: str) -> Any:
    from handlers.parse import Invalid

    try:
        return rakor_handlers.check_target_time(raw, tz, utcnow())
    except Invalid as exc:
        raise CliError(f"--at {raw!r}: give a coming time as \"YYYY-MM-DD HH:MM\" in the office's zone ({tz}).") \
            from exc


def _get_rakor(session: Session, rakor_id: int) -> Any:
    meeting = rakor_store.get_rakor(session, rakor_id)
    if meeting is None:
        raise CliError(f"No rakor #{rakor_id}; see `siaga rakor list`.")
    return meeting


def _check_reminders(spec: str | None) -> None:
    if spec is not None:
        try:
            rakor_handlers.parse_offsets(spec)
        except ValueError as exc:
            raise CliError(f"--reminders: {exc}.") from exc


def cmd_rakor_add(settings: Settings, args: argparse.Namespace) -> None:
    _check_reminders(args.reminders)
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        starts_at = _rakor_time(args.at, office.tz)
        invitees = rakor_handlers.resolve_targets(session, _rakor_targets(session, args.invite))
        if not invitees:
            raise CliError("Nobody to invite: those offices have no active officers yet.")
        meeting = rakor_store.add_rakor(session, office_id=office.id, title=args.title, starts_at=starts_at,
                                        place=args.place, agenda=args.agenda, reminders=args.reminders,
                                        now=utcnow(), invitee_ids=invitees)
        audit.add_audit(session, utcnow(), "rakor.created", subject=f"rakor:{meeting.id}", office_id=office.id,
                        invitees=len(invitees))
        when = rakor_handlers.local_when(meeting.starts_at, office.tz, settings.language)
        print(f"rakor #{meeting.id}: {meeting.title}, {when}, {len(invitees)} invitees")
    print("the invitations go out with the next scheduler round of `siaga run`", file=sys.stderr)


def cmd_rakor_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        if args.office:
            _office(session, args.office)
        meetings = rakor_store.list_rakor(session, region_code=args.office, after=utcnow(),
                                          include_cancelled=args.all)
        table = [("id", "office", "starts (office time)", "status", "title", "hadir", "tidak", "wakil", "belum")]
        for m in meetings:
            counts = [sum(1 for i in m.invitees if i.rsvp == r) for r in Rsvp]
            table.append((str(m.id), m.office.region_code,
                          rakor_handlers.local_when(m.starts_at, m.office.tz, settings.language),
                          m.status.value, m.title, *map(str, counts),
                          str(sum(1 for i in m.invitees if i.rsvp is None))))
    print_table(table)


def cmd_rakor_cancel(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        meeting = _get_rakor(session, args.id)
        if meeting.status == RakorStatus.CANCELLED:
            raise CliError(f"Rakor #{args.id} is already cancelled.")
        rakor_handlers.cancel_meeting(session, meeting, utcnow())
    print(f"rakor #{args.id} cancelled; its invitees are told with the next scheduler round")


def cmd_rakor_move(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        meeting = _get_rakor(session, args.id)
        if meeting.status == RakorStatus.CANCELLED:
            raise CliError(f"Rakor #{args.id} is cancelled; schedule a new one with `siaga rakor add`.")
        rakor_handlers.move_meeting(session, meeting, _rakor_time(args.at, meeting.office.tz), utcnow())
        when = rakor_handlers.local_when(meeting.starts_at, meeting.office.tz, settings.language)
    print(f"rakor #{args.id} moved to {when}; its invitees are asked again with the next scheduler round")


def cmd_rakor_reminders(settings: Settings, args: argparse.Namespace) -> None:
    spec = None if args.spec == "default" else args.spec
    _check_reminders(spec)
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        rakor_store.set_office_reminders(session, office, spec)
    print(f"rakor reminders of {args.office}: {spec or rakor_handlers.DEFAULT_REMINDERS}")


def cmd_rakor_agreements(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        if args.office:
            _office(session, args.office)
        table = [("id", "minutes", "due", "state", "owner", "agreement")]
        for a in rakor_store.list_agreements(session, region_code=args.office):
            # Overdue once the due date has passed in the organising office's calendar.
            late = a.due_on is not None and a.due_on < utcnow().astimezone(ZoneInfo(a.report.office.tz)).date()
            if args.overdue and not late:
                continue
            table.append((str(a.id), a.report.number, f"{a.due_on:%Y-%m-%d}" if a.due_on else "-",
                          "overdue" if late else "open", rakor_handlers.owner_label(a, "id"), a.text))
    print_table(table)


def add_rakor_commands(sub: Any) -> None:
    """Add `siaga rakor …` to the command line."""
    rk = sub.add_parser("rakor", help="coordination meetings and their agreements").add_subparsers(
        dest="action", required=True)
    add = rk.add_parser("add", help="schedule a rakor and invite offices, all kab/kota offices or officers")
    add.add_argument("--office", required=True, metavar="CODE", help="the organising office's region code")
    add.add_argument("--title", required=True)
    add.add_argument("--at", required=True, metavar='"YYYY-MM-DD HH:MM"', help="start, in the office's time zone")
    add.add_argument("--place")
    add.add_argument("--agenda")
    add.add_argument("--invite", required=True, nargs="+", metavar="TARGET",
                     help="an office code (63.71), kabkota:PROVINCE (every kab/kota office) or officer:ID")
    add.add_argument("--reminders", metavar="SPEC", help="this rakor's reminder offsets, e.g. 1d@08:00,2h")
    add.set_defaults(func=cmd_rakor_add)
    lst = rk.add_parser("list", help="upcoming rakor with RSVP counts")
    lst.add_argument("--office", metavar="CODE", help="a region code: its offices and those below it")
    lst.add_argument("--all", action="store_true", help="include cancelled ones")
    lst.set_defaults(func=cmd_rakor_list)
    can = rk.add_parser("cancel", help="cancel a rakor (its invitees are told once)")
    can.add_argument("id", type=int)
    can.set_defaults(func=cmd_rakor_cancel)
    mov = rk.add_parser("move", help="move a rakor (invitees are asked again; reminders follow)")
    mov.add_argument("id", type=int)
    mov.add_argument("--at", required=True, metavar='"YYYY-MM-DD HH:MM"', help="new start, in the office's zone")
    mov.set_defaults(func=cmd_rakor_move)
    rem = rk.add_parser("reminders", help="set an office's rakor reminder offsets (RAKOR_REMINDERS)")
    rem.add_argument("--office", required=True, metavar="CODE")
    rem.add_argument("spec", metavar="SPEC", help='e.g. 1d@08:00,2h, or "default"')
    rem.set_defaults(func=cmd_rakor_reminders)
    agr = rk.add_parser("agreements", help="open agreements of rakor minutes, overdue ones marked")
    agr.add_argument("--office", metavar="CODE", help="a region code: its offices and those below it")
    agr.add_argument("--overdue", action="store_true", help="only those past their due date")
    agr.set_defaults(func=cmd_rakor_agreements)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers; use 1 to 64")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="siaga", description="Siaga: Kesbangpol early-warning reporting bot.",
                    epilog="Run `siaga COMMAND --help` for a command's options. Settings come from the "
                           "environment or .env (see .env.example).")
    parser.add_argument("--version", action="version", version=f"siaga {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("init", help="create or upgrade the schema and load reference data").set_defaults(func=cmd_init)

    run = sub.add_parser("run", help="serve the configured chat channels until SIGTERM/SIGINT")
    run.add_argument("--workers", type=_workers, default=1, metavar="N",
                     help="processes sharing the web port (PostgreSQL and webhooks only; default 1)")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="initialise, create a demo officer and open the console as them")
    demo.add_argument("--record", metavar="FILE", help="write the session as a transcript")
    demo.set_defaults(func=cmd_demo)

    con = sub.add_parser("console", help="chat with Siaga in this terminal")
    con.add_argument("--as", dest="address", required=True, metavar="ADDRESS", help="the console address to use")
    con.add_argument("--record", metavar="FILE", help="write the session as a transcript")
    con.set_defaults(func=cmd_console)

    reg = sub.add_parser("regions", help="region reference data").add_subparsers(dest="action", required=True)
    imp = reg.add_parser("import", help="load regions from a CSV (code,name,level,parent_code,province_code)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_regions_import)

    off = sub.add_parser("office", help="offices").add_subparsers(dest="action", required=True)
    add = off.add_parser("add", help="create the office of a province or kabupaten/kota")
    add.add_argument("--region", required=True, metavar="CODE", help="region code, e.g. 63 or 63.71")
    add.add_argument("--name", type=name_text, help="default: Kesbangpol <region name>")
    add.add_argument("--digest-time", type=hhmm, default=time(7, 0), metavar="HH:MM",
                     help="local time of the daily digest (default 07:00)")
    add.set_defaults(func=cmd_office_add)
    off.add_parser("list", help="list offices").set_defaults(func=cmd_office_list)
    add_office_set_parser(off)

    inv = sub.add_parser("invite", help="invite codes").add_subparsers(dest="action", required=True)
    create = inv.add_parser("create", help="print a one-time invite code")
    create.add_argument("--office", required=True, metavar="CODE", help="the office's region code")
    create.add_argument("--role", required=True, choices=[r.value for r in Role],
                        help="officer: files reports in chat; head: head of office, gets alerts and digests; "
                             "admin: the office's operator; guest: a rakor participant from another institution")
    create.add_argument("--kecamatan", nargs="*", metavar="CODE", help="limit the officer to these kecamatan")
    create.add_argument("--name", type=name_text, help="the officer's name (asked in chat when omitted)")
    create.add_argument("--days", type=bounded_int(1, MAX_INVITE_DAYS), default=7,
                        help=f"days until the code expires, 1 to {MAX_INVITE_DAYS} (default 7)")
    create.add_argument("--institution", metavar="NAME", help="a guest's institution: KPU, Bawaslu, TNI, Polri, ...")
    create.set_defaults(func=cmd_invite_create)
    add_invite_admin_parsers(inv)

    ofc = sub.add_parser("officer", help="officers").add_subparsers(dest="action", required=True)
    lst = ofc.add_parser("list", help="list officers")
    lst.add_argument("--office", metavar="CODE")
    lst.set_defaults(func=cmd_officer_list)
    add_officer_admin_parsers(ofc)

    rep = sub.add_parser("reports", help="incident reports").add_subparsers(dest="action", required=True)
    rl = rep.add_parser("list", help="print stored reports, newest first")
    rl.add_argument("--office", metavar="CODE", help="a region code: its offices and those below it")
    rl.add_argument("--format", choices=("table", "csv", "json"), default="table")
    rl.add_argument("--limit", type=bounded_int(1, 1_000_000), help="at most this many (default: all)")
    rl.set_defaults(func=cmd_reports_list)

    aud = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    al = aud.add_parser("list", help="print the newest audit entries")
    al.add_argument("--action", dest="filter_action", metavar="ACTION", help="e.g. officer.joined, sender.refused")
    al.add_argument("--office", metavar="CODE", help="show times in this office's zone (default: the offices' "
                    "zone when they share one, else UTC)")
    al.add_argument("--limit", type=bounded_int(1, 1_000_000), default=50, help="at most this many (default 50)")
    al.set_defaults(func=cmd_audit_list)
    out = sub.add_parser("outbox", help="outgoing messages").add_subparsers(dest="action", required=True)
    ol = out.add_parser("list", help="print outgoing messages, newest first (addresses masked)")
    ol.add_argument("--status", choices=[s.value for s in OutboxStatus])
    ol.add_argument("--office", metavar="CODE", help="show times in this office's zone (default: the offices' "
                    "zone when they share one, else UTC)")
    ol.add_argument("--limit", type=bounded_int(1, 1_000_000), default=50, help="at most this many (default 50)")
    ol.set_defaults(func=cmd_outbox_list)
    _add_rawan_parsers(sub)
    add_digest_parser(sub)
    add_rakor_commands(sub)
    _describe_subcommands(parser)
    return parser


# -- heads of office: office settings, officer and invite administration, the digest ---------------


def _yes_no(value: str, option: str) -> bool:
    if value.lower() in ("yes", "ya", "on", "true", "1"):
        return True
    if value.lower() in ("no", "tidak", "off", "false", "0"):
        return False
    raise CliError(f"{option} takes yes or no, not {value!r}.")


def cmd_office_set(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        office = _office(session, args.code)
        changed: dict[str, Any] = {}
        if args.alert_categories is not None:
            known = {c.code for c in incidents.list_categories(session)}
            wanted = [c for c in args.alert_categories if c.lower() not in ("none", "-")]
            unknown = sorted(set(wanted) - known)
            if unknown:
                raise CliError(f"unknown category code(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}.")
            office.alert_categories = wanted
            changed["alert_categories"] = wanted
        if args.digest_time is not None:
            office.digest_time = args.digest_time
            changed["digest_time"] = f"{args.digest_time:%H:%M}"
        if args.checkin_time is not None:
            office.checkin_time = args.checkin_time
            changed["checkin_time"] = f"{args.checkin_time:%H:%M}"
        if args.digest_on_holidays is not None:
            office.digest_on_holidays = _yes_no(args.digest_on_holidays, "--digest-on-holidays")
            changed["digest_on_holidays"] = office.digest_on_holidays
        letterhead = _letterhead_changes(settings, args, office)
        changed.update(letterhead)
        if not changed:
            raise CliError("nothing to change: give --alert-categories, --digest-time, --checkin-time, "
                           "--digest-on-holidays or a letterhead option (see `siaga office set --help`).")
        audit.add_audit(session, utcnow(), "office.changed", subject=f"office:{office.id}", **changed)
        print(f"office {office.region_code}: alert categories {','.join(office.alert_categories) or '-'}, "
              f"digest {office.digest_time:%H:%M}, check-in {office.checkin_time:%H:%M}, "
              f"digest on holidays {'yes' if office.digest_on_holidays else 'no'}")
        if letterhead:
            state = [f"{option} {'set' if getattr(office, column) else 'not set'}"
                     for option, column, _ in LETTERHEAD_OPTIONS if option != "--name"]
            print(f"letterhead ({office.name}): {', '.join(state)}")


# `siaga office set` options for the monthly report's kop and signature: (option, Office column, longest text).
LETTERHEAD_OPTIONS = (
    ("--name", "name", 200), ("--address", "address", 300), ("--phone", "phone", 60), ("--email", "email", 120),
    ("--logo", "logo_path", 0), ("--place", "place", 100), ("--report-number", "report_number", 100),
    ("--head-name", "head_name", 200), ("--head-nip", "head_nip", 0), ("--head-title", "head_title", 200),
    ("--head-rank", "head_rank", 100),
)
LOGO_MAX_BYTES = 2 * 1024 * 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _letterhead_changes(settings: Settings, args: argparse.Namespace, office: Any) -> dict[str, Any]:
    """Check and apply the letterhead options given; `-` clears one (not the name). Return what changed."""
    from handlers import monthly_report

    changed: dict[str, Any] = {}
    for option, column, longest in LETTERHEAD_OPTIONS:
        value = getattr(args, column)
        if value is None:
            continue
        # A number pattern keeps its spaces: a blank where the agenda number is written by hand.
        value = value.strip() if option in ("--logo", "--report-number") else " ".join(value.split())
        if value == "-":
            if option == "--name":
                raise CliError("--name cannot be cleared; give the office's name as its kop should read.")
            setattr(office, column, None)
            changed[column] = None
            continue
        if not value or (longest and len(value) > longest):
            raise CliError(f"{option} takes 1 to {longest} characters (this has {len(value)}).")
        if option == "--email" and not _EMAIL.fullmatch(value):
            raise CliError(f"--email {value!r} is not an e-mail address, e.g. kesbangpol@banjarmasinkota.go.id.")
        if option == "--phone" and sum(c.isdigit() for c in value) < 5:
            raise CliError(f"--phone {value!r} has too few digits, e.g. (0511) 3352345.")
        if option == "--head-nip":
            try:
                value = monthly_report.parse_nip(value)
            except ValueError:
                raise CliError(f"--head-nip {value!r} is not a NIP: 18 digits (birth date, appointment year and "
                               "month, 1 or 2, a number), e.g. 19700101 199503 1 001.") from None
        if option == "--report-number":
            try:
                monthly_report.check_number_pattern(value)
            except ValueError:
                raise CliError(f"--report-number {value!r}: the only fields are {{year}}, {{month}} and {{roman}}, "
                               "e.g. 400.10/{roman}/Kesbangpol/{year}.") from None
        if option == "--logo":
            value = str(_store_logo(settings, Path(value)))
        setattr(office, column, value)
        changed[column] = "(set)" if column in ("head_nip", "head_name") else value
    return changed


def _store_logo(settings: Settings, path: Path) -> Path:
    """Check that a file is a PNG or JPEG image and copy it into the attachments folder."""
    from PIL import Image, UnidentifiedImageError

    from bot.attachments import store_bytes

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CliError(f"--logo {str(path)!r}: {exc.strerror or exc}; give the path of a PNG or JPEG file.") from None
    if len(content) > LOGO_MAX_BYTES:
        raise CliError(f"--logo {str(path)!r} has {len(content) // 1024} KiB; a logo is at most "
                       f"{LOGO_MAX_BYTES // 1024 // 1024} MiB.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind not in ("PNG", "JPEG"):
        raise CliError(f"--logo {str(path)!r} is not a PNG or JPEG image.")
    suffix = ".png" if kind == "PNG" else ".jpg"
    return store_bytes(settings.attachments_dir.resolve() / "logos", content, suffix=suffix)


def add_office_set_parser(off: Any) -> None:
    """Register `siaga office set`."""
    st = off.add_parser("set", help="change an office's alert categories, digest and check-in times, and letterhead")
    st.add_argument("code", metavar="CODE", help="the office's region code, e.g. 63.71")
    st.add_argument("--alert-categories", nargs="+", metavar="CATEGORY",
                    help="category codes that always alert the heads (none: clear)")
    st.add_argument("--digest-time", type=hhmm, metavar="HH:MM", help="local time of the daily digest")
    st.add_argument("--checkin-time", type=hhmm, metavar="HH:MM", help="local time of the nihil check-in")
    st.add_argument("--digest-on-holidays", metavar="yes|no", help="send the digest on holidays too")
    kop = st.add_argument_group("letterhead of the monthly report (`-` clears an option)")
    kop.add_argument("--name", dest="name", metavar="TEXT", help="the office's name as its kop reads, e.g. "
                     "\"Badan Kesatuan Bangsa dan Politik Kota Banjarmasin\"")
    kop.add_argument("--address", dest="address", metavar="TEXT", help="street address, city and postcode")
    kop.add_argument("--phone", dest="phone", metavar="TEXT", help="e.g. \"(0511) 3352345\"")
    kop.add_argument("--email", dest="email", metavar="ADDRESS")
    kop.add_argument("--logo", dest="logo_path", metavar="FILE", help="a PNG or JPEG (at most 2 MiB), copied into "
                     "the attachments folder")
    kop.add_argument("--place", dest="place", metavar="CITY", help="where documents are signed (default: a kota's "
                     "own name)")
    kop.add_argument("--report-number", dest="report_number", metavar="PATTERN", help="the report's number; "
                     "{year}, {month} and {roman} (month in Roman numerals) are filled in, e.g. "
                     "\"400.10/   /Kesbangpol/{roman}/{year}\"")
    kop.add_argument("--head-name", dest="head_name", metavar="TEXT", help="the head who signs, as printed under "
                     "the signature")
    kop.add_argument("--head-nip", dest="head_nip", metavar="NIP", help="the head's 18-digit NIP")
    kop.add_argument("--head-title", dest="head_title", metavar="TEXT", help="the head's jabatan (default: Kepala "
                     "<office> <region>); a province's is the addressee of its kab/kota reports")
    kop.add_argument("--head-rank", dest="head_rank", metavar="TEXT", help="pangkat/golongan, e.g. \"Pembina Utama "
                     "Muda (IV/c)\"")
    st.set_defaults(func=cmd_office_set)


def _officer(session: Session, officer_id: int) -> Any:
    officer = people.get_officer(session, officer_id)
    if officer is None:
        raise CliError(f"No officer {officer_id}; see `siaga officer list`.")
    return officer


def cmd_officer_deactivate(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        officer = _officer(session, args.id)
        if not officer.active:
            raise CliError(f"Officer {officer.id} is already deactivated.")
        people.deactivate_officer(session, officer)
        audit.add_audit(session, utcnow(), "officer.deactivated", subject=f"officer:{officer.id}",
                        office_id=officer.office_id, identities=len(officer.identities))
        print(f"officer {officer.id} deactivated; {len(officer.identities)} chat identit"
              f"{'y' if len(officer.identities) == 1 else 'ies'} no longer recognised")


def cmd_officer_set(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        officer = _officer(session, args.id)
        if args.role is None and args.kecamatan is None:
            raise CliError("nothing to change: give --role and/or --kecamatan.")
        kecamatan = None
        if args.kecamatan is not None:
            kecamatan = [c for c in args.kecamatan if c.lower() not in ("all", "semua", "-")]
            for code in kecamatan:
                if not regions.find_kecamatan(session, [officer.office.region_code], code=code, limit=1):
                    raise CliError(f"{code} is not a kecamatan within {officer.office.region_code}.")
        people.set_officer(session, officer, role=Role(args.role) if args.role else None, kecamatan=kecamatan)
        audit.add_audit(session, utcnow(), "officer.changed", subject=f"officer:{officer.id}",
                        role=args.role, kecamatan=kecamatan)
        areas = ",".join(k.region_code for k in officer.kecamatan) or officer.office.region_code
        print(f"officer {officer.id}: {officer.role.value}, {areas}")


def add_officer_admin_parsers(ofc: Any) -> None:
    """Register `siaga officer deactivate` and `siaga officer set`."""
    de = ofc.add_parser("deactivate", help="stop an officer: their chats are no longer recognised")
    de.add_argument("id", type=int, metavar="ID")
    de.set_defaults(func=cmd_officer_deactivate)
    st = ofc.add_parser("set", help="change an officer's role or kecamatan")
    st.add_argument("id", type=int, metavar="ID")
    st.add_argument("--role", choices=[r.value for r in Role])
    st.add_argument("--kecamatan", nargs="+", metavar="CODE", help="kecamatan codes (all: the whole office area)")
    st.set_defaults(func=cmd_officer_set)


def invite_state(invite: Any, now: Any) -> str:
    """Say whether an invite is open, used, revoked or expired."""
    if invite.used_by is not None:
        return f"used by {invite.used_by}"
    if invite.revoked_at is not None:
        return "revoked"
    return "expired" if invite.expires_at <= now else "open"


def cmd_invite_list(settings: Settings, args: argparse.Namespace) -> None:
    now = utcnow()
    with _sessions(settings).begin() as session:
        office_id = _office(session, args.office).id if args.office else None
        rows = [("code", "office", "role", "kecamatan", "expires", "state")] + [
            (i.code, i.office.region_code, i.role.value, ",".join(i.kecamatan) or "-",
             f"{i.expires_at.astimezone(ZoneInfo(i.office.tz)):%Y-%m-%d %H:%M}", invite_state(i, now))
            for i in people.list_invites(session, office_id)
        ]
    print_table(rows)


def cmd_invite_revoke(settings: Settings, args: argparse.Namespace) -> None:
    now = utcnow()
    with _sessions(settings).begin() as session:
        invite = session.get(Invite, people.normalise_invite_code(args.code))
        if invite is None:
            raise CliError(f"No invite {args.code}; see `siaga invite list`.")
        state = invite_state(invite, now)
        if state != "open":
            raise CliError(f"Invite {invite.code} is {state}; only an open invite can be revoked.")
        people.revoke_invite(session, invite, now)
        audit.add_audit(session, now, "invite.revoked", subject=f"office:{invite.office_id}", code=invite.code)
        print(f"invite {invite.code} revoked")


def add_invite_admin_parsers(inv: Any) -> None:
    """Register `siaga invite list` and `siaga invite revoke`."""
    ls = inv.add_parser("list", help="list invite codes and whether they are open, used, revoked or expired")
    ls.add_argument("--office", metavar="CODE")
    ls.set_defaults(func=cmd_invite_list)
    rv = inv.add_parser("revoke", help="make an open invite code unusable")
    rv.add_argument("code", metavar="CODE")
    rv.set_defaults(func=cmd_invite_revoke)


def cmd_digest(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import chart, digest

    chart.set_chart_dir(settings.attachments_dir / "charts")
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        tz = ZoneInfo(office.tz)
        now = utcnow()
        try:
            day = date.fromisoformat(args.date) if args.date else now.astimezone(tz).date()
        except ValueError as exc:
            raise CliError(f"--date {args.date!r} is not a date: write YYYY-MM-DD.") from exc
        found = digest.gather(session, office, digest.requested_end(office, day, now), with_chart=args.send)
        for message in digest.split(digest.render_lines(found, args.lang)):
            print(message)
            print()
        if args.send:
            _send_digest(settings, session, digest.digest_notify(found, office, day, expires_at=None))
    if args.chart:
        try:
            Path(args.chart).write_bytes(digest.chart_png(found, args.lang))
        except OSError as exc:
            raise CliError(f"cannot write the chart to {args.chart}: {exc.strerror}.") from exc
        print(f"chart written to {args.chart}", file=sys.stderr)


def _send_digest(settings: Settings, session: Session, notify: Any) -> None:
    from bot.runner import Delivery, queue_effects

    reach = tuple(name for name, on in (("telegram", settings.telegram_bot_token is not None),
                                        ("whatsapp", settings.whatsapp_enabled)) if on) or None
    # The scheduled digest's key: sending by hand after it went (or twice) adds nothing.
    queued = queue_effects(session, [notify], utcnow(), settings, Delivery(reach=reach))
    audit.add_audit(session, utcnow(), "digest.sent", subject=notify.key, queued=queued)
    print(f"digest queued: {queued} message(s); `siaga run` sends them" if queued
          else "digest: nothing queued (already queued for every head, or the office has no reachable head)",
          file=sys.stderr)


def add_digest_parser(sub: Any) -> None:
    """Register `siaga digest`."""
    dg = sub.add_parser("digest", help="print an office's daily digest, write its chart, or send it")
    dg.add_argument("--office", required=True, metavar="CODE", help="the office's region code, e.g. 63")
    dg.add_argument("--date", metavar="YYYY-MM-DD", help="the digest of this local date (default today)")
    dg.add_argument("--chart", metavar="FILE.png", help="write the chart to this file")
    dg.add_argument("--send", action="store_true", help="queue it for the office's heads")
    dg.add_argument("--lang", choices=("id", "en"), default="id")
    dg.set_defaults(func=cmd_digest)


def _version() -> str:
    try:
        return metadata.version("siaga")
    except metadata.PackageNotFoundError:
        return "unknown"


# -- arguments checked where they are parsed, and known errors as one line ----------------------------

MAX_NAME = 200  # Office.name and Officer.name columns
MAX_INVITE_DAYS = 365
log = logging.getLogger(__name__)


class Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (what is wrong, where to read more) and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def hhmm(value: str) -> time:
    """Read a local time of day written HH:MM.

    >>> hhmm("7:05")
    datetime.time(7, 5)
    """
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", value.strip())
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time of day; write HH:MM between 00:00 and 23:59")
    return time(int(m.group(1)), int(m.group(2)))


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """Return an argparse type that accepts a whole number from `low` to `high`."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is out of range; use {low} to {high}")
        return number
    return parse


def name_text(value: str) -> str:
    """Accept a name of at most `MAX_NAME` characters."""
    value = value.strip()
    if not value or len(value) > MAX_NAME:
        raise argparse.ArgumentTypeError(f"a name has 1 to {MAX_NAME} characters (this one has {len(value)})")
    return value


def _describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand (also ones added later by other modules) its help line as description."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if sub.description is None and helps.get(name):
                    sub.description = helps[name][:1].upper() + helps[name][1:] + "."
                _describe_subcommands(sub)


def _database(settings: Settings) -> str:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def explain(exc: BaseException, settings: Settings) -> str | None:
    """Turn a known failure into one sentence saying what is wrong and how to fix it; None if unknown."""
    if isinstance(exc, ArgumentError):
        return ("DATABASE_URL is not a database URL; write e.g. sqlite:///siaga.db or "
                "postgresql+psycopg://user:password@host:5432/siaga (in the environment or .env).")
    if isinstance(exc, OperationalError):
        if make_url(settings.database_url).get_backend_name() == "sqlite":
            return (f"cannot open {_database(settings)}: does its folder exist and may Siaga write there? "
                    "Check DATABASE_URL.")
        return f"cannot reach {_database(settings)}: is it running, and are DATABASE_URL's host and password right?"
    if isinstance(exc, DataError):
        # The driver's first line names the column type, never the values (statement parameters are hidden).
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        return f"the database refused a value: {first}. Shorten or correct it."
    if isinstance(exc, SQLAlchemyError):
        return None
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or type(exc).__name__}. Check the path and that its folder exists."
    if isinstance(exc, OverflowError):
        return "a date or number is too large; use a smaller value."
    return None


def settings_problem(exc: ValidationError) -> str:
    """Say which setting is wrong (in the environment or .env) without echoing secrets."""
    problems = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
    return "invalid setting " + "; ".join(problems) + " (in the environment or .env; see .env.example)"


def run_command(func: Callable[[Settings, argparse.Namespace], None], settings: Settings,
                args: argparse.Namespace) -> int:
    """Run one subcommand; every known failure becomes one line on stderr and exit status 2."""
    try:
        func(settings, args)
    except CliError as exc:
        print(f"siaga: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `siaga rawan --format geojson | head`: the reader left; say nothing, and keep Python's exit-time
        # flush of stdout from raising again (the recipe in the `signal` module's documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # the CLI's one catch-all: an operator never sees a traceback
        message = explain(exc, settings)
        log.debug("command failed", exc_info=True)
        if message is None:
            print(f"siaga: unexpected error ({type(exc).__name__}); run again with SIAGA_LOG_LEVEL=DEBUG "
                  "to see the details.", file=sys.stderr)
            return 1
        print(f"siaga: {message}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `siaga` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"siaga: {settings_problem(exc)}", file=sys.stderr)
        return 2
    start_clock_at(settings.clock_start)
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # fpdf2 subsets fonts through fontTools, which logs every table at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if args.func in (cmd_console, cmd_demo):
        # The chat itself is the interface; per-turn logs would interleave with it.
        logging.getLogger("bot.runner").setLevel(logging.WARNING)
    return run_command(args.func, settings, args)


if __name__ == "__main__":
    sys.exit(main())
