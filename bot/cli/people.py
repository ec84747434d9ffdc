"""`siaga invite …` and `siaga officer …`: invite codes, and the officers who redeemed them."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli import common
from bot.cli.common import MAX_INVITE_DAYS, CliError, bounded_int, name_text, print_rows, print_table
from bot.config import Settings
from storage.enums import Role

if TYPE_CHECKING:
    from storage.db import Session

def cmd_invite_create(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, people, regions

    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        kecamatan = args.kecamatan or []
        for code in kecamatan:
            matches = regions.find_kecamatan(session, [office.region_code], code=code, limit=1)
            if not matches:
                raise CliError(f"{code} is not a kecamatan within {office.region_code}.")
        if (args.role == Role.GUEST.value) != bool(args.institution):
            raise CliError("A guest invite needs --institution (e.g. --role guest --institution KPU), "
                           "and only a guest invite takes one.")
        invite = people.add_invite(session, office, Role(args.role), args.clock(), ttl=timedelta(days=args.days),
                                   name=args.name, kecamatan=kecamatan, institution=args.institution)
        audit.add_audit(session, args.clock(), "invite.created", subject=f"office:{office.id}", role=args.role,
                        kecamatan=kecamatan, days=args.days)
        local_expiry = invite.expires_at.astimezone(ZoneInfo(office.tz))
        print(invite.code)
        who = {"head": "the head of office", "admin": "the admin", "guest": "the guest"}.get(args.role, "the officer")
        print(f"valid until {local_expiry:%Y-%m-%d %H:%M} ({office.tz}); {who} sends: daftar {invite.code}",
              file=sys.stderr)


def cmd_officer_list(settings: Settings, args: argparse.Namespace) -> None:
    from storage import people

    with common.sessions(settings).begin() as session:
        office_id = common.office_of(session, args.office).id if args.office else None
        rows = []
        for o in people.list_officers(session, office_id):
            channels = ",".join(sorted(i.channel for i in o.identities))
            areas = ",".join(k.region_code for k in o.kecamatan) or o.office.region_code
            rows.append((str(o.id), o.name or "-", o.role.value, o.office.region_code, areas, channels))
        print_rows(("id", "name", "role", "office", "areas", "channels"), rows)


def _officer(session: Session, officer_id: int) -> Any:
    from storage import people

    officer = people.get_officer(session, officer_id)
    if officer is None:
        raise CliError(f"No officer {officer_id}; see `siaga officer list`.")
    return officer


def cmd_officer_deactivate(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, people

    with common.sessions(settings).begin() as session:
        officer = _officer(session, args.id)
        if not officer.active:
            raise CliError(f"Officer {officer.id} is already deactivated.")
        people.deactivate_officer(session, officer)
        audit.add_audit(session, args.clock(), "officer.deactivated", subject=f"officer:{officer.id}",
                        office_id=officer.office_id, identities=len(officer.identities))
        print(f"officer {officer.id} deactivated; {len(officer.identities)} chat identit"
              f"{'y' if len(officer.identities) == 1 else 'ies'} no longer recognised")


def cmd_officer_set(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, people, regions

    with common.sessions(settings).begin() as session:
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
        audit.add_audit(session, args.clock(), "officer.changed", subject=f"officer:{officer.id}",
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
    from storage import people

    now = args.clock()
    with common.sessions(settings).begin() as session:
        office_id = common.office_of(session, args.office).id if args.office else None
        rows = [("code", "office", "role", "kecamatan", "expires", "state")] + [
            (i.code, i.office.region_code, i.role.value, ",".join(i.kecamatan) or "-",
             f"{i.expires_at.astimezone(ZoneInfo(i.office.tz)):%Y-%m-%d %H:%M}", invite_state(i, now))
            for i in people.list_invites(session, office_id)
        ]
    print_table(rows)


def cmd_invite_revoke(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, people

    now = args.clock()
    with common.sessions(settings).begin() as session:
        invite = people.get_invite(session, args.code)
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


def add_invite_parsers(sub: Any) -> None:
    """Register `siaga invite create`, `invite list` and `invite revoke`."""
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


def add_officer_parsers(sub: Any) -> None:
    """Register `siaga officer list`, `officer deactivate` and `officer set`."""
    ofc = sub.add_parser("officer", help="officers").add_subparsers(dest="action", required=True)
    lst = ofc.add_parser("list", help="list officers")
    lst.add_argument("--office", metavar="CODE")
    lst.set_defaults(func=cmd_officer_list)
    add_officer_admin_parsers(ofc)
