"""The `siaga` command (init, console, run, office, invite, reports, outbox); parses arguments, calls functions."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels import console
from bot.config import Settings
from bot.runner import Runner, utcnow
from handlers.texts import t
from storage import audit, incidents, migrations, outbox, people, regions, seed
from storage.db import Session, make_engine, make_sessions
from storage.models import IncidentReport, Invite, OutboxStatus, Role

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


def cmd_regions_import(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        try:
            result = seed.import_regions(session, Path(args.file))
        except (OSError, seed.RegionFileError) as exc:
            raise CliError(f"{args.file}: {exc}") from exc
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
        hour, minute = (int(x) for x in args.digest_time.split(":"))
        office = people.add_office(session, region.code, name, tz, utcnow(), digest_time=time(hour, minute))
        audit.add_audit(session, utcnow(), "office.created", subject=f"office:{office.id}", region=region.code)
        print(f"office {office.region_code}: {office.name} ({tz}, digest {office.digest_time:%H:%M})")


def cmd_office_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        for office in people.list_offices(session):
            print(f"{office.region_code}\t{office.name}\t{office.tz}\t{office.digest_time:%H:%M}")


def cmd_invite_create(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        office = _office(session, args.office)
        kecamatan = args.kecamatan or []
        for code in kecamatan:
            matches = regions.find_kecamatan(session, [office.region_code], code=code, limit=1)
            if not matches:
                raise CliError(f"{code} is not a kecamatan within {office.region_code}.")
        invite = people.add_invite(session, office, Role(args.role), utcnow(), ttl=timedelta(days=args.days),
                                   name=args.name, kecamatan=kecamatan)
        audit.add_audit(session, utcnow(), "invite.created", subject=f"office:{office.id}", role=args.role,
                        kecamatan=kecamatan, days=args.days)
        local_expiry = invite.expires_at.astimezone(ZoneInfo(office.tz))
        print(invite.code)
        print(f"valid until {local_expiry:%Y-%m-%d %H:%M} ({office.tz}); the officer sends: daftar {invite.code}",
              file=sys.stderr)


def cmd_officer_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        office_id = _office(session, args.office).id if args.office else None
        for o in people.list_officers(session, office_id):
            channels = ",".join(sorted(i.channel for i in o.identities))
            areas = ",".join(k.region_code for k in o.kecamatan) or o.office.region_code
            print(f"{o.id}\t{o.name or '-'}\t{o.role.value}\t{o.office.region_code}\t{areas}\t{channels}")


REPORT_COLUMNS = (
    "number", "created_at", "occurred_at", "office", "category", "kecamatan_code", "kecamatan", "place",
    "severity", "status", "crowd_size", "latitude", "longitude", "description", "actors", "action_taken",
    "reporter_id", "channel", "attachments",
)


def report_row(r: IncidentReport) -> dict[str, Any]:
    """Flatten a report for export; times in the office's local zone, ISO 8601 with offset."""
    tz = ZoneInfo(r.office.tz)
    return {
        "number": r.number, "created_at": r.created_at.astimezone(tz).isoformat(timespec="minutes"),
        "occurred_at": r.occurred_at.astimezone(tz).isoformat(timespec="minutes"),
        "office": r.office.region_code, "category": r.category.name_id, "kecamatan_code": r.kecamatan_code,
        "kecamatan": r.kecamatan.name, "place": r.place, "severity": r.severity.value, "status": r.status.value,
        "crowd_size": r.crowd_size, "latitude": r.latitude, "longitude": r.longitude,
        "description": r.description, "actors": r.actors, "action_taken": r.action_taken,
        "reporter_id": r.reporter_id, "channel": r.channel, "attachments": len(r.attachments),
    }


def cmd_reports_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        if args.office and regions.get_region(session, args.office) is None:
            raise CliError(f"{args.office} is not a known region code.")
        rows = [report_row(r) for r in incidents.list_reports(session, region_code=args.office, limit=args.limit)]
        audit.add_audit(session, utcnow(), "reports.exported", subject=args.office, format=args.format,
                        count=len(rows))
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        short = ("number", "occurred_at", "category", "kecamatan", "severity", "status")
        print_table([short] + [tuple(str(row[c]) for c in short) for row in rows])


