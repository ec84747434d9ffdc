"""`siaga digest`: an office's daily digest for its heads, printed, drawn or sent by hand."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.cli import common
from bot.cli.common import CliError
from bot.config import Settings

if TYPE_CHECKING:
    from storage.db import Session

def cmd_digest(settings: Settings, args: argparse.Namespace) -> None:
    from bot.deps import dependencies
    from handlers import digest

    deps = dependencies(settings, args.clock)
    with common.sessions(settings).begin() as session:
        office = common.office_of(session, args.office)
        tz = ZoneInfo(office.tz)
        now = args.clock()
        try:
            day = date.fromisoformat(args.date) if args.date else now.astimezone(tz).date()
        except ValueError as exc:
            raise CliError(f"--date {args.date!r} is not a date: write YYYY-MM-DD.") from exc
        found = digest.gather(session, office, digest.requested_end(office, day, now), with_chart=args.send,
                              deps=deps)
        for message in digest.split(digest.render_lines(found, args.lang)):
            print(message)
            print()
        if args.send:
            # Queued, `siaga run` may send it as soon as this commits: the chart is drawn first.
            found.draw_chart()
            _send_digest(settings, session, digest.digest_notify(found, office, day, expires_at=None), now)
    if args.chart:
        try:
            Path(args.chart).write_bytes(digest.chart_png(found, args.lang))
        except OSError as exc:
            raise CliError(f"cannot write the chart to {args.chart}: {exc.strerror}.") from exc
        print(f"chart written to {args.chart}", file=sys.stderr)


def _send_digest(settings: Settings, session: Session, notify: Any, now: datetime) -> None:
    from storage import audit

    from bot.effects import Delivery, queue_effects

    # The scheduled digest's key: sending by hand after it went (or twice) adds nothing.
    queued = queue_effects(session, [notify], now, settings,
                           Delivery(reach=common.reach(settings) or None))
    audit.add_audit(session, now, "digest.sent", subject=notify.key, queued=queued)
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
