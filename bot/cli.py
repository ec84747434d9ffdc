"""The `siaga` command (init, console, run, office, invite, reports, outbox); parses arguments, calls functions."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels import console
from bot.config import Settings
from bot.runner import Runner, utcnow
from handlers import rakor as rakor_handlers
from handlers.texts import t
from storage import audit, incidents, migrations, outbox, people, regions, seed
from storage import rakor as rakor_store
from storage.db import Session, make_engine, make_sessions
from storage.models import IncidentReport, OutboxStatus, RakorStatus, Role, Rsvp

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
        if (args.role == Role.GUEST.value) != bool(args.institution):
            raise CliError("A guest invite needs --institution (e.g. --role guest --institution KPU), "
                           "and only a guest invite takes one.")
        invite = people.add_invite(session, office, Role(args.role), utcnow(), ttl=timedelta(days=args.days),
                                   name=args.name, kecamatan=kecamatan, institution=args.institution)
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
            table.append((str(m.id), m.office.region_code, rakor_handlers.local_when(m.starts_at, m.office.tz, "en"),
                          m.status.value, m.title, *map(str, counts),
                          str(sum(1 for i in m.invitees if i.rsvp is None))))
    print_table(table)


def cmd_rakor_cancel(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        meeting = _get_rakor(session, args.id)
        if meeting.status == RakorStatus.CANCELLED:
            raise CliError(f"Rakor #{args.id} is already cancelled.")
        rakor_store.cancel_rakor(session, meeting)
        audit.add_audit(session, utcnow(), "rakor.cancelled", subject=f"rakor:{meeting.id}")
    print(f"rakor #{args.id} cancelled; its invitees are told with the next scheduler round")


def cmd_rakor_move(settings: Settings, args: argparse.Namespace) -> None:
    with _sessions(settings).begin() as session:
        meeting = _get_rakor(session, args.id)
        if meeting.status == RakorStatus.CANCELLED:
            raise CliError(f"Rakor #{args.id} is cancelled; schedule a new one with `siaga rakor add`.")
        rakor_store.move_rakor(session, meeting, _rakor_time(args.at, meeting.office.tz), utcnow())
        audit.add_audit(session, utcnow(), "rakor.moved", subject=f"rakor:{meeting.id}")
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

    inv = sub.add_parser("invite", help="invite codes").add_subparsers(dest="action", required=True)
    create = inv.add_parser("create", help="print a one-time invite code")
    create.add_argument("--office", required=True, metavar="CODE", help="the office's region code")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--kecamatan", nargs="*", metavar="CODE", help="limit the officer to these kecamatan")
    create.add_argument("--name", help="the officer's name (asked in chat when omitted)")
    create.add_argument("--days", type=int, default=7, help="days until the code expires (default 7)")
    create.add_argument("--institution", metavar="NAME", help="a guest's institution: KPU, Bawaslu, TNI, Polri, ...")
    create.set_defaults(func=cmd_invite_create)

    ofc = sub.add_parser("officer", help="officers").add_subparsers(dest="action", required=True)
    lst = ofc.add_parser("list", help="list officers")
    lst.add_argument("--office", metavar="CODE")
    lst.set_defaults(func=cmd_officer_list)

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
    add_rakor_commands(sub)
    return parser


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
