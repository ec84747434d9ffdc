"""`siaga init`, `regions import`, `run`, `demo`, `console`, `audit list` and `outbox list`: running Siaga
and looking after it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import common
from bot.cli.common import CliError, bounded_int, display_zone, print_rows, print_table
from bot.config import Settings
from storage.enums import OutboxStatus, Role

if TYPE_CHECKING:
    from bot.clock import Clock

log = logging.getLogger(__name__)
DEMO_ADDRESS = "demo"
DEMO_REGION = "63.71"


def cmd_init(settings: Settings, args: argparse.Namespace) -> None:
    from storage import migrations

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
    from storage import seed

    with common.sessions(settings).begin() as session:
        try:
            result = seed.import_regions(session, Path(args.file))
        except (OSError, seed.RegionFileError) as exc:
            raise CliError(f"{args.file}: {exc}") from exc
        except UnicodeError as exc:
            raise CliError(f"{args.file}: not UTF-8 text ({exc.reason}). {CSV_FORMAT}") from exc
    print(f"regions: {result.added} added, {result.updated} updated, {result.unchanged} unchanged")


def cmd_audit_list(settings: Settings, args: argparse.Namespace) -> None:
    from handlers.localtime import local_iso
    from storage import audit

    with common.sessions(settings).begin() as session:
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
    from handlers.localtime import local_iso
    from storage import outbox

    status = OutboxStatus(args.status) if args.status else None
    with common.sessions(settings).begin() as session:
        tz = display_zone(session, args.office)
        rows = outbox.list_messages(session, status, limit=args.limit)
        # "dup": sends that may have arrived before a crash made us send again (at least once).
        table = [("id", "created_at", "kind", "channel", "to", "status", "delivery", "attempts", "dup", "error")] + [
            (str(m.id), local_iso(m.created_at, tz), m.kind, m.channel, mask_address(m.address),
             m.status.value, m.delivery_status or "-", str(m.attempts), str(m.possible_duplicates), m.error or "-")
            for m in rows
        ]
    print_table(table)


def _open_console(settings: Settings, sessions: Any, address: str, record: str | None, clock: Clock) -> None:
    from bot.channels import console
    from bot.runner import Runner
    from handlers.texts import t
    from handlers.types import Inbound, Reply

    runner = Runner(sessions, settings, clock)
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
    _open_console(settings, common.sessions(settings), args.address, args.record, args.clock)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    from bot.channels import console
    from bot.runner import Runner
    from handlers.texts import t
    from storage import people

    cmd_init(settings, args)
    sessions = common.sessions(settings)
    with sessions.begin() as session:
        office = people.get_office_by_region(session, DEMO_REGION)
        if office is None:
            office = people.add_office(session, DEMO_REGION, "Kesbangpol Kota Banjarmasin", "Asia/Makassar",
                                       args.clock())
        if people.get_identity(session, console.CHANNEL, DEMO_ADDRESS) is None:
            invite = people.add_invite(session, office, Role.OFFICER, args.clock(), name="Petugas Demo")
            people.redeem_invite(session, invite.code, console.CHANNEL, DEMO_ADDRESS, args.clock())
    # With a draft open from last time, the console shows its question instead of how to start one.
    waiting = Runner(sessions, settings, args.clock).pending(console.CHANNEL, DEMO_ADDRESS)
    start = "" if waiting else f" {t('engine.idle', settings.language)}"
    print(f"demo: you are 'Petugas Demo' of {office.name}.{start}\n")
    _open_console(settings, sessions, DEMO_ADDRESS, args.record, args.clock)


def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    import asyncio

    from bot import app

    try:
        app.check_workers(settings, args.workers)
        if args.workers > 1:
            app.check(settings)
    except app.ConfigError as exc:
        raise CliError(str(exc)) from exc
    common.sessions(settings).kw["bind"].dispose()  # refuse to start on a database that is not initialised
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
        asyncio.run(app.run(settings, clock=args.clock))
    except app.ConfigError as exc:
        raise CliError(str(exc)) from exc


# -- peta rawan: the vulnerability index, its map and monthly report, and exports ----------------


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers; use 1 to 64")
    return int(text)


def add_operation_parsers(sub: Any) -> None:
    """Register `siaga init`, `run`, `demo`, `console` and `regions import`."""
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


def add_log_parsers(sub: Any) -> None:
    """Register `siaga audit list` and `siaga outbox list`."""
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
