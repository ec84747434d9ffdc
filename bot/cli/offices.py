"""`siaga office add|list|set`: offices, their alert and digest settings and the monthly report's letterhead."""

from __future__ import annotations

import argparse
import io
import re
from datetime import time
from pathlib import Path
from typing import Any

from bot.cli import common
from bot.cli.common import CliError, hhmm, name_text, print_rows
from bot.config import Settings

def cmd_office_add(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, people, regions

    with common.sessions(settings).begin() as session:
        region = regions.get_region(session, args.region)
        if region is None or region.level.value == "district":
            raise CliError(f"{args.region} is not a known province or kabupaten/kota code.")
        if people.get_office_by_region(session, args.region):
            raise CliError(f"Region {args.region} already has an office.")
        province = regions.get_region(session, region.province_code)
        tz = province.tz if province and province.tz else "Asia/Jakarta"
        name = args.name or f"Kesbangpol {region.name}"
        office = people.add_office(session, region.code, name, tz, args.clock(), digest_time=args.digest_time)
        audit.add_audit(session, args.clock(), "office.created", subject=f"office:{office.id}", region=region.code)
        print(f"office {office.region_code}: {office.name} ({tz}, digest {office.digest_time:%H:%M})")


def cmd_office_list(settings: Settings, args: argparse.Namespace) -> None:
    from storage import people

    with common.sessions(settings).begin() as session:
        print_rows(("region", "name", "time zone", "digest"),
                   [(o.region_code, o.name, o.tz, f"{o.digest_time:%H:%M}") for o in people.list_offices(session)])


def _yes_no(value: str, option: str) -> bool:
    if value.lower() in ("yes", "ya", "on", "true", "1"):
        return True
    if value.lower() in ("no", "tidak", "off", "false", "0"):
        return False
    raise CliError(f"{option} takes yes or no, not {value!r}.")


def cmd_office_set(settings: Settings, args: argparse.Namespace) -> None:
    from storage import audit, incidents

    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.code)
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
        audit.add_audit(session, args.clock(), "office.changed", subject=f"office:{office.id}", **changed)
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


def add_office_parsers(sub: Any) -> None:
    """Register `siaga office add`, `office list` and `office set`."""
    off = sub.add_parser("office", help="offices").add_subparsers(dest="action", required=True)
    add = off.add_parser("add", help="create the office of a province or kabupaten/kota")
    add.add_argument("--region", required=True, metavar="CODE", help="region code, e.g. 63 or 63.71")
    add.add_argument("--name", type=name_text, help="default: Kesbangpol <region name>")
    add.add_argument("--digest-time", type=hhmm, default=time(7, 0), metavar="HH:MM",
                     help="local time of the daily digest (default 07:00)")
    add.set_defaults(func=cmd_office_add)
    off.add_parser("list", help="list offices").set_defaults(func=cmd_office_list)
    add_office_set_parser(off)