def print_table(table: Sequence[Sequence[str]]) -> None:
    """Print rows of text as aligned columns (the first row is the header)."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def cmd_audit_list(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        for e in audit.list_audit(session, args.filter_action, limit=args.limit):
            detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
            print(f"{e.at.isoformat(timespec='seconds')}\t{e.action}\t{e.actor_id or '-'}\t{e.subject or '-'}\t{detail}")


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
        rows = outbox.list_messages(session, status, limit=args.limit)
        table = [("id", "created_at", "channel", "to", "status", "delivery", "attempts", "error")] + [
            (str(m.id), f"{m.created_at:%Y-%m-%d %H:%M}Z", m.channel, mask_address(m.address), m.status.value,
             m.delivery_status or "-", str(m.attempts), m.error or "-")
            for m in rows
        ]
    print_table(table)


def _open_console(settings: Settings, sessions: Any, address: str, record: str | None) -> None:
    runner = Runner(sessions, settings)
    record_file = open(record, "w", encoding="utf-8") if record else None  # noqa: SIM115
    try:
        console.run_console(runner.run_turn, address, settings.attachments_dir, sys.stdin, sys.stdout,
                            lang=settings.language, interactive=sys.stdin.isatty(), record=record_file)
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
    print(f"demo: you are 'Petugas Demo' of {office.name}. {t('engine.idle', settings.language)}\n")
    _open_console(settings, sessions, DEMO_ADDRESS, args.record)


def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    import asyncio

    from bot import app

    _sessions(settings)  # refuse to start on a database that is not initialised
    try:
        asyncio.run(app.run(settings))
    except app.ConfigError as exc:
        raise CliError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="siaga", description="Siaga: Kesbangpol early-warning reporting bot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("init", help="create or upgrade the schema and load reference data").set_defaults(func=cmd_init)

    sub.add_parser("run", help="serve the configured chat channels until SIGTERM/SIGINT").set_defaults(func=cmd_run)

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
    add.add_argument("--name", help="default: Kesbangpol <region name>")
    add.add_argument("--digest-time", default="07:00", metavar="HH:MM", help="local time of the daily digest")
    add.set_defaults(func=cmd_office_add)
    off.add_parser("list", help="list offices").set_defaults(func=cmd_office_list)
    add_office_set_parser(off)

    inv = sub.add_parser("invite", help="invite codes").add_subparsers(dest="action", required=True)
    create = inv.add_parser("create", help="print a one-time invite code")
    create.add_argument("--office", required=True, metavar="CODE", help="the office's region code")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--kecamatan", nargs="*", metavar="CODE", help="limit the officer to these kecamatan")
    create.add_argument("--name", help="the officer's name (asked in chat when omitted)")
    create.add_argument("--days", type=int, default=7, help="days until the code expires (default 7)")
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
    rl.add_argument("--limit", type=int)
    rl.set_defaults(func=cmd_reports_list)

    aud = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    al = aud.add_parser("list", help="print the newest audit entries")
    al.add_argument("--action", dest="filter_action", metavar="ACTION", help="e.g. officer.joined, sender.refused")
    al.add_argument("--limit", type=int, default=50)
    al.set_defaults(func=cmd_audit_list)
    out = sub.add_parser("outbox", help="outgoing messages").add_subparsers(dest="action", required=True)
    ol = out.add_parser("list", help="print outgoing messages, newest first (addresses masked)")
    ol.add_argument("--status", choices=[s.value for s in OutboxStatus])
    ol.add_argument("--limit", type=int, default=50)
    ol.set_defaults(func=cmd_outbox_list)
    add_digest_parser(sub)
    return parser


# -- heads of office: office settings, officer and invite administration, the digest ---------------


def _hhmm(value: str, option: str) -> time:
    try:
        hour, minute = (int(x) for x in value.split(":"))
        return time(hour, minute)
    except ValueError as exc:
        raise CliError(f"{option} {value!r} is not a time: write HH:MM, e.g. 07:00.") from exc


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
            office.digest_time = _hhmm(args.digest_time, "--digest-time")
            changed["digest_time"] = args.digest_time
        if args.checkin_time is not None:
            office.checkin_time = _hhmm(args.checkin_time, "--checkin-time")
            changed["checkin_time"] = args.checkin_time
        if args.digest_on_holidays is not None:
            office.digest_on_holidays = _yes_no(args.digest_on_holidays, "--digest-on-holidays")
            changed["digest_on_holidays"] = office.digest_on_holidays
        if not changed:
            raise CliError("nothing to change: give --alert-categories, --digest-time, --checkin-time "
                           "or --digest-on-holidays.")
        audit.add_audit(session, utcnow(), "office.changed", subject=f"office:{office.id}", **changed)
        print(f"office {office.region_code}: alert categories {','.join(office.alert_categories) or '-'}, "
              f"digest {office.digest_time:%H:%M}, check-in {office.checkin_time:%H:%M}, "
              f"digest on holidays {'yes' if office.digest_on_holidays else 'no'}")


def add_office_set_parser(off: Any) -> None:
    """Register `siaga office set`."""
    st = off.add_parser("set", help="change an office's alert categories, digest and check-in times")
    st.add_argument("code", metavar="CODE", help="the office's region code, e.g. 63.71")
    st.add_argument("--alert-categories", nargs="+", metavar="CATEGORY",
                    help="category codes that always alert the heads (none: clear)")
    st.add_argument("--digest-time", metavar="HH:MM", help="local time of the daily digest")
    st.add_argument("--checkin-time", metavar="HH:MM", help="local time of the nihil check-in")
    st.add_argument("--digest-on-holidays", metavar="yes|no", help="send the digest on holidays too")
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
        try:
            day = date.fromisoformat(args.date) if args.date else utcnow().astimezone(tz).date()
        except ValueError as exc:
            raise CliError(f"--date {args.date!r} is not a date: write YYYY-MM-DD.") from exc
        end = datetime.combine(day, office.digest_time, tz).astimezone(UTC)
        found = digest.gather(session, office, end, with_chart=args.send)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `siaga` command."""
    args = build_parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.func in (cmd_console, cmd_demo):
        # The chat itself is the interface; per-turn logs would interleave with it.
        logging.getLogger("bot.runner").setLevel(logging.WARNING)
    try:
        args.func(settings, args)
    except CliError as exc:
        print(f"siaga: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
