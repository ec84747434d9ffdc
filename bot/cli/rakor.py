"""`siaga rakor …`: coordination meetings, their invitations and the agreements in their minutes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli import common
from bot.cli.common import CliError, print_table
from bot.config import Settings
from storage.enums import RakorStatus, Rsvp

if TYPE_CHECKING:
    from storage.db import Session

def _rakor_targets(session: Session, targets: Sequence[str]) -> list[str]:
    """Check CLI invitation targets (office code, kabkota:PROVINCE, officer:ID) and turn them into handler targets."""
    from storage import people, regions
    from storage import rakor as rakor_store

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


def _rakor_time(raw: str, tz: str, now: datetime) -> Any:
    from handlers import rakor as rakor_handlers

    from handlers.parse import Invalid

    try:
        return rakor_handlers.check_target_time(raw, tz, now)
    except Invalid as exc:
        raise CliError(f"--at {raw!r}: give a coming time as \"YYYY-MM-DD HH:MM\" in the office's zone ({tz}).") \
            from exc


def _get_rakor(session: Session, rakor_id: int) -> Any:
    from storage import rakor as rakor_store

    meeting = rakor_store.get_rakor(session, rakor_id)
    if meeting is None:
        raise CliError(f"No rakor #{rakor_id}; see `siaga rakor list`.")
    return meeting


def _check_reminders(spec: str | None) -> None:
    from handlers import rakor as rakor_handlers

    if spec is not None:
        try:
            rakor_handlers.parse_offsets(spec)
        except ValueError as exc:
            raise CliError(f"--reminders: {exc}.") from exc


def cmd_rakor_add(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import rakor as rakor_handlers
    from storage import audit
    from storage import rakor as rakor_store

    _check_reminders(args.reminders)
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        starts_at = _rakor_time(args.at, office.tz, args.clock())
        invitees = rakor_handlers.resolve_targets(session, _rakor_targets(session, args.invite))
        if not invitees:
            raise CliError("Nobody to invite: those offices have no active officers yet.")
        meeting = rakor_store.add_rakor(session, office_id=office.id, title=args.title, starts_at=starts_at,
                                        place=args.place, agenda=args.agenda, reminders=args.reminders,
                                        now=args.clock(), invitee_ids=invitees)
        audit.add_audit(session, args.clock(), "rakor.created", subject=f"rakor:{meeting.id}", office_id=office.id,
                        invitees=len(invitees))
        when = rakor_handlers.local_when(meeting.starts_at, office.tz, settings.language)
        print(f"rakor #{meeting.id}: {meeting.title}, {when}, {len(invitees)} invitees")
    print("the invitations go out with the next scheduler round of `siaga run`", file=sys.stderr)


def cmd_rakor_list(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import rakor as rakor_handlers
    from storage import rakor as rakor_store

    with common.sessions(settings).begin() as session:
        if args.office:
            common.office_of(session, args.office)
        meetings = rakor_store.list_rakor(session, region_code=args.office, after=args.clock(),
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
    from handlers import rakor as rakor_handlers

    with common.sessions(settings).begin() as session:
        meeting = _get_rakor(session, args.id)
        if meeting.status == RakorStatus.CANCELLED:
            raise CliError(f"Rakor #{args.id} is already cancelled.")
        rakor_handlers.cancel_meeting(session, meeting, args.clock())
    print(f"rakor #{args.id} cancelled; its invitees are told with the next scheduler round")


def cmd_rakor_move(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import rakor as rakor_handlers

    with common.sessions(settings).begin() as session:
        meeting = _get_rakor(session, args.id)
        if meeting.status == RakorStatus.CANCELLED:
            raise CliError(f"Rakor #{args.id} is cancelled; schedule a new one with `siaga rakor add`.")
        now = args.clock()
        rakor_handlers.move_meeting(session, meeting, _rakor_time(args.at, meeting.office.tz, now), now)
        when = rakor_handlers.local_when(meeting.starts_at, meeting.office.tz, settings.language)
    print(f"rakor #{args.id} moved to {when}; its invitees are asked again with the next scheduler round")


def cmd_rakor_reminders(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import rakor as rakor_handlers
    from storage import rakor as rakor_store

    spec = None if args.spec == "default" else args.spec
    _check_reminders(spec)
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        rakor_store.set_office_reminders(session, office, spec)
    print(f"rakor reminders of {args.office}: {spec or rakor_handlers.DEFAULT_REMINDERS}")


def cmd_rakor_agreements(settings: Settings, args: argparse.Namespace) -> None:
    from handlers import rakor as rakor_handlers
    from storage import rakor as rakor_store

    with common.sessions(settings).begin() as session:
        if args.office:
            common.office_of(session, args.office)
        table = [("id", "minutes", "due", "state", "owner", "agreement")]
        for a in rakor_store.list_agreements(session, region_code=args.office):
            # Overdue once the due date has passed in the organising office's calendar.
            late = a.due_on is not None and a.due_on < args.clock().astimezone(ZoneInfo(a.report.office.tz)).date()
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
